"""Answers with what the function saw: the event, its environment and the layer."""

import json
import os
import sys

from test_layer import LAYER_VALUE


def handler(event, context):
    seen = {
        "event": event,
        "layer": LAYER_VALUE,
        "greeting": os.environ.get("GREETING"),
        "function_name": context.function_name,
        "memory_limit_in_mb": context.memory_limit_in_mb,
        "python": sys.version.split()[0],
    }
    return {"statusCode": 200, "headers": {"content-type": "application/json"},
            "body": json.dumps(seen)}
