"""Inside a debugged environment: start debugpy, wait for the IDE, then be the runtime.

Run by path, as `python bootstrap.py '{"port": N, "handler": "app.handler",
"debugpy": DIR}'`, in the environment's working folder (its task root), with Lambda's
environment variables. It uses the standard library and debugpy only (DIR holds nothing
else), and parses on every Python a Lambda runtime may be (3.9+). debugpy listens in this
process (`in_process_debug_adapter`: no adapter process to outlive the environment), on
loopback only; the workbench's DAP proxy is what the IDE talks to.
"""

from __future__ import annotations

import json
import os
import sys


def main(argv: list[str]) -> None:
    request = json.loads(argv[1])
    here = os.path.dirname(os.path.abspath(__file__))
    # What `python -m awslambdaric` would see: the working folder first, not this one.
    sys.path[:] = [os.getcwd(), *(p for p in sys.path[1:] if os.path.abspath(p) != here)]
    sys.path.append(request["debugpy"])
    import debugpy

    debugpy.listen(("127.0.0.1", int(request["port"])), in_process_debug_adapter=True)
    debugpy.wait_for_client()
    from awslambdaric.__main__ import main as runtime

    runtime(["awslambdaric", request["handler"]])


if __name__ == "__main__":
    main(sys.argv)
