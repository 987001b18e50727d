"""Replay against the workbench's own runtime, keeping the trace's timing.

Each record is invoked at its original offset from the first (divided by `speed`), so
the trace's concurrency, and with it its cold starts and throttles, happen again under
the template's limits. `speed=None` sends as fast as `concurrency` allows.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from workbench.errors import AwsError, TooManyRequests
from workbench.runtime.types import InvocationResult
from workbench.trace import TraceRecord, payload_bytes


class Invoker(Protocol):
    """What replay invokes: the workbench's `Runtime`, or LocalStack's Invoke API."""

    async def invoke(self, function: str, payload: bytes) -> InvocationResult: ...


@dataclass
class Replayed:
    record: TraceRecord  # the original
    offset_s: float  # when it was sent, from the start of the replay
    latency_ms: float
    result: InvocationResult | None = None
    throttled: bool = False
    error: str | None = None  # a service error (unknown function, too large...)
    http: dict[str, Any] | None = None  # for an HTTP target: {"statusCode", "body"}


async def replay_local(runtime: Invoker, records: Iterable[TraceRecord], *,
                       speed: float | None = 1.0, concurrency: int = 64,
                       on_done: Callable[[Replayed], None] | None = None) -> list[Replayed]:
    gate = asyncio.Semaphore(concurrency)
    started = time.monotonic()
    tasks: list[asyncio.Task[Replayed]] = []
    first: float | None = None
    for record in records:
        first = record.time if first is None else first
        if speed is not None:
            due = started + (record.time - first) / speed
            delay = due - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)  # keeping the recorded timing is the point
        await gate.acquire()
        task = asyncio.ensure_future(_one(runtime, record, started))
        task.add_done_callback(lambda _: gate.release())
        if on_done is not None:
            task.add_done_callback(lambda t: on_done(t.result()))
        tasks.append(task)
    return list(await asyncio.gather(*tasks))


async def _one(runtime: Invoker, record: TraceRecord, started: float) -> Replayed:
    sent = time.monotonic()
    replayed = Replayed(record, sent - started, 0.0)
    try:
        replayed.result = await runtime.invoke(record.function, payload_bytes(record.event))
    except TooManyRequests:
        replayed.throttled = True
    except AwsError as error:
        replayed.error = f"{error.error_type}: {error.message}"
    replayed.latency_ms = (time.monotonic() - sent) * 1000
    return replayed
