"""Issue 17's benchmark: the dev server beside serverless-offline, the peer a user would
pick instead, side by side in one run.

Same echo handler (`bench/apps/echo/app.py`), same routes (`/{proxy+}` and `/`, a REST
API), the same C client (wrk, so neither server is client-bound), alternating rounds of
`wrk -t1 -c1` and `wrk -t2 -c8`; the median of the rounds counts. Both servers print
their per-request lines to a pseudo-terminal this process drains, as a user's terminal
would: the console is on, and how much each wrote is reported.

Targets: requests per second at 8 connections at least 1.2x the peer's, and p50 and p95
no worse than its own at 1 and at 8 connections.

The peer is Serverless Framework 3.40.0 with serverless-offline 13.10.1, installed from
the npm registry into the cache; wrk comes from Debian (`apt-get install wrk`, done here
when running as root). Without node/npm or wrk the result says why it was skipped.
"""

from __future__ import annotations

import os
import pty
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from workbench import config
from workbench.pytest_plugin import free_port

HERE = Path(__file__).parent
SERVERLESS = "3.40.0"
OFFLINE = "13.10.1"
ROUNDS = 3
SECONDS = 5
WARMUP_S = 3
CONNECTIONS = (1, 8)
TARGET_RPS_RATIO = 1.2
# wrk reports what this prints once it is done: requests, microseconds, p50/p95 (us), errors.
REPORT_LUA = """done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("WRK %d %d %d %d %d\\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(95),
    e.connect + e.read + e.write + e.status + e.timeout))
end
"""
SERVERLESS_YML = """service: peerbench
frameworkVersion: '3'
provider: {name: aws, runtime: python3.11, region: us-east-1, stage: dev, timeout: 30}
plugins: [serverless-offline]
functions:
  echo:
    handler: app.handler
    events:
      - http: {path: '/{proxy+}', method: ANY}
      - http: {path: '/', method: ANY}
"""


class Console:
    """A pseudo-terminal as a server's stdout and stderr, drained (and counted) here."""

    def __init__(self) -> None:
        self.master, self.slave = pty.openpty()
        self.bytes = 0
        self._thread = threading.Thread(target=self._drain, daemon=True)
        self._thread.start()

    def _drain(self) -> None:
        while True:
            try:
                chunk = os.read(self.master, 1 << 16)
            except OSError:  # the last writer closed the terminal
                return
            if not chunk:
                return
            self.bytes += len(chunk)

    def close(self) -> None:
        os.close(self.slave)
        self._thread.join(timeout=5)
        os.close(self.master)


@contextmanager
def running(args: list[str], cwd: Path, url: str, env: dict[str, str] | None = None
            ) -> Iterator[Console]:
    """Start a server on the console, wait until `url` answers 200, stop it afterwards."""
    console = Console()
    process = subprocess.Popen(args, cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                               stdout=console.slave, stderr=console.slave,
                               start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while not _answers(url):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{args[0]} did not come up on {url}")
            time.sleep(0.1)  # the polling interval of a readiness check
        yield console
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        console.close()


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=5).status_code == 200
    except httpx.TransportError:
        return False


def wrk(url: str, connections: int, seconds: float, script: Path) -> dict[str, float]:
    out = subprocess.run(["wrk", f"-t{min(2, connections)}", f"-c{connections}",
                          f"-d{seconds}s", "-s", str(script), url],
                         capture_output=True, text=True, check=True).stdout
    line = next(line for line in out.splitlines() if line.startswith("WRK "))
    requests, micros, p50, p95, errors = (int(x) for x in line.split()[1:])
    return {"rps": round(requests / (micros / 1e6), 1), "p50_ms": p50 / 1000,
            "p95_ms": p95 / 1000, "errors": errors, "requests": requests}


def _tools() -> str | None:
    """Why the comparison cannot run here, or None (wrk installed from Debian if root)."""
    if shutil.which("wrk") is None and os.geteuid() == 0 and shutil.which("apt-get"):
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], capture_output=True)
    if shutil.which("wrk") is None:
        return "wrk is not installed (apt-get install wrk)"
    if shutil.which("node") is None or shutil.which("npm") is None:
        return "node and npm are needed for serverless-offline"
    return None


def _install_peer() -> Path:
    """serverless + serverless-offline, pinned, in the cache (once)."""
    home = config.cache_dir() / "peer" / f"serverless-{SERVERLESS}-offline-{OFFLINE}"
    if not (home / ".installed").exists():
        print(f"    installing serverless {SERVERLESS}, serverless-offline {OFFLINE} "
              f"into {home}", flush=True)
        shutil.rmtree(home, ignore_errors=True)
        home.mkdir(parents=True)
        (home / "package.json").write_text('{"name": "peer", "private": true}\n')
        env = dict(os.environ)
        if "NODE_EXTRA_CA_CERTS" not in env and Path("/etc/ssl/certs/ca-certificates.crt").exists():
            env["NODE_EXTRA_CA_CERTS"] = "/etc/ssl/certs/ca-certificates.crt"
        subprocess.run(["npm", "install", "--prefix", str(home), "--no-audit", "--no-fund",
                        "--loglevel=error", f"serverless@{SERVERLESS}",
                        f"serverless-offline@{OFFLINE}"], check=True, env=env,
                       stdout=subprocess.DEVNULL)
        (home / ".installed").touch()
    return home


