"""`workbench localstack ...` faults: each is one line on stderr, exit code 2, and
nothing is left half-started."""

from __future__ import annotations

import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from tests import cli
from workbench.pytest_plugin import free_port

pytestmark = pytest.mark.localstack


def workbench(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return cli.workbench("localstack", *args, env=env)


@pytest.fixture
def elsewhere(tmp_path: Path) -> dict[str, str]:
    """A LocalStack home and port of this test's own, beside the session's LocalStack."""
    return {"WORKBENCH_LOCALSTACK_HOME": str(tmp_path / "ls"),
            "WORKBENCH_LOCALSTACK_PORT": str(free_port())}


@pytest.fixture
def taken_port() -> Iterator[int]:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        yield listener.getsockname()[1]


def one_line_error(done: subprocess.CompletedProcess[str], *fragments: str) -> None:
    assert done.returncode == 2, done.stdout + done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("workbench: "), done.stderr
    for fragment in fragments:
        assert fragment in lines[0]


def test_deploy_without_a_running_localstack(elsewhere: dict[str, str]) -> None:
    one_line_error(workbench("deploy", **elsewhere), "LocalStack is not running",
                   "workbench localstack start")


def test_status_of_a_localstack_that_is_not_running(elsewhere: dict[str, str]) -> None:
    done = workbench("status", **elsewhere)
    assert done.returncode == 1 and "not healthy" in done.stdout


def test_start_on_a_taken_port(elsewhere: dict[str, str], taken_port: int) -> None:
    one_line_error(workbench("start", **{**elsewhere, "WORKBENCH_LOCALSTACK_PORT":
                                         str(taken_port)}),
                   f"port {taken_port}", "taken by another process")


def test_start_that_is_not_healthy_in_time_leaves_nothing(elsewhere: dict[str, str]) -> None:
    from workbench.localstack import install

    install.ensure_installed(quiet=True)  # a first install prints progress lines on stderr
    done = workbench("start", "--timeout", "0.5", **elsewhere)
    one_line_error(done, "was not healthy within", "localstack.log")
    home = Path(elsewhere["WORKBENCH_LOCALSTACK_HOME"])
    assert not (home / "localstack.pid").exists()
    left = [p for p in psutil.process_iter(["environ"])
            if (p.info["environ"] or {}).get("LOCALSTACK_VOLUME_DIR") == str(home / "volume")]
    assert left == []


def test_too_old_or_missing_interpreter(elsewhere: dict[str, str]) -> None:
    from workbench.localstack import install

    old = {**elsewhere, "WORKBENCH_CACHE": elsewhere["WORKBENCH_LOCALSTACK_HOME"],
           "WORKBENCH_LOCALSTACK_PYTHON": sys.executable}
    version = f"{sys.version_info[0]}.{sys.version_info[1]}"
    one_line_error(workbench("start", **old), f"is Python {version}", "needs Python >= 3.12")
    missing = {**old, "WORKBENCH_LOCALSTACK_PYTHON": "/nonexistent/python3.13"}
    one_line_error(workbench("start", **missing), "does not run")
    assert install.MIN_PYTHON == (3, 12)


def test_deploy_with_a_missing_model(localstack: str, tmp_path: Path) -> None:
    port = localstack.rsplit(":", 1)[1]
    done = workbench("deploy", WORKBENCH_LOCALSTACK_PORT=port, WORKBENCH_CACHE=str(tmp_path),
                     WORKBENCH_LOCALSTACK_HOME=str(tmp_path / "ls"))
    one_line_error(done, "model is not built", "workbench models build")


def test_logs_and_status_of_the_session_localstack(localstack: str) -> None:
    from workbench.localstack import service

    port = localstack.rsplit(":", 1)[1]
    done = workbench("status", WORKBENCH_LOCALSTACK_PORT=port)
    assert done.returncode == 0 and "lambda: " in done.stdout and "4.14.0" in done.stdout
    if service.running() is not None:  # the log is ours only when we started it
        logs = workbench("logs", "-n", "5")
        assert logs.returncode == 0 and logs.stdout.strip()


@pytest.mark.parametrize(("args", "env", "message"), [
    (["logs"], {}, "no LocalStack log at"),
    (["start", "--keepalive-ms", "0"], {}, "--keepalive-ms must be positive"),
    (["status"], {"WORKBENCH_LOCALSTACK_PORT": "not-a-port"}, "not a port"),
    (["deploy", "--template", "/nonexistent/template.yaml"], {}, "no such file"),
])
def test_bad_flags_and_settings(elsewhere: dict[str, str], args: list[str],
                                env: dict[str, str], message: str) -> None:
    one_line_error(workbench(*args, **{**elsewhere, **env}), message)
