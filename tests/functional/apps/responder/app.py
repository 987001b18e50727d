"""Answers with whatever proxy response the request asks for: the request body is
`{"respond": <the value to return>}` (or `{"raise": "message"}`); without one, the event."""

import json


def handler(event, context):
    body = event.get("body") if isinstance(event, dict) else None
    wanted = json.loads(body) if body else {}
    if "raise" in wanted:
        raise RuntimeError(wanted["raise"])
    if "respond" in wanted:
        return wanted["respond"]
    return {"statusCode": 200, "body": json.dumps(event)}
