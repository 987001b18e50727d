"""Issue 13's benchmark: running what deploys (each function's build, on its Runtime's
Python, in its sandbox) beside the unfaithful virtualenv mode, side by side in one run.

(a) warm p50 and 8-connection throughput of `workbench serve --build` and `--dev-venv`,
    the echo handler, both servers up at once on drained terminals, measured by wrk (a C
    client, so neither side is client-bound) in rounds whose order alternates; each
    ratio is the median of the rounds' ratios, with its range (servers restarted per
    round with a Python client swung 0.81-1.37 at idle: restarts and client, not modes);
(b) cold-start overhead beyond the handler's own INIT in both modes and both spawners:
    Init Duration minus the handler module's import time on that mode's interpreter.
Targets: overhead <= 30 ms; build mode's warm p50 and throughput within 5% of dev-venv's.
"""

from __future__ import annotations

import asyncio
import shutil
import statistics
import subprocess
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path

from bench.bench_core import init_durations
from bench.bench_peer import CONNECTIONS, REPORT_LUA, WARMUP_S, running, wrk
from workbench import template
from workbench.pytest_plugin import free_port
from workbench.runtime.forkserver import ForkServerSpawner
from workbench.runtime.placement import Mode
from workbench.runtime.pool import Runtime
from workbench.runtime.process import Spawner, SubprocessSpawner

HERE = Path(__file__).parent
TEMPLATE = HERE / "apps" / "template.yaml"
MODES: tuple[Mode, ...] = ("build", "dev-venv")
ROUNDS, SECONDS = 8, 2
IMPORT = ("import sys, time; sys.path.insert(0, sys.argv[1]); t = time.perf_counter(); "
          "import app; print((time.perf_counter() - t) * 1000)")


def _warm(rounds: int = ROUNDS, seconds: float = SECONDS) -> dict[str, object]:
    ports = {mode: free_port() for mode in MODES}
    urls = {mode: f"http://127.0.0.1:{port}/bench/path" for mode, port in ports.items()}
    runs: dict[Mode, dict[int, list[dict[str, float]]]] = {
        mode: {c: [] for c in CONNECTIONS} for mode in MODES}
    with tempfile.TemporaryDirectory() as tmp, ExitStack() as stack:
        script = Path(tmp) / "report.lua"
        script.write_text(REPORT_LUA)
        for mode, port in ports.items():
            stack.enter_context(running(
                [sys.executable, "-m", "workbench.cli", "serve", "--template",
                 str(HERE / "apps" / "peer.yaml"), "--port", str(port), "--no-reload",
                 f"--{mode}"], HERE.parent, urls[mode]))
        for url in urls.values():  # every environment started
            wrk(url, max(CONNECTIONS), WARMUP_S, script)
        for round_ in range(rounds):
            for connections in CONNECTIONS:
                for mode in (MODES if round_ % 2 == 0 else MODES[::-1]):
                    runs[mode][connections].append(wrk(urls[mode], connections, seconds,
                                                       script))
    ratios = {f"{key}_c{c}": [b[key] / d[key] for b, d in zip(
        runs["build"][c], runs["dev-venv"][c], strict=True)]
        for c in CONNECTIONS for key in ("p50_ms", "rps")}
    return {"median": {mode: {f"c{c}": {key: statistics.median(r[key] for r in by[c])
                                        for key in ("rps", "p50_ms", "p95_ms")}
                              for c in CONNECTIONS} for mode, by in runs.items()},
            "ratio_build_over_dev_venv": {key: round(statistics.median(values), 3)
                                          for key, values in ratios.items()},
            "ratio_range": {key: [round(min(v), 3), round(max(v), 3)]
                            for key, v in ratios.items()}}


def _import_ms(python: str, folder: Path, flags: tuple[str, ...], samples: int = 15) -> float:
    runs = [float(subprocess.check_output([python, *flags, "-c", IMPORT, str(folder)]))
            for _ in range(samples)]
    return statistics.median(runs)


async def _cold(mode: Mode, spawner: Spawner, samples: int = 15) -> dict[str, object]:
    runtime = Runtime(template.load(TEMPLATE), spawner=spawner, mode=mode,
                      say=lambda _: None)
    placement = runtime.pools["Echo"].placement
    inits = await init_durations(runtime, samples)
    flags = ("-s",) if placement.launch.site else ("-s", "-S")
    imported = _import_ms(placement.choice.interpreter.path, placement.spec.code_uri, flags)
    init = statistics.median(inits)
    return {"python": placement.choice.interpreter.label, "init_duration_ms": round(init, 2),
            "handler_import_ms": round(imported, 2), "overhead_ms": round(init - imported, 2)}


def run() -> dict[str, object]:
    if shutil.which("wrk") is None:
        return {"skipped": "wrk is not installed (apt-get install wrk)"}
    warm = _warm()
    cold = {f"{mode}_{kind}": asyncio.run(_cold(mode, spawner()))
            for mode in MODES for kind, spawner in
            (("fork_server", ForkServerSpawner), ("fresh_interpreter", SubprocessSpawner))}
    ratios = warm["ratio_build_over_dev_venv"]
    return {
        "client": f"wrk, {ROUNDS} alternating rounds of {SECONDS} s at 1 and 8 connections",
        "warm": warm,
        "warm_p50_ratio_build_vs_dev_venv": ratios["p50_ms_c1"],  # type: ignore[index]
        "throughput_ratio_build_vs_dev_venv": ratios["rps_c8"],  # type: ignore[index]
        "target_ratio_within": [0.95, 1.05],
        "cold_start": cold,
        "target_overhead_ms_max": 30,
    }
