"""Holds its environment for a while, so parallel calls need more than one."""

import time


def handler(event, context):
    time.sleep(2)
    return {"statusCode": 200, "body": "done"}
