"""Inside a debugged environment: start the debugger, wait for the IDE, be the runtime.

Run by path, as `python bootstrap.py JSON`, in the environment's working folder (its task
root), with Lambda's environment variables. JSON is {"handler", "port"} and either
{"debugpy": DIR} (debugpy listens on loopback `port`, in this process: no adapter process
to outlive the environment; the workbench's DAP proxy is what the IDE talks to) or
{"pydevd": DIR, "mappings"} (pydevd connects to the workbench on `port`, which joins
PyCharm's debug server). DIR holds the debugger and nothing else. This file uses the
standard library only and parses on every Python a Lambda runtime may be (3.9+).
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
    if "pydevd" in request:
        _pycharm(request)
    else:
        _debugpy(request)
    from awslambdaric.__main__ import main as runtime

    runtime(["awslambdaric", request["handler"]])


def _debugpy(request: dict) -> None:  # type: ignore[type-arg]
    sys.path.append(request["debugpy"])
    import debugpy

    debugpy.listen(("127.0.0.1", int(request["port"])), in_process_debug_adapter=True)
    debugpy.wait_for_client()


def _pycharm(request: dict) -> None:  # type: ignore[type-arg]
    """Connect to the workbench, which joins PyCharm's debug server; return once the IDE
    says run (pydevd waits for it)."""
    # pydevd maps the IDE's paths (the source) to ours (the folder we run from); it reads
    # the mapping when imported.
    os.environ["PATHS_FROM_ECLIPSE_TO_PYTHON"] = json.dumps(request["mappings"])
    sys.path.append(request["pydevd"])
    try:
        import pydevd_pycharm as pydevd  # PyCharm's own, when installed
    except ImportError:
        import pydevd
    del os.environ["PATHS_FROM_ECLIPSE_TO_PYTHON"]
    pydevd.settrace("127.0.0.1", port=int(request["port"]), suspend=False,
                    patch_multiprocessing=False)


if __name__ == "__main__":
    main(sys.argv)
