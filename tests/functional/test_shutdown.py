"""Stopping the dev server: SIGTERM or Ctrl-C during INIT and during invocations.

In-flight requests finish within the grace period, the rest are answered with AWS's
errors, every environment and the fork server end, and nothing prints a traceback."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import psutil
import pytest

from workbench import template
from workbench.errors import Stopped
from workbench.pytest_plugin import ServerProcess, start_server, wait_for
from workbench.runtime.pool import Runtime

pytestmark = pytest.mark.functional
TEMPLATE = Path(__file__).parent / "apps" / "pressure.yaml"
INVOKE = "/2015-03-31/functions/Echo/invocations"


def states(server: ServerProcess) -> list[tuple[str, str]]:
    envs = httpx.get(f"{server.url}/_workbench/environments", timeout=30).json()
    return sorted((env["function"], env["state"]) for env in envs)


def descendants(server: ServerProcess) -> list[psutil.Process]:
    """The fork server, and every environment (its children or the server's)."""
    return psutil.Process(server.process.pid).children(recursive=True)


def accepts(server: ServerProcess) -> bool:
    address = urlsplit(server.url)
    try:
        socket.create_connection((address.hostname, address.port), timeout=5).close()
        return True
    except ConnectionRefusedError:
        return False


def stopped(server: ServerProcess, processes: list[psutil.Process]) -> int:
    """Wait for the signalled server to exit; every process it had must be gone too."""
    code = server.process.wait(timeout=120)
    wait_for(lambda: not any(p.is_running() and p.status() != psutil.STATUS_ZOMBIE
                             for p in processes), 30, "every environment to end")
    return code


def in_threads(*calls: Callable[[], httpx.Response]) -> list[Future[httpx.Response]]:
    pool = ThreadPoolExecutor(len(calls))
    futures = [pool.submit(call) for call in calls]
    pool.shutdown(wait=False)
    return futures


def post(server: ServerProcess, path: str, payload: dict[str, Any]) -> Callable[[], httpx.Response]:
    return lambda: httpx.post(f"{server.url}{path}", json=payload, timeout=120)


def test_sigterm_finishes_in_flight_work_and_answers_the_rest_with_aws_errors(
        tmp_path: Path) -> None:
    server = start_server(TEMPLATE, tmp_path / "serve.log", "--no-reload", "--grace", "6")
    try:
        working, invoke, rest, init = in_threads(
            post(server, INVOKE, {"action": "work", "seconds": 2}),  # ends within the grace
            post(server, INVOKE, {"action": "hang"}), post(server, "/echo", {"action": "hang"}),
            post(server, "/slow-init", {}))  # its INIT never ends
        wait_for(lambda: states(server) == [("Echo", "busy")] * 3 + [("SlowInit", "starting")],
                 60, "three invocations running and one INIT")
        processes = descendants(server)
        server.process.send_signal(signal.SIGTERM)
        wait_for(lambda: not accepts(server), 30, "new connections to be refused")
        assert stopped(server, processes) == -signal.SIGTERM
        done = working.result(timeout=60)
        assert done.status_code == 200 and done.json()["body"] == "worked"
        answered = invoke.result(timeout=60)
        assert answered.status_code == 500
        assert answered.headers["x-amzn-ErrorType"] == "ServiceException"
        assert answered.json()["message"] == ("The Lambda Workbench stopped before Echo "
                                              "answered (its shutdown grace period ended)")
        for response in (rest.result(timeout=60), init.result(timeout=60)):
            assert response.status_code == 500
            assert response.json() == {"message": "Internal server error"}
    finally:
        server.stop()
    output = server.output()
    assert "Stopping: 4 requests in flight get up to 6 s" in output
    assert output.count("ServiceException -> 500: The Lambda Workbench stopped") == 3
    assert "Traceback" not in output and "CancelledError" not in output


def terminal_job() -> None:
    """As a terminal's foreground job: Ctrl-C's SIGINT at its default, even when this run
    was started in the background (where a shell makes its children ignore SIGINT)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_ctrl_c_on_the_process_group_during_init(tmp_path: Path) -> None:
    server = start_server(TEMPLATE, tmp_path / "serve.log", "--no-reload", "--grace", "1",
                          preexec_fn=terminal_job)
    try:
        [init] = in_threads(post(server, "/slow-init", {}))
        wait_for(lambda: states(server) == [("SlowInit", "starting")], 60, "INIT to begin")
        processes = descendants(server)
        # What a terminal's Ctrl-C does: SIGINT to the whole process group (the fork server
        # has a session of its own); the exit code is a Ctrl-C'd command's.
        os.killpg(server.process.pid, signal.SIGINT)
        assert stopped(server, processes) == 130
        response = init.result(timeout=60)
        assert (response.status_code, response.json()) == (
            500, {"message": "Internal server error"})
    finally:
        server.stop()
    output = server.output()
    assert "Traceback" not in output and "KeyboardInterrupt" not in output


@pytest.mark.parametrize("when", ["spawning", "in INIT"])
def test_closing_stops_an_invocation_waiting_for_its_environment(with_runtime: Any,
                                                                when: str) -> None:
    """Closing while an invocation's environment is being made, or is in INIT: the
    invocation is Stopped (ServiceException), and no new environment is started for
    Lambda's retry of the INIT inside the invocation."""
    async def body(rt: Runtime) -> tuple[BaseException | None, int]:
        invocation = asyncio.ensure_future(rt.invoke("SlowInit", b"{}"))
        deadline = asyncio.get_running_loop().time() + 60
        while [(e["state"], e["pid"] is not None or when == "spawning")
               for e in rt.environments()] != [("starting", True)]:
            assert asyncio.get_running_loop().time() < deadline, "INIT to begin"
            await asyncio.sleep(0.02)  # polling the runtime's state, not waiting for it
        await rt.close()
        await asyncio.wait([invocation], timeout=30)
        return invocation.exception(), len(rt.pools["SlowInit"].alive)

    error, alive = with_runtime(body, tpl=template.load(TEMPLATE))
    assert isinstance(error, Stopped) and alive == 0
