"""Inside a debugged environment: start the debugger and wait for the IDE.

The sandbox (`workbench/runtime/sandbox/zygote.py run`) loads this file by path once the
environment is in its sandbox, calls `attach(debug)`, and then starts the runtime client.
`debug` is either {"debugpy": DIR, "port"} (debugpy listens on loopback `port`, in this
process: no adapter process to outlive the environment; the workbench's DAP proxy is what
the IDE talks to) or {"pydevd": DIR, "port", "mappings"} (pydevd connects to the workbench
on `port`, which joins PyCharm's debug server). DIR holds the debugger and nothing else,
and goes last on sys.path, after what the function may import. This file uses the
standard library only and parses on every Python a Lambda runtime may be (3.9+).
"""

from __future__ import annotations

import json
import os
import sys


def attach(debug: dict) -> None:  # type: ignore[type-arg]
    if "pydevd" in debug:
        _pycharm(debug)
    else:
        _debugpy(debug)


def _debugpy(debug: dict) -> None:  # type: ignore[type-arg]
    sys.path.append(debug["debugpy"])
    import debugpy

    debugpy.listen(("127.0.0.1", int(debug["port"])), in_process_debug_adapter=True)
    debugpy.wait_for_client()


def _pycharm(debug: dict) -> None:  # type: ignore[type-arg]
    """Connect to the workbench, which joins PyCharm's debug server; return once the IDE
    says run (pydevd waits for it)."""
    # pydevd maps the IDE's paths (the source) to ours (the folder we run from); it reads
    # the mapping when imported.
    os.environ["PATHS_FROM_ECLIPSE_TO_PYTHON"] = json.dumps(debug["mappings"])
    sys.path.append(debug["pydevd"])
    try:
        import pydevd_pycharm as pydevd  # PyCharm's own, when installed
    except ImportError:
        import pydevd
    del os.environ["PATHS_FROM_ECLIPSE_TO_PYTHON"]
    pydevd.settrace("127.0.0.1", port=int(debug["port"]), suspend=False,
                    patch_multiprocessing=False)
