"""What the dev server's parts share: the template, the runtime, and where results go.

One object per server, handed to the API Gateway path, the Invoke API and the
workbench's own endpoints, so none of them keeps state of its own. Every invocation is
reported here once: a line (and the function's log) on the console, a trace record,
an event for the dashboard.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from dataclasses import dataclass, field
from typing import Any

from workbench.config import Settings
from workbench.errors import AwsError
from workbench.gateway.access import Access
from workbench.gateway.routing import Router
from workbench.runtime.pool import Runtime
from workbench.runtime.types import InvocationResult
from workbench.server.console import Console
from workbench.server.dashboard import Dashboard
from workbench.server.event_invocations import ACCEPTED, NOT_RUN, EventInvocations
from workbench.template import Template
from workbench.trace import TraceRecord, TraceWriter


@dataclass
class ServerContext:
    settings: Settings
    template: Template
    runtime: Runtime
    router: Router
    # The gateway's access checks (authorizers and their caches, API keys, JWKS).
    access: Access
    console: Console
    recorder: TraceWriter | None = None
    # Work that outlives its request; awaited or cancelled at shutdown.
    background: set[asyncio.Task[Any]] = field(default_factory=set)
    # Accepted Event invocations: reported here when they end, drained at shutdown.
    events: EventInvocations = field(init=False)
    dashboard: Dashboard = field(default_factory=Dashboard)  # live events, /_workbench/

    def __post_init__(self) -> None:
        self.events = EventInvocations(
            lambda record, result: self.report(record, result, ACCEPTED))

    def report(self, record: TraceRecord | None, result: InvocationResult | None,
               status: int, error: AwsError | None = None) -> None:
        self.dashboard.invocation(record, result, status)
        if result is not None:
            self.console.invocation(result, status)
            self.console.function_log(result.function, result.logs)
        elif record is not None and record.throttled:
            self.console.throttled(record.function, status)
        elif record is not None and record.error_type == NOT_RUN:
            self.console.not_run(record.function, str(record.extra.get("reason", "")))
        elif record is not None and error is not None:
            self.console.failed(record.function, status, error)
        if self.recorder is not None and record is not None:
            self.recorder.write(record)

    def in_background(self, work: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        task = asyncio.ensure_future(work)
        self.background.add(task)
        task.add_done_callback(self.background.discard)
        return task
