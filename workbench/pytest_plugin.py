"""The workbench's pytest plugin (entry point `pytest11`), for users' test suites and ours.

Fixtures:
- `workbench_server`: start `workbench serve` for a template as a real process on a free
  loopback port, wait for its health check, stop it after the test.
- `workbench_invoke`: invoke a function of a template once through real environments.
- `workbench_token`: mint a test JWT offline with the workbench's local key, which the dev
  server's JWT (HTTP API) and Cognito (REST) authorizers trust:
  `workbench_token(issuer="https://id.example", audience="api", scopes=("read",))`.
- `workbench_shared_path`: a folder the test and its functions both see (each
  environment has its own /tmp, so `tmp_path` is out of a function's reach).
- `workbench_replay`: replay a recorded trace (local runtime, LocalStack or a URL) and
  return its summary: `assert summary.ok, summary.explain()`.
- `golden`: compare a value with a JSON snapshot file; `pytest --update-fixtures`
  rewrites the snapshots instead (review the diff with git).
- `localstack`: a healthy LocalStack on the host with the workbench's Lambda executor,
  reused if one already answers, else started for the session and stopped after it.
- `localstack_deploy`: `localstack_deploy(template_path)` deploys a template into it
  (idempotent) and returns the `Deployment` (function names, invoke URLs).

And one helper, `wait_for(check, deadline_s, what)`: poll state with a deadline.

The header says how functions run by default (from their build on their Runtime's Python,
or on the dev virtualenv), and the summary at the end lists how each function the
fixtures ran actually ran: its mode and interpreter.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from workbench import config as workbench_config
from workbench import template as templates
from workbench.errors import WorkbenchError
from workbench.replay.run import Summary, parse_speed, replay
from workbench.runtime.placement import Mode, how_it_ran
from workbench.runtime.pool import Runtime
from workbench.runtime.types import InvocationResult
from workbench.trace import payload_bytes, read_trace

STARTUP_DEADLINE_S = 120.0  # provisioned environments of ML handlers INIT before health
# "  Function QaFunction: app.handler, 2048 MB, 30 s, build, Python 3.11.7" (server banner)
_BANNER_FUNCTION = re.compile(r"^  Function (\S+): .*, ((?:build|dev-venv)[^,]*, Python \S+)$",
                              re.MULTILINE)
_RAN = pytest.StashKey[dict[str, set[str]]]()


def _ran(config: pytest.Config) -> dict[str, set[str]]:
    if _RAN not in config.stash:
        config.stash[_RAN] = {}
    return config.stash[_RAN]


def _note(config: pytest.Config, function: str, how: str) -> None:
    if function and how:
        _ran(config).setdefault(function, set()).add(how)


@dataclass
class ServerProcess:
    url: str
    process: subprocess.Popen[bytes]
    log_path: Path
    args: list[str] = field(default_factory=list)

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self, sig: int = signal.SIGTERM) -> int:
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        return self.process.returncode


def wait_for(check: Callable[[], Any], deadline_s: float = 30.0, what: str = "condition",
             interval_s: float = 0.05) -> Any:
    """Poll `check` until it returns something truthy, and return that; fail the test
    naming `what` after the deadline. Waiting on state, never sleeping for a fixed time."""
    deadline = time.monotonic() + deadline_s
    while not (value := check()):
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {deadline_s:.0f} s waiting for {what}")
        time.sleep(interval_s)
    return value


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(template: Path, log_path: Path, *extra: str,
                 deadline_s: float = STARTUP_DEADLINE_S,
                 preexec_fn: Callable[[], None] | None = None,
                 cwd: Path | None = None) -> ServerProcess:
    """Start `workbench serve` (in `cwd`, default ours) and return once GET
    /_workbench/health answers 200 (`preexec_fn` runs in the child before it starts,
    e.g. to lower its rlimits)."""
    port = free_port()
    args = [sys.executable, "-m", "workbench.cli", "serve", "--template", str(template),
            "--port", str(port), *extra]
    with log_path.open("wb") as log:  # the child keeps its own descriptor
        process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL, start_new_session=True,
                                   preexec_fn=preexec_fn, cwd=cwd)
    server = ServerProcess(f"http://127.0.0.1:{port}", process, log_path, args)
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"workbench serve exited with {process.returncode}:\n"
                               f"{server.output()}")
        try:
            if httpx.get(f"{server.url}/_workbench/health", timeout=1.0).status_code == 200:
                return server
        except httpx.TransportError:
            pass
        time.sleep(0.05)  # polling interval of the health check, not a wait for readiness
    server.stop(signal.SIGKILL)
    raise RuntimeError(f"workbench serve not healthy within {deadline_s} s:\n{server.output()}")


@pytest.fixture
def workbench_server(tmp_path: Path,
                     request: pytest.FixtureRequest) -> Iterator[Callable[..., ServerProcess]]:
    """Factory: `workbench_server(template_path, *serve_flags)` -> a running server."""
    started: list[ServerProcess] = []

    def start(template: Path | str, *extra: str) -> ServerProcess:
        server = start_server(Path(template), tmp_path / f"serve-{len(started)}.log", *extra)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()
        for function, how in _BANNER_FUNCTION.findall(server.output()):
            _note(request.config, function, how)


@pytest.fixture
def workbench_shared_path() -> Iterator[Path]:
    """A folder both the test and its functions' environments see. Each environment has a
    /tmp of its own (as on Lambda), so a test's `tmp_path` under /tmp is out of its reach;
    this one is under the workbench's cache, and removed after the test."""
    root = workbench_config.cache_dir() / "shared"
    root.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(dir=root))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def workbench_invoke(request: pytest.FixtureRequest) -> Callable[..., InvocationResult]:
    """`workbench_invoke(template_path, function, event, mode=None)`: one invocation in a
    fresh runtime (`mode` "build" or "dev-venv"; default: WORKBENCH_DEV_VENV), of that
    function alone, as `workbench invoke` builds it: another's failed build is not its."""

    def invoke(template: Path | str, function: str, event: Any,
               mode: Mode | None = None) -> InvocationResult:
        loaded = templates.load(Path(template))
        spec = loaded.function(function)
        if spec is None:
            pytest.fail(f"no function {function!r} in {template} (it has "
                        f"{', '.join(sorted(loaded.functions))})")

        async def main() -> InvocationResult:
            runtime = Runtime(loaded.alone(spec), keepalive_s=0, mode=mode)
            try:
                return await runtime.invoke(spec.name, payload_bytes(event))
            finally:
                await runtime.close()

        try:
            result = asyncio.run(main())
        except WorkbenchError as error:  # a build or template error: its one line
            failure = f"{spec.name}: {error}"
        else:
            _note(request.config, result.function, how_it_ran(result.mode, result.python))
            return result
        pytest.fail(failure, pytrace=False)

    return invoke


