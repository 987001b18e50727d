"""Asynchronous (`InvocationType: Event`) invocations the Invoke API accepted with a 202.

Lambda queues an Event invocation and runs it soon after; so does the dev server, in the
background. Each one that ends is reported like any other invocation (the console line,
the function's log, a `--record` trace line), and none is lost in silence when the server
stops: `drain` lets them finish within a deadline and reports each one that could not.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass

from workbench.errors import TooManyRequests
from workbench.runtime.pool import Runtime
from workbench.runtime.types import InvocationResult
from workbench.trace import TraceRecord, payload_value

# Lambda retries a throttled asynchronous invocation; locally a short, bounded backoff.
RETRY_DELAYS_S = (0.1, 0.5, 1.0, 2.0, 5.0)
# Status the client saw for every Event invocation.
ACCEPTED = 202
NOT_RUN = "Workbench.NotRun"

Report = Callable[[TraceRecord, "InvocationResult | None"], None]


@dataclass
class _Pending:
    record: TraceRecord
    started: bool = False


class EventInvocations:
    def __init__(self, report: Report) -> None:
        self._report = report
        self._pending: dict[asyncio.Task[None], _Pending] = {}

    def submit(self, runtime: Runtime, function: str, payload: bytes, event: object,
               tenant_id: str | None = None) -> None:
        pending = _Pending(TraceRecord(time=time.time(), function=function, source="invoke",
                                       event=event, status=ACCEPTED))
        task = asyncio.ensure_future(self._run(runtime, function, payload, pending, tenant_id))
        self._pending[task] = pending
        task.add_done_callback(self._pending.pop)

    def __len__(self) -> int:
        return len(self._pending)

    async def _run(self, runtime: Runtime, function: str, payload: bytes,
                   pending: _Pending, tenant_id: str | None) -> None:
        record = pending.record
        for delay in (*RETRY_DELAYS_S, None):
            try:
                pending.started = True
                result = await runtime.invoke(function, payload, tenant_id=tenant_id)
            except TooManyRequests as error:
                if delay is None:
                    record.throttled, record.error_type = True, error.error_type
                    self._report(record, None)
                    return
                pending.started = False
                await asyncio.sleep(delay)
                continue
            _fill(record, result)
            self._report(record, result)
            return

    async def drain(self, deadline_s: float) -> int:
        """Wait up to `deadline_s` for the accepted invocations, then stop the rest and
        report each as not run (with why). Returns how many could not run."""
        if self._pending:
            await asyncio.wait(list(self._pending), timeout=max(deadline_s, 0.0))
        left = list(self._pending.items())
        for task, pending in left:
            task.cancel()
            pending.record.error_type = NOT_RUN
            pending.record.extra["reason"] = (
                "the server stopped while it ran" if pending.started
                else "the server stopped before it ran")
            self._report(pending.record, None)
        if left:
            await asyncio.gather(*(task for task, _ in left), return_exceptions=True)
        return len(left)


def _fill(record: TraceRecord, result: InvocationResult) -> None:
    record.response = payload_value(result.payload)
    record.duration_ms = round(result.duration_ms, 3)
    record.init_duration_ms = result.init_duration_ms
    record.cold = result.cold
    record.error_type = result.error_type
    record.max_memory_used_mb = result.max_memory_used_mb
    record.request_id = result.request_id
