"""Invoke API `Event` invocations (bug 8): printed and recorded like any other, drained
when the server stops, and each one that could not run recorded with why.

Lambda accepts an asynchronous invocation with 202 and runs it later (Lambda developer
guide, invocation-async.html); an accepted one is never dropped in silence.
"""

from __future__ import annotations

import json
import signal
from pathlib import Path
from typing import Any

import httpx
import pytest

from workbench.pytest_plugin import ServerProcess, start_server, wait_for
from workbench.trace import TraceRecord, read_trace

pytestmark = pytest.mark.functional
APPS = Path(__file__).parent / "apps"


def event(server: ServerProcess, function: str, payload: dict[str, Any]) -> None:
    response = httpx.post(f"{server.url}/2015-03-31/functions/{function}/invocations",
                          headers={"X-Amz-Invocation-Type": "Event"}, json=payload, timeout=30)
    assert response.status_code == 202 and response.content == b""


def records(directory: Path) -> list[TraceRecord]:
    [trace] = list(directory.glob("trace-*.jsonl"))
    return list(read_trace(trace))


def busy(server: ServerProcess, function: str) -> bool:
    environments = httpx.get(f"{server.url}/_workbench/environments", timeout=30).json()
    return any(e["function"] == function and e["state"] == "busy" for e in environments)


def test_event_invocations_are_printed_and_recorded(tmp_path: Path) -> None:
    traces = tmp_path / "traces"
    server = start_server(APPS / "template.yaml", tmp_path / "serve.log", "--no-reload",
                          "--record", str(traces))
    try:
        event(server, "Echo", {"action": "work", "seconds": 0.05})
        wait_for(lambda: "[Echo] cold" in server.output(), 30, "the Event invocation's line")
        wait_for(lambda: "handling work" in server.output(), 30, "the function's own log")
    finally:
        server.stop(signal.SIGTERM)
    [record] = records(traces)
    assert (record.function, record.source, record.status) == ("Echo", "invoke", 202)
    assert record.event == {"action": "work", "seconds": 0.05}
    assert record.response == {"statusCode": 200, "body": "worked"}
    assert record.cold and record.duration_ms is not None and record.request_id


def test_shutdown_drains_within_the_deadline_and_records_what_could_not_run(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WORKBENCH_EVENT_DRAIN", "2")
    traces = tmp_path / "traces"
    server = start_server(APPS / "template.yaml", tmp_path / "serve.log", "--no-reload",
                          "--record", str(traces))
    try:
        event(server, "Echo", {"action": "work", "seconds": 0.5})  # finishes in the drain
        event(server, "Limited", {"action": "hang"})  # still running at the deadline
        wait_for(lambda: busy(server, "Limited"), 30, "Limited to be busy")
        event(server, "Limited", {"action": "work"})  # throttled (reserved 1), never runs
    finally:
        assert server.stop(signal.SIGTERM) in (0, -signal.SIGTERM)
    by_payload = {json.dumps(r.event, sort_keys=True): r for r in records(traces)}
    done = by_payload['{"action": "work", "seconds": 0.5}']
    assert done.error_type is None and done.response == {"statusCode": 200, "body": "worked"}
    ran = by_payload['{"action": "hang"}']
    assert ran.error_type == "Workbench.NotRun"
    assert ran.extra["reason"] == "the server stopped while it ran"
    never = by_payload['{"action": "work"}']
    assert never.error_type == "Workbench.NotRun" and never.function == "Limited"
    assert never.extra["reason"] == "the server stopped before it ran"
    output = server.output()
    assert "[Limited] Event invocation not run: the server stopped before it ran" in output
