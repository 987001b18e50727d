"""A test function whose behaviour the event chooses: each way a Lambda handler can end."""

import base64
import ctypes
import json
import os
import signal
import time

from shared_util import greeting  # from the layer: proves layers are on the path

INIT_PID = os.getpid()
print("INIT: behaviours loaded")
if os.environ.get("BEHAVIOURS_INIT") == "exit":  # the tests' INIT failures
    os._exit(4)
if os.environ.get("BEHAVIOURS_INIT") == "hang":
    time.sleep(3600)


def handler(event, context):
    body = event.get("body") if isinstance(event, dict) else None
    action = event.get("action") if isinstance(event, dict) else None
    if body and not action:
        try:
            action = json.loads(body).get("action")
        except (ValueError, AttributeError):
            action = None
    print(f"handling {action or 'echo'} in pid {os.getpid()}")
    if action == "raise":
        raise ValueError("something broke")
    if action == "exit":
        os._exit(3)
    if action == "kill":
        os.kill(os.getpid(), signal.SIGKILL)
    if action == "segfault":
        ctypes.string_at(0)
    if action == "work":
        time.sleep(event.get("seconds", 0.1))
        return {"statusCode": 200, "body": "worked"}
    if action == "hang":
        time.sleep(3600)
    if action == "memory":
        hog = bytearray(512 * 1024 * 1024)
        hog[:: 4096] = b"x" * len(hog[:: 4096])
    if action == "big-log":
        chunk = "x" * 1023 + "\n"
        for _ in range(10 * 1024):
            print(chunk, end="")
    if action == "big-response":
        return {"statusCode": 200, "body": "y" * (7 * 1024 * 1024)}
    if action == "not-a-dict":
        return "just a string"
    if action == "no-status":
        return {"body": "no statusCode"}
    if action == "binary":
        return {"statusCode": 200, "headers": {"Content-Type": "image/png"},
                "body": base64.b64encode(b"\x89PNG\r\n\x1a\n").decode(), "isBase64Encoded": True}
    if action == "headers":  # the headers the request's body asks for
        return {"statusCode": 200, "headers": json.loads(body)["headers"], "body": "ok"}
    if action == "context":
        return {"statusCode": 200, "body": json.dumps({
            "request_id": context.aws_request_id, "function_name": context.function_name,
            "memory": context.memory_limit_in_mb,
            "remaining_ms": context.get_remaining_time_in_millis(),
            "log_group": context.log_group_name, "log_stream": context.log_stream_name,
            "env": {k: v for k, v in os.environ.items()
                    if k.startswith(("AWS_LAMBDA", "LAMBDA", "_HANDLER", "GREETING"))},
            "pid": os.getpid(), "init_pid": INIT_PID, "tmp": os.environ.get("TMPDIR")})}
    return {"statusCode": 200, "headers": {"Content-Type": "application/json"},
            "multiValueHeaders": {"Set-Cookie": ["a=1", "b=2"]},
            "body": json.dumps({"greeting": greeting(), "event": event})}
