"""Issue 5's benchmark: simulated events per second and peak memory at 10k, 100k, 1M
events (each size in its own process, so its peak RSS is its own). Target: 1M in <= 10 s
with memory flat as the trace grows."""

from __future__ import annotations

import json
import subprocess
import sys

CHILD = r"""
import json, sys, time
from workbench.profile import Profile
from workbench.simulate.arrivals import generated
from workbench.simulate.engine import Limits, Sampler, simulate
n = int(sys.argv[1])
profile = Profile("F", 1024, [800.0, 950.0, 1200.0], [20.0, 35.0, 60.0, 140.0])
rate = 200.0
arrivals = (t for _, t in zip(range(n), generated(f"poisson:{rate}:{n / rate * 2}", 1)))
started = time.perf_counter()
out = simulate(arrivals, Sampler(profile, 1024, 1), Limits(1024, reserved=16, keepalive_s=60))
seconds = time.perf_counter() - started
print(json.dumps({"events": out.invocations, "seconds": round(seconds, 3),
                  "events_per_s": round(out.invocations / seconds),
                  # VmHWM, not ru_maxrss: the latter keeps the parent's peak across exec
                  "peak_rss_mb": int([l for l in open("/proc/self/status")
                                      if l.startswith("VmHWM")][0].split()[1]) // 1024}))
"""


def run() -> dict[str, object]:
    sizes = {}
    for n in (10_000, 100_000, 1_000_000):
        output = subprocess.check_output([sys.executable, "-c", CHILD, str(n)], text=True)
        sizes[str(n)] = json.loads(output)
    million = sizes["1000000"]
    return {"sizes": sizes, "one_million_seconds": million["seconds"],
            "target_one_million_seconds_max": 10,
            "rss_growth_10k_to_1m_mb": million["peak_rss_mb"] - sizes["10000"]["peak_rss_mb"]}
