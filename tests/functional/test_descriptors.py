"""Out of file descriptors: a cold start that cannot get a socket or a pipe answers as
Lambda does when it cannot create an environment (ServiceException), leaves no
environment behind, logs one line, and the server keeps serving."""

from __future__ import annotations

import json
import resource
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from workbench.pytest_plugin import start_server

pytestmark = pytest.mark.functional
APPS = Path(__file__).parent / "apps"
# Enough for the server and its provisioned environment, not for 24 connections and a
# cold start on top (workbench.runtime.descriptors: 8 per start and 16 kept in reserve).
LIMIT = 52


def _lowered() -> None:
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (LIMIT, hard))


def test_cold_starts_past_the_descriptor_limit_are_service_exceptions(tmp_path: Path) -> None:
    server = start_server(APPS / "template.yaml", tmp_path / "serve.log", "--no-reload",
                          preexec_fn=_lowered)
    try:
        def call(i: int) -> httpx.Response:
            # Half through API Gateway, half through the Invoke API, all at once.
            if i % 2:
                return httpx.post(f"{server.url}/echo", json={"action": "work"}, timeout=60)
            return httpx.post(f"{server.url}/2015-03-31/functions/Echo/invocations",
                              json={"action": "work"}, timeout=60)

        with ThreadPoolExecutor(24) as pool:
            responses = list(pool.map(call, range(24)))
        refused = [r for r in responses if r.status_code != 200]
        assert refused, "the burst should have run out of descriptors"
        for response in refused:
            assert response.status_code == 500, response.text
            if response.url.path == "/echo":
                assert response.json() == {"message": "Internal server error"}
            else:
                assert response.headers["x-amzn-ErrorType"] == "ServiceException"
                message = response.json()["message"]
                assert message.startswith("Lambda could not create an execution environment "
                                          "for Echo: too many open files")
        environments = httpx.get(f"{server.url}/_workbench/environments").json()
        assert all(env["pid"] and env["state"] == "idle" for env in environments)
        # The connections are closed again: the server serves, cold start included.
        assert httpx.post(f"{server.url}/echo", json={}, timeout=60).status_code == 200
    finally:
        server.stop()
    log = server.output()
    lines = [line for line in log.splitlines() if "ServiceException -> 500" in line]
    assert len(lines) == len(refused)
    assert "Traceback" not in log


CHILD = """
import asyncio, json, os, resource, sys, tempfile
from workbench import template
from workbench.runtime.descriptors import NoDescriptors
from workbench.runtime.environment import Environment
from workbench.runtime.placement import place
from workbench.runtime.sandboxes import SandboxHost

def open_fds():
    return len(os.listdir("/proc/self/fd"))

async def main():
    placement = place(template.load(sys.argv[1]).function("Echo"), "build")
    host = SandboxHost()
    tempfile.gettempdir()  # as Runtime.start does
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    outcomes = []
    for slack in range(16):
        before = open_fds()
        env = Environment(placement, host=host)
        resource.setrlimit(resource.RLIMIT_NOFILE, (before + slack, hard))
        try:
            await env.start()
            outcome = "started"
        except NoDescriptors as error:
            outcome = error.error_type
        finally:
            resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
        pid = env.pid
        await env.stop()
        alive = pid is not None and os.path.exists(f"/proc/{pid}")
        outcomes.append({"slack": slack, "outcome": outcome, "state": env.state,
                         "leaked": open_fds() - before, "alive": alive})
    await host.close()
    print(json.dumps(outcomes))

asyncio.run(main())
"""


def test_an_environment_that_runs_out_half_way_leaves_nothing_behind() -> None:
    # Each amount of slack makes a different step of the start fail (socket, pipe,
    # spawn, memory watch) until there is enough; none may leak a descriptor or a process.
    run = subprocess.run([sys.executable, "-c", CHILD, str(APPS / "template.yaml")],
                         capture_output=True, text=True, timeout=120, check=True)
    outcomes = json.loads(run.stdout)
    assert {o["outcome"] for o in outcomes} == {"ServiceException", "started"}
    assert outcomes[0]["outcome"] == "ServiceException" and outcomes[-1]["outcome"] == "started"
    for outcome in outcomes:
        assert outcome["leaked"] == 0 and not outcome["alive"], outcome
    assert "Traceback" not in run.stderr
