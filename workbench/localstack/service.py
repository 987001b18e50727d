"""LocalStack as a managed local service: start, health, stop, logs.

`start` runs `python -m localstack.runtime.main` from LocalStack's own virtualenv, bound to
127.0.0.1, with our runtime executor selected and its state under `.localstack/`, in a
process group of its own; it returns once the health endpoint answers, or stops what it
started and says why. `stop` stops exactly that process group (checked by pid and start
time), never another LocalStack.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psutil

from workbench import config
from workbench.errors import WorkbenchError
from workbench.localstack import install

DEFAULT_PORT = 4566
START_TIMEOUT_S = 180.0
# How long LocalStack waits for an execution environment to report ready (its
# LAMBDA_RUNTIME_ENVIRONMENT_TIMEOUT). Its 20 s default is sized for starting its own
# containers; here the environment reports ready only after the function's INIT, which
# the bridge bounds by Lambda's own rules (10 s on demand, then retried in the first
# invoke; up to the function timeout, at most 900 s, with provisioned concurrency). QA's
# INIT is 12 s on this 2-core machine at load 6 (MXNet's import registers its operators:
# 5-7 s, as from the virtualenv; its 83 MB model from LocalStack's S3: 4 s; warm-up: 2 s)
# and took 28 s at load 9-14, so the 20 s cut it. LocalStack's timer is only the backstop
# for a bridge that never reports: Lambda's longest INIT, plus a minute for the bridge.
ENVIRONMENT_TIMEOUT_S = 900 + 60
STOP_GRACE_S = 20.0
HEALTH_PATH = "/_localstack/health"
# LocalStacks started by this process, kept so they are reaped (not left as zombies).
_children: dict[int, subprocess.Popen[bytes]] = {}


def home() -> Path:
    """Where LocalStack's state, log and pid file live (an ignored folder of the repo)."""
    configured = config.env("LOCALSTACK_HOME")
    return Path(configured) if configured else install.PROJECT_ROOT / ".localstack"


def port() -> int:
    value = config.env("LOCALSTACK_PORT", str(DEFAULT_PORT)) or str(DEFAULT_PORT)
    if not value.isdigit() or not 0 < int(value) < 65536:
        raise WorkbenchError(f"WORKBENCH_LOCALSTACK_PORT: not a port: {value!r}")
    return int(value)


def endpoint(at: int | None = None) -> str:
    return f"http://127.0.0.1:{at or port()}"


def log_file() -> Path:
    return home() / "localstack.log"


def deployment_file() -> Path:
    """What `workbench localstack deploy` made last, for replay to find the functions."""
    return home() / "deployment.json"


@dataclass(frozen=True)
class Started:
    pid: int
    port: int
    create_time: float


def health(at: int | None = None, timeout: float = 2.0) -> dict[str, Any] | None:
    """LocalStack's health document, or None when nothing healthy answers."""
    try:
        response = httpx.get(endpoint(at) + HEALTH_PATH, timeout=timeout, trust_env=False)
        document = response.json()
    except (httpx.HTTPError, ValueError):
        return None
    return document if response.status_code == 200 and isinstance(document, dict) else None


def running() -> Started | None:
    """The LocalStack this workbench started, if it is still the same process."""
    pid_file = home() / "localstack.pid"
    try:
        started = Started(**json.loads(pid_file.read_text()))
        process = psutil.Process(started.pid)
        if abs(process.create_time() - started.create_time) < 1.0:
            return started
    except (OSError, ValueError, TypeError, psutil.Error):
        pass
    pid_file.unlink(missing_ok=True)
    return None


def _port_taken(at: int) -> bool:
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", at))
        except OSError:
            return True
    return False


