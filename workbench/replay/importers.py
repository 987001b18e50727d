"""Captured traffic from elsewhere, turned into workbench traces.

- HAR (a browser's devtools export): each request whose path matches a template route
  becomes that route's proxy event, built by the one event builder.
- A folder of event JSON files: each file one event (API Gateway or any JSON).
- A CloudWatch Logs export of a handler that logs its events: JSON lines of
  `{"timestamp": ms, "message": "..."}` (as `aws logs filter-log-events` returns them,
  one per line or as {"events": [...]}) whose message holds the event JSON.

Every entry that cannot be used is reported with where it is, never silently dropped.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from workbench.errors import WorkbenchError
from workbench.gateway.events import build_event
from workbench.gateway.http import HttpRequest
from workbench.gateway.routing import Router
from workbench.runtime.logs import Report, parse_report
from workbench.template import Template
from workbench.trace import Source, TraceRecord

Problem = Callable[[str, str], None]  # (where, what)
_DEV_SERVER_PREFIX = re.compile(r"\s*(\S+) \| ")  # the dev server's `  NAME | line`


def _load_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise WorkbenchError(f"{path}: no such file") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise WorkbenchError(f"{path}: not JSON: {exc}") from None


def from_har(path: Path, template: Template, problem: Problem) -> Iterator[TraceRecord]:
    har = _load_json(path)
    entries = har.get("log", {}).get("entries") if isinstance(har, dict) else None
    if not isinstance(entries, list):
        raise WorkbenchError(f"{path}: not a HAR file (no log.entries)")
    router = Router(template)
    for index, entry in enumerate(entries):
        where = f"{path}: entry {index}"
        try:
            request = entry["request"]
            url = urlsplit(request["url"])
            started = datetime.fromisoformat(entry["startedDateTime"].replace("Z", "+00:00"))
            post = request.get("postData") or {}
            body = post.get("text", "").encode()
            if post.get("encoding") == "base64":
                body = base64.b64decode(body)
            headers = [(h["name"], h["value"]) for h in request.get("headers", [])
                       if not h["name"].startswith(":")]
            http = HttpRequest(request["method"], url.path or "/", url.query, headers, body)
        except (KeyError, TypeError, ValueError) as exc:
            problem(where, f"malformed entry ({exc})")
            continue
        match = router.match(http.method, http.raw_path)
        if match is None:
            problem(where, f"{http.method} {url.path} matches no route of the template "
                           "(not API traffic?)")
            continue
        source: Source = "apigw-rest" if match.route.kind == "rest" else "apigw-http"
        yield TraceRecord(time=started.timestamp(), function=match.route.function,
                          source=source, event=build_event(http, match),
                          status=(entry.get("response") or {}).get("status"),
                          extra={"imported_from": "har"})


def from_folder(directory: Path, function: str, problem: Problem) -> Iterator[TraceRecord]:
    files = sorted(directory.glob("*.json"))
    if not directory.is_dir():
        raise WorkbenchError(f"{directory}: not a directory")
    for offset, path in enumerate(files):
        try:
            event = json.loads(path.read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError) as exc:
            problem(str(path), f"not JSON ({exc})")
            continue
        yield TraceRecord(time=float(offset), function=function, source=_source(event),
                          event=event, extra={"imported_from": path.name})


def from_cloudwatch(path: Path, function: str, problem: Problem) -> Iterator[TraceRecord]:
    for where, timestamp, message in _log_events(path, problem):
        text = message.strip()
        start = text.find("{")
        try:
            event = json.loads(text[start:]) if start >= 0 else None
        except ValueError:
            event = None
        if not isinstance(event, dict):
            continue  # most log lines are not events: START/END/REPORT, the handler's own
        yield TraceRecord(time=timestamp / 1000, function=function, source=_source(event),
                          event=event, extra={"imported_from": where})


def reports(path: Path, problem: Problem, function: str | None = None) -> Iterator[Report]:
    """REPORT lines from a dev-server log, a CloudWatch export or LocalStack's logs.

    The dev server prefixes each function's lines with `NAME | `: with `function` given,
    other functions' lines are left out (an export of one log group has no prefix)."""
    if path.suffix in (".json", ".jsonl"):
        for _, _, message in _log_events(path, problem):
            report = parse_report(message)
            if report is not None:
                yield report
        return
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        prefix = _DEV_SERVER_PREFIX.match(line)
        if function is not None and prefix is not None and prefix.group(1) != function:
            continue
        report = parse_report(line)
        if report is not None:
            yield report


def _log_events(path: Path, problem: Problem) -> Iterator[tuple[str, float, str]]:
    text = path.read_text(encoding="utf-8", errors="replace")
    try:
        whole = json.loads(text)
    except ValueError:
        whole = None
    lines: list[tuple[str, Any]]
    if isinstance(whole, dict) and isinstance(whole.get("events"), list):
        lines = [(f"{path}: event {i}", e) for i, e in enumerate(whole["events"])]
    else:
        lines = []
        for number, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                lines.append((f"{path}:{number}", json.loads(line)))
            except ValueError:
                problem(f"{path}:{number}", "not a JSON log event")
    for where, item in lines:
        if not isinstance(item, dict) or "message" not in item:
            problem(where, "no message")
            continue
        yield where, float(item.get("timestamp", 0)), str(item["message"])


def _source(event: Any) -> Source:
    if isinstance(event, dict) and event.get("version") == "2.0" and "routeKey" in event:
        return "apigw-http"
    if isinstance(event, dict) and "httpMethod" in event and "requestContext" in event:
        return "apigw-rest"
    return "invoke"