@pytest.fixture
def workbench_replay(request: pytest.FixtureRequest) -> Callable[..., Summary]:
    """`workbench_replay(trace, template=None, target="local", speed=1.0, concurrency=64)`:
    replay every event of a trace file and compare each answer with the recorded one.
    `speed` is a time factor or "max"; a malformed trace line fails the test. Without a
    template, `local` uses WORKBENCH_TEMPLATE or ./template.yaml, as the CLI does."""

    def run(trace: Path | str, template: Path | str | None = None, target: str = "local",
            speed: float | str = 1.0, concurrency: int = 64) -> Summary:
        problems: list[str] = []
        records = list(read_trace(Path(trace), lambda n, m: problems.append(f"line {n}: {m}")))
        if problems:
            pytest.fail(f"{trace}: " + "; ".join(problems))
        loaded = None
        if target == "local":  # the template as the CLI finds it: argument, env, ./template.yaml
            loaded = templates.load(workbench_config.settings(template=template).template)
        summary = asyncio.run(replay(records, target, loaded, speed=parse_speed(speed),
                                     concurrency=concurrency))
        for function, how in summary.ran.items():
            _note(request.config, function, how)
        return summary

    return run


@pytest.fixture
def workbench_token() -> Callable[..., str]:
    """`workbench_token(issuer=..., audience=..., client_id=..., scopes=(), subject=...,
    expires_in_s=3600, claims={...})` -> a signed JWT (`workbench.gateway.auth.tokens.mint`)."""
    from workbench.gateway.auth.tokens import mint

    return mint
def pytest_report_header(config: pytest.Config) -> str:
    settings = workbench_config.settings()
    how = ("on the dev virtualenv (unfaithful: WORKBENCH_DEV_VENV)" if settings.dev_venv else
           "from their build, on their Runtime's Python")
    return f"lambda-workbench: functions run {how}"


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    ran = _ran(config)
    if ran:
        terminalreporter.write_sep("-", "lambda-workbench: how each function ran")
        for function in sorted(ran):
            terminalreporter.write_line(f"{function}: {'; '.join(sorted(ran[function]))}")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-fixtures", action="store_true", default=False,
                     help="rewrite golden snapshot files instead of comparing with them")


@pytest.fixture
def golden(request: pytest.FixtureRequest) -> Callable[[Path, Any], None]:
    """`golden(path, value)`: assert value equals the snapshot at path (JSON)."""
    update = bool(request.config.getoption("--update-fixtures"))

    def check(path: Path, value: Any) -> None:
        text = json.dumps(value, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
        if update:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            return
        if not path.exists():
            pytest.fail(f"no snapshot {path}: run pytest --update-fixtures and review it")
        expected = json.loads(path.read_text(encoding="utf-8"))
        assert value == expected, f"differs from {path} (pytest --update-fixtures to accept)"

    return check


@pytest.fixture(scope="session")
def localstack() -> Iterator[str]:
    """The endpoint of a running LocalStack (http://127.0.0.1:4566 unless configured)."""
    from workbench.localstack import service

    started = None
    if service.health() is None:
        started = service.start(quiet=False)
    try:
        yield service.endpoint(started.port if started else None)
    finally:
        if started is not None:
            service.stop()


@pytest.fixture(scope="session")
def localstack_deploy(localstack: str) -> Callable[[Path | str], Any]:
    from workbench.localstack import deploy

    deployed: dict[Path, deploy.Deployment] = {}

    def run(template: Path | str) -> deploy.Deployment:
        path = Path(template).resolve()
        if path not in deployed:
            deployed[path] = deploy.deploy(templates.load(path), endpoint=localstack,
                                           say=lambda _: None)
        return deployed[path]

    return run
