"""The dashboard's event buffer: bounded in events and in log text, gaps reported, waiters
woken; and what an invocation turns into."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from workbench.runtime.types import InvocationResult
from workbench.server.dashboard import events as ev
from workbench.server.dashboard import reports
from workbench.server.dashboard.events import EventLog, invocation_event
from workbench.trace import TraceRecord


def result(request_id: str = "r1", logs: str = "START\n") -> InvocationResult:
    return InvocationResult(request_id=request_id, payload=b"{}", function_error=None,
                            error_type=None, duration_ms=1.23456, init_duration_ms=99.87654,
                            max_memory_used_mb=40, memory_size_mb=128, cold=True, logs=logs,
                            environment_id="F-1", function="F")


def test_buffer_keeps_the_newest_and_counts_what_a_watcher_missed() -> None:
    log = EventLog(capacity=3)
    for n in range(5):
        log.append({"n": n})
    assert [e["seq"] for e in log.since(0)[0]] == [3, 4, 5]
    assert log.since(0)[1] == 2 and log.since(1)[1] == 1 and log.since(2)[1] == 0
    assert log.since(4) == ([{"n": 4, "seq": 5}], 0)
    assert log.since(5) == ([], 0) and log.since(99) == ([], 0)


def test_logs_are_bounded_in_total_and_each() -> None:
    log = EventLog(capacity=100, log_budget=1000)
    for n in range(10):
        log.append({"request_id": f"r{n}", "function": "F"}, "x" * 300)
    kept = [n for n in range(10) if log.log("F", f"r{n}") is not None]
    assert kept == [7, 8, 9]  # 3 x 300 fit in 1000
    assert log.log("G", "r9") is None  # another function's request id is not this one's
    huge = "y" * (ev.MAX_LOG_CHARS + 10)
    big = EventLog(log_budget=10 * ev.MAX_LOG_CHARS)
    big.append({"request_id": "big", "function": "F"}, huge)
    text = big.log("F", "big")
    assert text is not None and text.startswith("[... 10 earlier characters not kept]")
    assert text.endswith("y" * ev.MAX_LOG_CHARS)


def test_logs_go_with_their_events() -> None:
    log = EventLog(capacity=2)
    for n in range(3):
        log.append({"request_id": f"r{n}", "function": "F"}, "text")
    assert log.log("F", "r0") is None and log.log("F", "r2") == "text"
    assert len(log._logs) == 2


def test_waiters_wake_on_append_and_survive_each_other() -> None:
    async def main() -> None:
        log = EventLog()
        first = asyncio.ensure_future(log.wait(0))
        second = asyncio.ensure_future(log.wait(0))
        await asyncio.sleep(0)
        first.cancel()  # one watcher leaves: the other still wakes
        log.append({})
        await asyncio.wait_for(second, 5)
        await log.wait(0)  # already there: returns at once

    asyncio.run(main())


def test_invocation_event_from_an_api_call() -> None:
    record = TraceRecord(time=5.0, function="F", source="apigw-http",
                         event={"routeKey": "GET /items/{id}", "rawPath": "/items/1"})
    event = invocation_event(record, result(), 200)
    assert event == {"kind": "invocation", "time": 5.0, "status": 200, "throttled": False,
                     "function": "F", "source": "apigw-http", "route": "GET /items/{id}",
                     "path": "/items/1", "request_id": "r1", "environment": "F-1",
                     "cold": True, "duration_ms": 1.235, "init_duration_ms": 99.877,
                     "error_type": None, "max_memory_used_mb": 40, "memory_size_mb": 128}
    json.dumps(event)


@pytest.mark.parametrize("event", [None, "text", [1], {"httpMethod": 3}])
def test_invocation_event_from_odd_records(event: object) -> None:
    record = TraceRecord(time=1.0, function="F", source="apigw-rest", event=event,
                         throttled=True)
    out = invocation_event(record, None, 500)
    assert out is not None and out["throttled"] is True and out["status"] == 500
    assert out["error_type"] is None
    json.dumps(out)
    assert invocation_event(None, None, 403) is None


def test_reports_skip_what_is_not_one(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "report.json").write_text("[1, 2]")
    (tmp_path / "a" / "report.html").write_text("")
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "report.json").write_bytes(b"\xff\xfe not json")
    (tmp_path / "b" / "report.html").write_text("")
    deep = tmp_path.joinpath(*"cdefgh")
    deep.mkdir(parents=True)
    (deep / "report.json").write_text('{"identical": 1, "changed": 0}')
    (deep / "report.html").write_text("")
    assert reports.find(tmp_path) == []  # too deep, not an object, not JSON
    assert reports.resolve(tmp_path, "c/d/e/f/g/h/report.html") is not None
    assert reports.resolve(tmp_path, "a/report.html") is None
    assert reports.resolve(tmp_path, "\x00/report.html") is None


def call(seq: int, function: str = "F", **notable: object) -> dict[str, object]:
    return {"kind": "invocation", "seq": seq, "function": function, "status": 200,
            "cold": False, "throttled": False, "error_type": None, **notable}


def test_digest_keeps_the_newest_of_each_kind_and_counts_the_rest() -> None:
    batch = [call(1, cold=True), call(2), {"kind": "environment", "seq": 3}, call(4),
             call(5, "G", throttled=True, status=500), call(6, "G"), call(7),
             call(8, error_type="Runtime.ExitError")]
    kept = ev.digest(batch, detail=2)
    assert [e["seq"] for e in kept[1:]] == [3, 5, 6, 7, 8]  # in order, changes all kept
    assert kept[0] == {"kind": "omitted", "functions": {
        "F": {"calls": 3, "cold": 1, "throttled": 0, "errors": 0}}}
    # what the page counts adds up to every invocation in the batch
    shown = [e for e in kept if e["kind"] == "invocation"]
    assert len(shown) + kept[0]["functions"]["F"]["calls"] == 7


def test_digest_of_a_small_batch_is_the_batch() -> None:
    batch = [call(1), call(2, cold=True)]
    assert ev.digest(batch, detail=2) == batch
