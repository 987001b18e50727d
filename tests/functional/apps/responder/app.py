"""Answers with whatever proxy response the request asks for: the request body is
`{"respond": <the value to return>}` (or `{"raise": "message"}`, printing the event's
requestId first, or `{"environ": NAME}` for
the event and that variable); without one, the event."""

import json
import os


def handler(event, context):
    body = event.get("body") if isinstance(event, dict) else None
    wanted = json.loads(body) if body else {}
    if "raise" in wanted:
        print("raising for", event.get("requestContext", {}).get("requestId"))
        raise RuntimeError(wanted["raise"])
    if "respond" in wanted:
        return wanted["respond"]
    if "environ" in wanted:
        return {"statusCode": 200, "body": json.dumps(
            {"event": event, "environ": os.environ.get(wanted["environ"])})}
    return {"statusCode": 200, "body": json.dumps(event)}
