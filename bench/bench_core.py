"""Issue 2's benchmark: the dev server beside its floor, and the cold-start overhead.

(a) `workbench serve` warm: sequential p50/p95 and throughput with 8 clients, echo handler;
(b) the floor: uvicorn + FastAPI calling the same handler in-process;
(c) cold-start overhead: Init Duration minus the handler module's own import time;
(d) the exchange floor: one warm /next + /response round trip with awslambdaric and no
    workbench code, which with (b) bounds the ratio any out-of-process design can reach.
"""

from __future__ import annotations

import asyncio
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench import exchange_floor, loadgen
from workbench import template
from workbench.pytest_plugin import free_port, start_server
from workbench.runtime.forkserver import ForkServerSpawner
from workbench.runtime.pool import Runtime
from workbench.runtime.process import Spawner, SubprocessSpawner

HERE = Path(__file__).parent
SEQUENTIAL = 2000
PER_CLIENT = 1000
CLIENTS = 8


def _measure(url: str) -> dict[str, object]:
    asyncio.run(loadgen.run(url, clients=CLIENTS, requests_per_client=50))  # warm every env
    sequential = asyncio.run(loadgen.run(url, clients=1, requests_per_client=SEQUENTIAL))
    concurrent = asyncio.run(loadgen.run(url, clients=CLIENTS, requests_per_client=PER_CLIENT))
    return {"sequential": sequential.summary(), "concurrent_8": concurrent.summary()}


def _dev_server(log_dir: Path) -> dict[str, object]:
    server = start_server(HERE / "apps" / "template.yaml", log_dir / "serve.log", "--quiet",
                          "--no-reload")
    try:
        return _measure(f"{server.url}/echo")
    finally:
        server.stop()


def _baseline(log_dir: Path) -> dict[str, object]:
    port = free_port()
    with (log_dir / "baseline.log").open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "bench.baseline_app:app", "--port", str(port),
             "--log-level", "warning"], stdout=log, stderr=subprocess.STDOUT,
            cwd=HERE.parent)
    try:
        _wait_healthy(f"http://127.0.0.1:{port}/_workbench/health")
        return _measure(f"http://127.0.0.1:{port}/echo")
    finally:
        process.terminate()
        process.wait()


def _wait_healthy(url: str, deadline_s: float = 30) -> None:
    import httpx

    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"{url} not healthy")


def _import_ms(samples: int = 15) -> float:
    code = ("import sys,time; sys.path.insert(0, sys.argv[1]); t=time.perf_counter(); "
            "import app; print((time.perf_counter()-t)*1000)")
    runs = [float(subprocess.check_output([sys.executable, "-c", code,
                                           str(HERE / "apps" / "echo")]))
            for _ in range(samples)]
    return statistics.median(runs)


async def init_durations(runtime: Runtime, samples: int = 15) -> list[float]:
    """The Init Duration of `samples` cold starts of Echo (each environment retired after
    its call); the runtime and its spawner are closed after."""
    await runtime.start()
    try:
        inits = []
        for _ in range(samples):
            inits.append((await runtime.invoke("Echo", b"{}")).init_duration_ms or 0.0)
            await runtime.retire("Echo")
        return inits
    finally:
        await runtime.close()
        await runtime.spawner.close()


async def _init_ms(spawner: Spawner) -> float:
    runtime = Runtime(template.load(HERE / "apps" / "template.yaml"), spawner=spawner)
    return statistics.median(await init_durations(runtime))


def run() -> dict[str, object]:
    with tempfile.TemporaryDirectory() as tmp:
        dev = _dev_server(Path(tmp))
        floor = _baseline(Path(tmp))
    exchange = exchange_floor.measure()
    import_ms = _import_ms()
    fork_ms = asyncio.run(_init_ms(ForkServerSpawner()))
    fresh_ms = asyncio.run(_init_ms(SubprocessSpawner()))
    dev_p50 = dev["sequential"]["p50_ms"]  # type: ignore[index]
    floor_p50 = floor["sequential"]["p50_ms"]  # type: ignore[index]
    return {
        "dev_server": dev,
        "floor_fastapi_in_process": floor,
        "warm_p50_ratio_vs_floor": round(dev_p50 / floor_p50, 3),
        "target_warm_p50_ratio_max": 1.5,
        "runtime_api_exchange_floor": exchange,
        # floor + exchange: what a workbench adding nothing of its own would measure
        "best_possible_warm_p50_ratio": round((floor_p50 + exchange["p50_ms"]) / floor_p50, 3),
        "workbench_own_ms": round(dev_p50 - floor_p50 - exchange["p50_ms"], 3),
        "dev_server_req_per_s_8_clients": dev["concurrent_8"]["req_per_s"],  # type: ignore[index]
        "target_req_per_s_min": 1000,
        "cold_start": {
            "handler_import_ms": round(import_ms, 2),
            "init_duration_ms_fork_server": round(fork_ms, 2),
            "init_duration_ms_fresh_interpreter": round(fresh_ms, 2),
            "overhead_ms_fork_server": round(fork_ms - import_ms, 2),
            "overhead_ms_fresh_interpreter": round(fresh_ms - import_ms, 2),
            "target_overhead_ms_max": 30,
        },
    }
