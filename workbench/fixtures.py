"""Recorded API Gateway events: `fixtures/events/<source>/<variant>.json`, loaded here only."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from workbench.errors import WorkbenchError

EVENTS = Path(__file__).resolve().parents[1] / "fixtures" / "events"
SOURCES = ("apigw-rest", "apigw-http")


def list_events() -> list[tuple[str, str]]:
    return sorted((p.parent.name, p.stem) for p in EVENTS.glob("*/*.json"))


def load_event(source: str, variant: str) -> dict[str, Any]:
    if source not in SOURCES:
        raise WorkbenchError(f"unknown event source {source!r} (known: {', '.join(SOURCES)})")
    path = EVENTS / source / f"{variant}.json"
    if not path.is_file():
        known = ", ".join(v for s, v in list_events() if s == source)
        raise WorkbenchError(f"no fixture event {source}/{variant} (known: {known})")
    try:
        event = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise WorkbenchError(f"{path}: not a JSON event: {exc}") from None
    if not isinstance(event, dict):
        raise WorkbenchError(f"{path}: an event must be a JSON object")
    return event
