"""Replay and simulation reports in the working folder, for the dashboard to link to.

`workbench replay --report DIR` and `workbench simulate --report DIR` each write
`report.json` beside `report.html`; the JSON says which kind it is. The search is
bounded (depth, folders visited) and skips hidden folders and installed packages, so
a large working folder costs little; it runs only when the page asks.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

MAX_DEPTH = 4
MAX_FOLDERS = 5000
MAX_REPORT_BYTES = 4 * 1024 * 1024
SKIPPED = {"node_modules", "__pycache__", "site-packages"}
# What each kind's summary shows, as written by replay's and simulate's report.json.
SHOWN = {"replay": ("events", "identical", "changed", "failed", "cold_starts", "throttles"),
         "simulation": ("invocations", "cold_starts", "cold_start_rate", "throttles",
                        "peak_concurrency")}


def find(root: Path) -> list[dict[str, Any]]:
    """Every report under `root`, newest first."""
    found = []
    visited = 0
    for folder, subfolders, files in os.walk(root):
        visited += 1
        depth = len(Path(folder).relative_to(root).parts)
        subfolders[:] = [] if depth >= MAX_DEPTH or visited >= MAX_FOLDERS else sorted(
            name for name in subfolders if not name.startswith(".") and name not in SKIPPED)
        if "report.html" in files and "report.json" in files:
            report = describe(root, Path(folder))
            if report is not None:
                found.append(report)
    return sorted(found, key=lambda report: -float(report["modified"]))


def describe(root: Path, folder: Path) -> dict[str, Any] | None:
    """The report in `folder` (kind, path relative to root, summary), or None if there is
    no replay or simulation report there."""
    summary = _summary(folder / "report.json")
    if summary is None:
        return None
    kind = "replay" if "identical" in summary else "simulation"
    html = folder / "report.html"
    return {"kind": kind, "path": html.relative_to(root).as_posix(),
            "modified": html.stat().st_mtime,
            "summary": {key: summary[key] for key in SHOWN[kind] if key in summary}}


def resolve(root: Path, relative: str) -> Path | None:
    """The report.html a link names, or None unless it is a report inside `root`."""
    root = root.resolve()
    try:
        path = (root / relative).resolve()
    except (OSError, ValueError):
        return None
    if (path.name != "report.html" or not path.is_relative_to(root) or not path.is_file()
            or describe(root, path.parent) is None):
        return None
    return path


def _summary(path: Path) -> dict[str, Any] | None:
    try:
        if path.stat().st_size > MAX_REPORT_BYTES:
            return None
        data = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict):
        return None
    if "identical" in data and "changed" in data:
        return data
    if "cost" in data and "invocations" in data:
        return data
    return None
