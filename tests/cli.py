"""The one way the tests run the `workbench` command: a real process, as a user runs it."""

from __future__ import annotations

import os
import subprocess
import sys


def workbench(*args: str, env: dict[str, str] | None = None, stdin: bytes | None = None,
              timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """Run `workbench ARGS` with extra environment variables and raw stdin bytes (so a
    test can send invalid UTF-8); stdout and stderr come back as text."""
    done = subprocess.run([sys.executable, "-m", "workbench.cli", *args], input=stdin,
                          capture_output=True, timeout=timeout, env={**os.environ, **(env or {})})
    return subprocess.CompletedProcess(done.args, done.returncode,
                                       done.stdout.decode(errors="replace"),
                                       done.stderr.decode(errors="replace"))
