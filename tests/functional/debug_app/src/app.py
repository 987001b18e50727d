"""A handler to stop in: the tests set a breakpoint on the line marked BREAK."""

import json

GREETING = "hello from INIT"


def handler(event, context):
    answer = {"greeting": GREETING, "body": event.get("body")}
    answer["remaining_ms"] = context.get_remaining_time_in_millis()  # BREAK
    return {"statusCode": 200, "body": json.dumps(answer)}
