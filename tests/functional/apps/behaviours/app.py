"""A test function whose behaviour the event chooses: each way a Lambda handler can end."""

import base64
import ctypes
import json
import os
import shutil
import signal
import sys
import tempfile
import time

from shared_util import greeting  # from the layer: proves layers are on the path

INIT_PID = os.getpid()
print("INIT: behaviours loaded")
if os.environ.get("BEHAVIOURS_INIT") == "exit":  # the tests' INIT failures
    os._exit(4)
if os.environ.get("BEHAVIOURS_INIT") == "hang":
    time.sleep(3600)
if os.environ.get("BEHAVIOURS_INIT") == "hang-once":  # hangs until a marker file exists
    marker = os.environ["BEHAVIOURS_MARKER"]
    if not os.path.exists(marker):
        open(marker, "w").close()
        time.sleep(3600)


def sandbox_view():
    """What the function can see of its sandbox."""
    importable = {}
    for name in ("boto3", "botocore", "awslambdaric", "pip", "requests", "numpy", "fastapi",
                 "workbench", "psutil"):
        try:
            __import__(name)
            importable[name] = True
        except ImportError:
            importable[name] = False
    with open("/proc/self/environ", "rb") as block:
        environ_block = [item.split(b"=", 1)[0].decode() for item in block.read().split(b"\0")
                         if item]
    fds = {}
    for fd in os.listdir("/proc/self/fd"):
        try:
            fds[fd] = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            pass
    tmp = os.statvfs("/tmp")
    try:
        import layer_order
        layer = layer_order.WHO
    except ImportError:
        layer = None
    try:
        open(os.path.join(os.environ["LAMBDA_TASK_ROOT"], "written"), "w").close()
        task_root_writable = True
    except OSError:
        task_root_writable = False
    return {"python": list(sys.version_info[:3]), "executable": sys.executable,
            "cwd": os.getcwd(), "file": __file__, "task_root": os.environ["LAMBDA_TASK_ROOT"],
            "opt": sorted(os.listdir("/opt")), "layer_order": layer,
            "tool": shutil.which("layer-tool"), "task_root_writable": task_root_writable,
            "sys_path": sys.path, "importable": importable, "environ_block": environ_block,
            "environ": sorted(os.environ), "fds": fds, "tmpdir": tempfile.gettempdir(),
            "tmp_size_mb": tmp.f_blocks * tmp.f_frsize // (1024 * 1024)}


def detached_child(seconds):
    """A grandchild in a session of its own whose parent exits at once: the kind of
    process that escapes a process-group kill."""
    read, write = os.pipe()
    if os.fork() == 0:
        os.setsid()
        if os.fork() == 0:
            os.write(write, str(os.getpid()).encode())
            time.sleep(seconds)
            os._exit(0)
        os._exit(0)
    os.close(write)
    pid = int(os.read(read, 32))
    os.wait()
    return pid


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
    if action == "sandbox":
        return {"statusCode": 200, "body": json.dumps(sandbox_view())}
    if action == "detach":  # a detached grandchild, then optionally hang
        pid = detached_child(3600)
        print(f"detached {pid}", flush=True)
        if event.get("then") == "hang":
            time.sleep(3600)
        return {"statusCode": 200, "body": json.dumps({"pid": pid})}
    if action == "child-memory":  # a child process allocates; the handler waits for it
        pid = os.fork()
        if pid == 0:
            hog = bytearray(event.get("mb", 400) * 1024 * 1024)
            hog[:: 4096] = b"x" * len(hog[:: 4096])
            time.sleep(3600)
            os._exit(0)
        time.sleep(event.get("seconds", 5))
        return {"statusCode": 200, "body": json.dumps({"child": pid})}
    if action == "write-tmp":  # write MB megabytes to /tmp
        path = os.path.join(tempfile.gettempdir(), "big")
        try:
            with open(path, "wb") as out:
                for _ in range(event.get("mb", 600)):
                    out.write(b"t" * (1024 * 1024))
            result = {"written": os.path.getsize(path)}
        except OSError as error:
            result = {"errno": error.errno, "error": error.strerror}
        return {"statusCode": 200, "body": json.dumps(result)}
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
            "invoked_arn": context.invoked_function_arn, "version": context.function_version,
            "memory": context.memory_limit_in_mb,
            "remaining_ms": context.get_remaining_time_in_millis(),
            "log_group": context.log_group_name, "log_stream": context.log_stream_name,
            "env": {k: v for k, v in os.environ.items()
                    if k.startswith(("AWS_LAMBDA", "LAMBDA", "_HANDLER", "GREETING",
                                     "_X_AMZN_TRACE_ID", "AWS_XRAY"))},
            "pid": os.getpid(), "init_pid": INIT_PID, "tmp": tempfile.gettempdir()})}
    return {"statusCode": 200, "headers": {"Content-Type": "application/json"},
            "multiValueHeaders": {"Set-Cookie": ["a=1", "b=2"]},
            "body": json.dumps({"greeting": greeting(), "event": event})}
