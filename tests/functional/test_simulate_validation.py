"""The simulator against the real runtime: same arrivals, same limits, same counts.

A few hundred invocations with real timing (bursts that throttle, gaps longer than the
keep-alive that force cold starts) run through real environments; the profile measured
from that run drives the simulation of the same arrivals. Cold starts and throttles must
agree within 10%, or 2 events when counts are small: the runtime's idle reaper wakes
every keep-alive/4 and real scheduling jitters by milliseconds, so one environment more
or less at a burst's edge is noise, not a modelling error.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import numpy as np
import pytest

from workbench import template
from workbench.profile import Profile
from workbench.replay.local import replay_local
from workbench.runtime.pool import Runtime
from workbench.simulate.engine import Limits, Sampler, simulate
from workbench.trace import TraceRecord

pytestmark = pytest.mark.functional
APPS = Path(__file__).parent / "apps"
KEEPALIVE_S = 1.0
RESERVED = 2
WORK_S = 0.12


def arrivals(seed: int = 7) -> list[float]:
    """Four bursts of ~60 at 25/s, each after a quiet gap longer than the keep-alive."""
    rng = np.random.default_rng(seed)
    times, start = [], 0.0
    for _ in range(4):
        times += (start + np.cumsum(rng.exponential(1 / 25, 60))).tolist()
        start = times[-1] + 2.5 * KEEPALIVE_S
    return times


def tolerance(count: int) -> float:
    return max(0.10 * count, 2)


def test_simulation_matches_a_replay_on_the_real_runtime(tmp_path: Path) -> None:
    (tmp_path / "template.yaml").write_text(
        "Resources:\n"
        "  Layer: {Type: AWS::Serverless::LayerVersion, Properties: {ContentUri: "
        f"'{APPS / 'layer'}'}}}}\n"
        "  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n"
        f"      CodeUri: '{APPS / 'behaviours'}'\n      Handler: app.handler\n"
        "      Runtime: python3.11\n      MemorySize: 256\n"
        f"      ReservedConcurrentExecutions: {RESERVED}\n      Layers: [!Ref Layer]\n")
    times = arrivals()
    records = [TraceRecord(time=1000 + t, function="Fn", source="invoke",
                           event={"action": "work", "seconds": WORK_S}) for t in times]

    async def run() -> list:  # type: ignore[type-arg]
        runtime = Runtime(template.load(tmp_path / "template.yaml"), keepalive_s=KEEPALIVE_S)
        await runtime.start()
        try:
            return await replay_local(runtime, records, speed=1.0)
        finally:
            await runtime.close()

    replayed = asyncio.run(run())
    results = [r.result for r in replayed if r.result is not None]
    real_cold = sum(r.cold for r in results)
    real_throttles = sum(r.throttled for r in replayed)
    assert real_cold >= 4 and real_throttles > 20  # the trace exercises both

    profile = Profile("Fn", 256, [r.init_duration_ms for r in results if r.init_duration_ms],
                      [r.duration_ms for r in results], [r.max_memory_used_mb for r in results])
    outcome = simulate(iter(times), Sampler(profile, 256, seed=1),
                       Limits(memory_mb=256, reserved=RESERVED, keepalive_s=KEEPALIVE_S))
    print(f"replay: cold {real_cold}, throttles {real_throttles}; "
          f"simulation: cold {outcome.cold_starts}, throttles {outcome.throttles}")
    assert abs(outcome.cold_starts - real_cold) <= tolerance(real_cold)
    assert abs(outcome.throttles - real_throttles) <= tolerance(real_throttles)
