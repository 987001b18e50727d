"""`workbench serve --record DIR`: where a recording goes, refused early if it cannot."""

from __future__ import annotations

import os
import time
from pathlib import Path

from workbench.errors import WorkbenchError
from workbench.trace import TraceWriter


def open_recording(directory: Path) -> TraceWriter:
    """A new trace file in `directory` (created if missing); a clear error if unwritable."""
    if directory.exists() and not directory.is_dir():
        raise WorkbenchError(f"--record {directory}: exists and is not a directory")
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise WorkbenchError(f"--record {directory}: cannot create: {exc.strerror}") from None
    if not os.access(directory, os.W_OK | os.X_OK):
        raise WorkbenchError(f"--record {directory}: not writable")
    stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime())
    path = directory / f"trace-{stamp}-{os.getpid()}.jsonl"
    return TraceWriter(path)
