"""Fails on request: `{"how": "raise"}` raises, `{"how": "exit"}` kills the process."""

import json
import os


def handler(event, context):
    how = json.loads(event.get("body") or "{}").get("how") if "body" in event \
        else event.get("how")
    if how == "exit":
        os._exit(3)
    if how == "raise":
        raise RuntimeError("asked to fail")
    return {"statusCode": 200, "body": "fine"}
