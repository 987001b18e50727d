"""Answers at once, or once the file named by `wait_for` exists (the test decides when)."""

import json
import os
import time


def handler(event, context):
    body = json.loads(event.get("body") or "{}")
    release = body.get("wait_for")
    deadline = time.monotonic() + 30
    while release and not os.path.exists(release) and time.monotonic() < deadline:
        time.sleep(0.01)
    print(f"worked on {sorted(body)}")
    return {"statusCode": 200, "body": json.dumps({"released": bool(release)})}
