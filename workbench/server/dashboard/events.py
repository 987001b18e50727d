"""The workbench's live events: a bounded buffer of invocations and environment changes.

Appending is the only cost on the request path: one small dict into a deque, no
serialising, no I/O, no task; watchers (the dashboard page, `GET /_workbench/events`)
read from the buffer at their own pace and serialise what they send. A watcher that
falls further behind than the buffer holds is told how many events it missed.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections import deque
from typing import Any

from workbench.runtime.types import InvocationResult
from workbench.trace import TraceRecord

CAPACITY = 2000  # events kept
LOG_BUDGET_CHARS = 8 * 1024 * 1024  # invocation logs kept, all together
MAX_LOG_CHARS = 256 * 1024  # of one invocation's log, the newest text is kept

Event = dict[str, Any]


class EventLog:
    def __init__(self, capacity: int = CAPACITY, log_budget: int = LOG_BUDGET_CHARS) -> None:
        self._events: deque[Event] = deque(maxlen=capacity)
        self._capacity = capacity
        self._logs: dict[int, str] = {}  # seq -> log, oldest first (insertion order)
        self._log_chars = 0
        self._log_budget = log_budget
        self._seq = 0
        self._wakeup: asyncio.Future[None] | None = None  # exists only while someone waits

    @property
    def last_seq(self) -> int:
        return self._seq

    def append(self, event: Event, log: str | None = None) -> None:
        seq = self._seq = self._seq + 1
        event["seq"] = seq
        self._events.append(event)
        if self._logs:  # the event that just left the buffer takes its log along
            self._forget_log(seq - self._capacity)
        if log:
            self._keep_log(seq, log)
        if self._wakeup is not None:
            self._wakeup.set_result(None)
            self._wakeup = None

    def since(self, seq: int) -> tuple[list[Event], int]:
        """Events after `seq`, oldest first, and how many after it are no longer kept."""
        if not self._events or seq >= self._seq:
            return [], 0
        first = self._events[0]["seq"]
        missed = max(0, first - seq - 1)
        return list(itertools.islice(self._events, max(0, seq - first + 1), None)), missed

    async def wait(self, seq: int) -> None:
        """Return once there is an event after `seq`."""
        while self._seq <= seq:
            if self._wakeup is None:
                self._wakeup = asyncio.get_running_loop().create_future()
            # shielded: one watcher going away must not cancel the others' wait
            await asyncio.shield(self._wakeup)

    def log(self, function: str, request_id: str) -> str | None:
        """The log of the function's invocation with this request id, if still kept."""
        for event in reversed(self._events):
            if event.get("request_id") == request_id and event.get("function") == function:
                return self._logs.get(event["seq"])
        return None

    def _keep_log(self, seq: int, log: str) -> None:
        if len(log) > MAX_LOG_CHARS:
            log = f"[... {len(log) - MAX_LOG_CHARS} earlier characters not kept]\n" + \
                log[-MAX_LOG_CHARS:]
        self._logs[seq] = log
        self._log_chars += len(log)
        while self._log_chars > self._log_budget:
            self._forget_log(next(iter(self._logs)))

    def _forget_log(self, seq: int) -> None:
        dropped = self._logs.pop(seq, None)
        if dropped is not None:
            self._log_chars -= len(dropped)


def invocation_event(record: TraceRecord | None, result: InvocationResult | None,
                     status: int) -> Event | None:
    """What the stream says about one request that reached (or was refused by) Lambda."""
    if record is None and result is None:
        return None  # no invocation happened (no route, a malformed request)
    event: Event = {"kind": "invocation", "status": status}
    if record is not None:  # error_type here: refused before running (result has its own)
        route, path = _route(record.event, record.source)
        event.update(time=record.time, throttled=record.throttled, function=record.function,
                     source=record.source, route=route, path=path, error_type=record.error_type)
    else:
        event.update(time=time.time(), throttled=False)
    if result is not None:
        init_ms = result.init_duration_ms
        event.update(
            function=result.function, request_id=result.request_id,
            environment=result.environment_id, cold=result.cold,
            duration_ms=round(result.duration_ms, 3),
            init_duration_ms=round(init_ms, 3) if init_ms is not None else None,
            error_type=result.error_type, max_memory_used_mb=result.max_memory_used_mb,
            memory_size_mb=result.memory_size_mb)
    return event


def digest(events: list[Event], detail: int) -> list[Event]:
    """A batch as a watcher that shows only the newest calls needs it, at a cost that does
    not grow with the request rate: every environment and template event, the newest
    `detail` plain invocations and the newest `detail` notable ones (cold, throttled,
    failed), in order, after one `omitted` event counting the others per function (first,
    so that the last event is still the batch's newest, whose seq a reader resumes from)."""
    kept: list[Event] = []
    room = {False: detail, True: detail}
    omitted: dict[str, dict[str, int]] = {}
    for event in reversed(events):
        if event["kind"] == "invocation":
            notable = bool(event.get("cold") or event.get("throttled")
                           or event.get("error_type") or event["status"] >= 400)
            if room[notable] == 0:
                counts = omitted.setdefault(str(event.get("function")), dict.fromkeys(
                    ("calls", "cold", "throttled", "errors"), 0))
                counts["calls"] += 1
                counts["cold"] += bool(event.get("cold"))
                counts["throttled"] += bool(event.get("throttled"))
                counts["errors"] += bool(event.get("error_type"))
                continue
            room[notable] -= 1
        kept.append(event)
    if omitted:
        kept.append({"kind": "omitted", "functions": omitted})
    kept.reverse()
    return kept


def _route(event: Any, source: str) -> tuple[str, str]:
    """The route as API Gateway names it, and the path it was called with."""
    if not isinstance(event, dict):
        return "", ""
    if source == "apigw-http":  # HTTP API v2: routeKey is "METHOD /path" or "$default"
        return str(event.get("routeKey", "")), str(event.get("rawPath", ""))
    if source == "apigw-rest":
        return f"{event.get('httpMethod', '')} {event.get('resource', '')}", \
            str(event.get("path", ""))
    return "", ""


def environment_event(description: dict[str, object], change: str) -> Event:
    """An environment became ready, failed its INIT, or stopped."""
    return {"kind": "environment", "time": time.time(), "change": change,
            "function": description.get("function"), "environment": description}