def start(*, keepalive_ms: int | None = None, quiet: bool = False,
          timeout_s: float = START_TIMEOUT_S) -> Started:
    """Start LocalStack and wait until healthy; already running (ours) is fine."""
    at = port()
    if (ours := running()) is not None:
        if health(ours.port) is None:
            raise WorkbenchError(f"LocalStack (pid {ours.pid}) runs but is not healthy on "
                                 f"{endpoint(ours.port)}: see `workbench localstack logs`")
        return ours
    if _port_taken(at):
        what = "a LocalStack the workbench did not start" if health(at) else "another process"
        raise WorkbenchError(f"port {at} on 127.0.0.1 is taken by {what}: stop it, or set "
                             "WORKBENCH_LOCALSTACK_PORT to a free port")
    python = install.ensure_installed(quiet=quiet)
    state = home()
    (state / "volume").mkdir(parents=True, exist_ok=True)
    env = {key: value for key, value in os.environ.items()
           if key != "PYTHONPATH" and not key.startswith("AWS_")}
    env.update({
        "GATEWAY_LISTEN": f"127.0.0.1:{at}",
        "LOCALSTACK_VOLUME_DIR": str(state / "volume"),
        "LAMBDA_RUNTIME_EXECUTOR": "workbench",
        "WORKBENCH_PYTHON": sys.executable,  # the workbench's 3.11 venv runs the functions
        "DNS_ADDRESS": "0",  # no DNS server on port 53 of the host
        "DISABLE_EVENTS": "1",  # no analytics calls: this machine is offline
        "SKIP_SSL_CERT_DOWNLOAD": "1",
        # LocalStack's internal boto clients retry by default, so its API Gateway would
        # retry a throttled Lambda call (up to 4 times, with backoff) and hide the throttle;
        # AWS's API Gateway answers at once.
        "DISABLE_BOTO_RETRIES": "1",
        "LAMBDA_KEEPALIVE_MS": str(keepalive_ms if keepalive_ms is not None else 600_000),
        "LAMBDA_RUNTIME_ENVIRONMENT_TIMEOUT": str(ENVIRONMENT_TIMEOUT_S),
    })
    with open(log_file(), "wb") as log:
        # cwd is the state folder, never the repo root, where our `localstack/` folder sits.
        process = subprocess.Popen([str(python), "-m", "localstack.runtime.main"], cwd=state,
                                   env=env, stdin=subprocess.DEVNULL, stdout=log,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    _children[process.pid] = process
    started = Started(process.pid, at, psutil.Process(process.pid).create_time())
    (state / "localstack.pid").write_text(json.dumps(started.__dict__))
    deadline = time.monotonic() + timeout_s
    while health(at, timeout=1.0) is None:
        if process.poll() is not None or time.monotonic() > deadline:
            reason = (f"exited with code {process.returncode}" if process.poll() is not None
                      else f"was not healthy within {timeout_s:.0f} s")
            stop()
            raise WorkbenchError(f"LocalStack {reason}; last log line: {_last_line()} "
                                 f"(full log: {log_file()})")
        time.sleep(0.25)
    return started


def stop() -> bool:
    """Stop the LocalStack this workbench started (its whole process group)."""
    started = running()
    if started is None:
        return False
    _signal_group(started.pid, signal.SIGTERM)
    try:
        psutil.Process(started.pid).wait(STOP_GRACE_S)
    except psutil.TimeoutExpired:
        _signal_group(started.pid, signal.SIGKILL)
    except psutil.NoSuchProcess:
        pass
    # Bridges and functions end with LocalStack; anything left in its group goes now.
    _signal_group(started.pid, signal.SIGKILL)
    if (child := _children.pop(started.pid, None)) is not None:
        child.wait()
    (home() / "localstack.pid").unlink(missing_ok=True)
    return True


def _signal_group(pid: int, sig: signal.Signals) -> None:
    try:
        os.killpg(pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def _last_line() -> str:
    try:
        lines = log_file().read_text(errors="replace").strip().splitlines()
    except OSError:
        return "(no log)"
    return lines[-1] if lines else "(empty log)"