def _peer(home: Path, service: Path, port: int) -> tuple[list[str], dict[str, str]]:
    (service / "serverless.yml").write_text(SERVERLESS_YML)
    (service / "app.py").symlink_to(HERE / "apps" / "echo" / "app.py")
    (service / "node_modules").symlink_to(home / "node_modules")
    (service / "home").mkdir()
    env = {**os.environ, "HOME": str(service / "home"), "CI": "1",
           "SLS_TELEMETRY_DISABLED": "1", "SLS_NOTIFICATIONS_MODE": "off",
           "SLS_DEPRECATION_DISABLE": "*", "SLS_INTERACTIVE_SETUP_DISABLE": "1"}
    args = ["node", str(home / "node_modules" / "serverless" / "bin" / "serverless.js"),
            "offline", "start", "--host", "127.0.0.1", "--httpPort", str(port),
            "--lambdaPort", str(free_port()), "--noPrependStageInUrl", "--noSponsor"]
    return args, env


def _median(runs: list[dict[str, float]]) -> dict[str, float]:
    return {"rps": statistics.median(r["rps"] for r in runs),
            "p50_ms": statistics.median(r["p50_ms"] for r in runs),
            "p95_ms": statistics.median(r["p95_ms"] for r in runs),
            "errors": sum(r["errors"] for r in runs),
            "requests_all_rounds": sum(r["requests"] for r in runs)}


def compare(rounds: int = ROUNDS, seconds: float = SECONDS) -> dict[str, object]:
    home = _install_peer()
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "report.lua"
        script.write_text(REPORT_LUA)
        service = Path(tmp) / "peer"
        service.mkdir()
        peer_port, our_port = free_port(), free_port()
        peer_args, peer_env = _peer(home, service, peer_port)
        ours = [sys.executable, "-m", "workbench.cli", "serve", "--template",
                str(HERE / "apps" / "peer.yaml"), "--port", str(our_port), "--no-reload"]
        urls = {"serverless_offline": f"http://127.0.0.1:{peer_port}/bench/path",
                "workbench": f"http://127.0.0.1:{our_port}/bench/path"}
        runs: dict[str, dict[int, list[dict[str, float]]]] = {
            name: {c: [] for c in CONNECTIONS} for name in urls}
        with running(peer_args, service, urls["serverless_offline"], peer_env) as peer_console, \
                running(ours, HERE.parent, urls["workbench"]) as our_console:
            for url in urls.values():  # every environment / worker process started
                wrk(url, max(CONNECTIONS), WARMUP_S, script)
            logged = {"serverless_offline": peer_console.bytes, "workbench": our_console.bytes}
            for round_ in range(rounds):
                names = list(urls) if round_ % 2 == 0 else list(reversed(urls))
                for connections in CONNECTIONS:
                    for name in names:
                        runs[name][connections].append(
                            wrk(urls[name], connections, seconds, script))
            logged = {"serverless_offline": peer_console.bytes - logged["serverless_offline"],
                      "workbench": our_console.bytes - logged["workbench"]}
    return _summarise(runs, logged)


def _summarise(runs: dict[str, dict[int, list[dict[str, float]]]],
               logged: dict[str, int]) -> dict[str, object]:
    medians = {name: {f"c{c}": _median(r) for c, r in by.items()} for name, by in runs.items()}
    ours, peer = medians["workbench"], medians["serverless_offline"]
    ratios: dict[str, float] = {"rps_c8": round(ours["c8"]["rps"] / peer["c8"]["rps"], 3)}
    for c in CONNECTIONS:
        for q in ("p50_ms", "p95_ms"):
            ratios[f"{q.removesuffix('_ms')}_c{c}"] = round(ours[f"c{c}"][q] / peer[f"c{c}"][q], 3)
    met = ratios["rps_c8"] >= TARGET_RPS_RATIO and all(
        value <= 1.0 for key, value in ratios.items() if key != "rps_c8")
    requests = {name: sum(m["requests_all_rounds"] for m in by.values())
                for name, by in medians.items()}
    return {
        "peer": f"serverless {SERVERLESS} + serverless-offline {OFFLINE}",
        "client": f"wrk, {ROUNDS} alternating rounds of {SECONDS} s at 1 and 8 connections",
        "median": medians,
        "ratio_workbench_over_peer": ratios,
        "targets": {"rps_c8_min": TARGET_RPS_RATIO, "latency_ratios_max": 1.0},
        "targets_met": met,
        "console_bytes_per_request": {
            name: round(logged[name] / requests[name], 1) for name in medians},
    }


def run() -> dict[str, object]:
    missing = _tools()
    if missing is not None:
        return {"skipped": missing}
    return compare()


if __name__ == "__main__":
    import json

    print(json.dumps(run(), indent=2))
