"""Issue 4's benchmark: replay throughput at --speed max against the local runtime with
the trivial echo handler, and replay's own overhead per event beside direct invokes."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

from workbench import template
from workbench.replay.local import replay_local
from workbench.runtime.pool import Runtime
from workbench.trace import TraceRecord

HERE = Path(__file__).parent
EVENTS = 3000


async def _measure() -> dict[str, float]:
    runtime = Runtime(template.load(HERE / "apps" / "template.yaml"))
    await runtime.start()
    try:
        records = [TraceRecord(time=float(i), function="Echo", source="invoke",
                               event={"body": json.dumps({"i": i})}) for i in range(EVENTS)]
        await runtime.invoke("Echo", b"{}")  # the cold start is not what is measured
        started = time.perf_counter()
        for record in records:
            await runtime.invoke("Echo", json.dumps(record.event).encode())
        direct = time.perf_counter() - started
        started = time.perf_counter()
        await replay_local(runtime, records, speed=None, concurrency=1)
        replayed = time.perf_counter() - started
    finally:
        await runtime.close()
    return {"events": EVENTS, "direct_invoke_per_s": round(EVENTS / direct, 1),
            "replay_events_per_s": round(EVENTS / replayed, 1),
            "replay_overhead_us_per_event": round((replayed - direct) / EVENTS * 1e6, 1)}


def run() -> dict[str, float]:
    return asyncio.run(_measure())
