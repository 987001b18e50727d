"""Real execution environments: real processes under awslambdaric, each way a call can end."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import psutil
import pytest

from workbench import template
from workbench.errors import RequestTooLarge, ResourceNotFound, TooManyRequests
from workbench.runtime import cgroups
from workbench.runtime.logs import parse_report
from workbench.runtime.pool import Runtime
from workbench.runtime.reload import rebuild, update_template, watch_code
from workbench.runtime.sandboxes import private_tmp_allowed
from workbench.runtime.types import FakeClock, InvocationResult

pytestmark = pytest.mark.functional
APPS = Path(__file__).parent / "apps"


def event(action: str | None = None, **extra: Any) -> bytes:
    return json.dumps({"action": action, **extra} if action else extra).encode()


async def wait_until(predicate: Any, timeout: float = 10.0) -> None:
    """Wait for a condition with a deadline (yielding to the loop), never a fixed sleep."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met before the deadline")
        await asyncio.sleep(0.01)


def reports(result: InvocationResult) -> list[Any]:
    return [r for r in map(parse_report, result.logs.splitlines()) if r is not None]


def test_cold_then_warm_reuses_the_environment(with_runtime: Any) -> None:
    async def body(rt: Runtime) -> tuple[InvocationResult, InvocationResult]:
        return await rt.invoke("Echo", event()), await rt.invoke("Echo", event())

    first, second = with_runtime(body)
    assert first.cold and first.init_duration_ms is not None and first.init_duration_ms > 0
    assert not second.cold and second.init_duration_ms is None
    assert first.environment_id == second.environment_id
    (r1,), (r2,) = reports(first), reports(second)
    assert r1.init_duration_ms is not None and r2.init_duration_ms is None
    assert r1.request_id == first.request_id and r1.memory_size_mb == 256
    assert 0 < r1.max_memory_used_mb < 256
    assert first.logs.splitlines()[0].startswith("INIT: behaviours loaded")
    assert f"START RequestId: {first.request_id} Version: $LATEST" in first.logs
    assert f"END RequestId: {first.request_id}" in first.logs


def test_context_and_environment_are_lambdas(with_runtime: Any) -> None:
    async def body(rt: Runtime) -> InvocationResult:
        return await rt.invoke("Echo", event("context"), request_id="req-123")

    result = with_runtime(body)
    seen = json.loads(result.json()["body"])
    assert seen["request_id"] == "req-123"
    assert seen["function_name"] == "Echo" and seen["memory"] == "256"
    assert 0 < seen["remaining_ms"] <= 3000
    assert seen["log_group"] == "/aws/lambda/Echo"
    assert seen["log_stream"].split("/")[3].startswith("[$LATEST]")
    assert seen["env"]["GREETING"] == "hello from the template"
    assert seen["env"]["_HANDLER"] == "app.handler"
    assert seen["env"]["AWS_LAMBDA_FUNCTION_TIMEOUT"] == "3"
    # The build, where Lambda has it when the sandbox can mount it there.
    task_root = "/var/task" if private_tmp_allowed() else ".aws-sam/build/Echo"
    assert seen["env"]["LAMBDA_TASK_ROOT"].endswith(task_root)
    assert seen["tmp"] == "/tmp" if private_tmp_allowed() else "Echo-" in seen["tmp"]


def test_each_invocation_carries_an_xray_trace(with_runtime: Any) -> None:
    """awslambdaric sets _X_AMZN_TRACE_ID from Lambda-Runtime-Trace-Id: a new trace, or the
    caller's continued; an actively traced function's REPORT line names it."""
    caller = "1-5759e988-bd862e3fe1be46a994272793"
    apps = template.load(APPS / "template.yaml")
    traced = replace(apps.functions["Echo"], active_tracing=True)

    async def body(rt: Runtime) -> list[InvocationResult]:
        return [await rt.invoke("Echo", event("context")),
                await rt.invoke("Echo", event("context"), trace=f"Root={caller}")]

    fresh, continued = with_runtime(body, replace(apps, functions={"Echo": traced}))
    header = re.compile(r"Root=(1-[0-9a-f]{8}-[0-9a-f]{24});Parent=([0-9a-f]{16});Sampled=1")
    for result in (fresh, continued):
        env = json.loads(result.json()["body"])["env"]
        assert env["AWS_XRAY_CONTEXT_MISSING"] == "LOG_ERROR"
        match = header.fullmatch(env["_X_AMZN_TRACE_ID"])
        assert match is not None, env["_X_AMZN_TRACE_ID"]
        root, segment = match.groups()
        assert (root == caller) is (result is continued)
        assert (f"\tXRAY TraceId: {root}\tSegmentId: {segment}\tSampled: true\t"
                in result.logs), result.logs


def test_handler_exception_keeps_the_environment(with_runtime: Any) -> None:
    async def body(rt: Runtime) -> tuple[InvocationResult, InvocationResult]:
        return await rt.invoke("Echo", event("raise")), await rt.invoke("Echo", event())

    failed, after = with_runtime(body)
    assert failed.function_error == "Unhandled" and failed.error_type == "ValueError"
    document = failed.json()
    assert document["errorMessage"] == "something broke"
    assert set(document) >= {"errorMessage", "errorType", "requestId", "stackTrace"}
    assert not after.cold and after.environment_id == failed.environment_id


@pytest.mark.parametrize("action, description", [
    ("exit", "exit status 3"),
    ("kill", "signal: killed"),
    ("segfault", "signal: segmentation fault"),
])
def test_a_dying_process_is_runtime_exit_error(with_runtime: Any, action: str,
                                               description: str) -> None:
    async def body(rt: Runtime) -> tuple[InvocationResult, InvocationResult]:
        return await rt.invoke("Echo", event(action)), await rt.invoke("Echo", event())

    died, next_call = with_runtime(body)
    assert died.error_type == "Runtime.ExitError"
    assert died.json()["errorMessage"].endswith(f"Runtime exited with error: {description}")
    assert next_call.cold and next_call.environment_id != died.environment_id


def test_timeout_on_a_fake_clock(with_runtime: Any) -> None:
    clock = FakeClock()

    async def body(rt: Runtime) -> tuple[InvocationResult, InvocationResult]:
        await rt.invoke("Echo", event())  # warm it up
        hanging = asyncio.ensure_future(rt.invoke("Echo", event("hang")))
        await wait_until(lambda: any(e["state"] == "busy" for e in rt.environments())
                         and clock.sleepers > 0)
        clock.advance(3.0)
        return await hanging, await rt.invoke("Echo", event())

    timed_out, next_call = with_runtime(body, clock=clock)
    assert timed_out.error_type == "Sandbox.Timedout"
    assert timed_out.json()["errorMessage"].endswith("Task timed out after 3.00 seconds")
    assert "Task timed out after 3.00 seconds" in timed_out.logs
    assert next_call.cold


def test_import_error_is_reported_at_init(with_runtime: Any) -> None:
    async def body(rt: Runtime) -> InvocationResult:
        return await rt.invoke("Broken", event())

    result = with_runtime(body)
    assert result.cold and result.error_type == "Runtime.ImportModuleError"
    assert "module_that_does_not_exist" in result.json()["errorMessage"]
    assert "Status: error\tError Type: Runtime.ImportModuleError" in result.logs


@pytest.mark.parametrize("init, error_type, message, status", [
    ("exit", "Runtime.ExitError", "Error: Runtime exited with error: exit status 4", "error"),
    ("hang", "Sandbox.Timedout", "Error: Task timed out after 3.00 seconds", "timeout"),
])
def test_a_failed_init_is_retried_in_the_invoke_then_fails_the_call_and_leaves_nothing(
        with_runtime: Any, init: str, error_type: str, message: str, status: str) -> None:
    """As AWS documents: INIT gets 10 s, then Lambda retries it inside the first invocation
    with the function's timeout (3 s here); each failure logs an INIT_REPORT line."""
    clock = FakeClock()

    async def body(rt: Runtime) -> tuple[InvocationResult, list[dict[str, Any]]]:
        call = asyncio.ensure_future(rt.invoke("Echo", event(), request_id="req-init"))
        if init == "hang":  # INIT's 10 s, then the retry's 3 s, come on the fake clock
            await wait_until(lambda: clock.sleepers > 0)
            clock.advance(10.0)
            await wait_until(lambda: clock.sleepers > 0)
            clock.advance(3.0)
        return await call, rt.environments()

    result, left = with_runtime(body, clock=clock, extra_env={"BEHAVIOURS_INIT": init})
    assert result.cold and result.error_type == error_type and left == []
    assert result.json()["errorMessage"] == f"RequestId: req-init {message}"
    lines = result.logs.splitlines()
    reports = [line for line in lines if line.startswith("INIT_REPORT")]
    kind = f"Status: {status}" + ("\tError Type: Runtime.ExitError" if status == "error" else "")
    assert [r.split("\t", 1)[1] for r in reports] == [f"Phase: init\t{kind}",
                                                      f"Phase: invoke\t{kind}"]
    assert lines.index(reports[1]) < lines.index("START RequestId: req-init Version: $LATEST")
    (report,) = [line for line in lines if line.startswith("REPORT")]
    assert report.rstrip("\t").endswith(kind) and "Init Duration" not in report
    assert int(report.split("Max Memory Used: ")[1].split()[0]) > 0  # measured, not 0


def test_memory_over_the_limit_is_killed(with_runtime: Any) -> None:
    async def body(rt: Runtime) -> InvocationResult:
        return await rt.invoke("Echo", event("memory"))

    result = with_runtime(body)
    assert result.error_type == "Runtime.OutOfMemory"
    assert result.max_memory_used_mb == 256
    assert "Max Memory Used: 256 MB" in result.logs


def test_reserved_concurrency_throttles_at_once(with_runtime: Any) -> None:
    clock = FakeClock()

    async def body(rt: Runtime) -> str:
        hanging = asyncio.ensure_future(rt.invoke("Limited", event("hang")))
        await wait_until(lambda: any(e["state"] == "busy" for e in rt.environments()))
        with pytest.raises(TooManyRequests) as throttled:
            await rt.invoke("Limited", event())
        clock.advance(3.0)
        await hanging
        return throttled.value.reason

    assert with_runtime(body, clock=clock) == "ReservedFunctionConcurrentInvocationLimitExceeded"


def test_account_concurrency_throttles_across_functions(with_runtime: Any) -> None:
    clock = FakeClock()

    async def body(rt: Runtime) -> None:
        hanging = asyncio.ensure_future(rt.invoke("Echo", event("hang")))
        await wait_until(lambda: any(e["state"] == "busy" for e in rt.environments()))
        with pytest.raises(TooManyRequests):
            await rt.invoke("HttpEcho", event())
        clock.advance(3.0)
        await hanging

    with_runtime(body, clock=clock, account_concurrency=1)


def test_provisioned_environments_start_with_the_runtime(with_runtime: Any) -> None:
    async def body(rt: Runtime) -> tuple[list[dict[str, Any]], InvocationResult,
                                         InvocationResult]:
        await rt.start()
        before = rt.environments()
        return (before, await rt.invoke("Warm", event(), qualifier="live"),
                await rt.invoke("Warm", event()))

    before, result, latest = with_runtime(body, keepalive_s=0)
    assert [e["function"] for e in before] == ["Warm"] and before[0]["provisioned"]
    assert not result.cold and result.init_duration_ms is None
    # Provisioned concurrency is the alias's (its version 1): $LATEST starts on demand
    # (provisioned-concurrency.html: it cannot be configured on $LATEST).
    assert before[0]["version"] == "1" and latest.cold
    (report,) = [line for line in result.logs.splitlines() if line.startswith("REPORT")]
    assert "Init Duration" not in report
    # Lambda logs INIT_REPORT after a successful INIT only with provisioned concurrency.
    assert result.logs.splitlines()[1].startswith("INIT_REPORT Init Duration: ")


def test_idle_environments_are_reclaimed_after_keepalive(with_runtime: Any) -> None:
    clock = FakeClock()

    async def body(rt: Runtime) -> tuple[int, int, InvocationResult]:
        await rt.invoke("Echo", event())
        clock.advance(9.0)
        early = await rt.reap_idle()
        clock.advance(1.0)
        late = await rt.reap_idle()
        return early, late, await rt.invoke("Echo", event())

    early, late, next_call = with_runtime(body, clock=clock, keepalive_s=10.0)
    assert (early, late) == (0, 1) and next_call.cold


def test_keepalive_zero_never_reclaims(with_runtime: Any) -> None:
    clock = FakeClock()

    async def body(rt: Runtime) -> int:
        await rt.invoke("Echo", event())
        clock.advance(10_000.0)
        return await rt.reap_idle()

    assert with_runtime(body, clock=clock, keepalive_s=0) == 0


def test_ten_megabytes_of_logs_stay_bounded(with_runtime: Any) -> None:
    async def body(rt: Runtime) -> InvocationResult:
        return await rt.invoke("Echo", event("big-log"))

    result = with_runtime(body)
    assert result.function_error is None
    assert len(result.logs) < 1.2 * 1024 * 1024
    assert "bytes of output dropped" in result.logs and "REPORT RequestId" in result.logs


def test_response_over_six_megabytes_is_a_function_error(with_runtime: Any) -> None:
    async def body(rt: Runtime) -> InvocationResult:
        return await rt.invoke("Echo", event("big-response"))

    result = with_runtime(body)
    assert result.error_type == "Function.ResponseSizeTooLarge"


def test_service_errors(with_runtime: Any) -> None:
    async def body(rt: Runtime) -> None:
        with pytest.raises(ResourceNotFound):
            await rt.invoke("Nope", b"{}")
        with pytest.raises(RequestTooLarge):
            await rt.invoke("Echo", b'"' + b"x" * (6 * 1024 * 1024) + b'"')

    with_runtime(body)


def test_close_leaves_no_process(with_runtime: Any) -> None:
    pids: list[int] = []

    async def body(rt: Runtime) -> None:
        await asyncio.gather(*(rt.invoke("Echo", event("context")) for _ in range(3)))
        pids.extend(e["pid"] for e in rt.environments())

    with_runtime(body)
    assert len(pids) == 3
    assert not [pid for pid in pids if psutil.pid_exists(pid)
                and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE]


def test_hot_reload_runs_the_new_code(tmp_path: Path) -> None:
    apps = Path(__file__).parent / "apps"
    shutil.copytree(apps / "behaviours", tmp_path / "code")
    shutil.copytree(apps / "layer", tmp_path / "layer")
    (tmp_path / "template.yaml").write_text(
        "Resources:\n"
        "  Layer: {Type: AWS::Serverless::LayerVersion, Properties: {ContentUri: layer}}\n"
        "  Fn:\n    Type: AWS::Serverless::Function\n"
        "    Properties: {CodeUri: code, Handler: app.handler, Runtime: python3.11,"
        " Layers: [!Ref Layer]}\n")
    tpl = template.load(tmp_path / "template.yaml")
    reloaded: list[str] = []

    class Listener:
        def reloaded(self, function: str, changed: list[Path]) -> None:
            reloaded.append(function)

    async def main() -> tuple[str, str, bool]:
        rt = Runtime(tpl)
        watcher = asyncio.ensure_future(watch_code(rt, Listener()))
        try:
            before = json.loads((await rt.invoke("Fn", event())).json()["body"])["greeting"]
            (tmp_path / "layer/python/shared_util/__init__.py").write_text(
                "def greeting():\n    return 'changed'\n")
            await wait_until(lambda: reloaded and not rt.environments())
            result = await rt.invoke("Fn", event())
            return before, json.loads(result.json()["body"])["greeting"], result.cold
        finally:
            watcher.cancel()
            await rt.close()

    before, after, cold = asyncio.run(main())
    assert (before, after, cold) == ("hello", "changed", True)


def test_an_invocation_running_through_a_rebuild_finishes_on_its_own_code(
        tmp_path: Path) -> None:
    """On Lambda new code reaches new environments only; a hot reload's rebuild replaced
    the build folder under a running call (its cwd and files gone: Runtime.ExitError,
    found with sam init's hello app). The replaced folder is kept while a process runs
    from it, and deleted by a later build once none does."""
    code = tmp_path / "src"
    code.mkdir()
    (code / "app.py").write_text(  # holds until the test says go, over a socket
        "import socket\n"
        "def handler(event, context):\n"
        "    with socket.create_connection(('127.0.0.1', event['port'])) as s:\n"
        "        s.recv(1)\n"
        "    with open('data.txt') as f:  # Lambda's cwd is the task root\n"
        "        return f.read()\n")
    (code / "data.txt").write_text("old")
    (tmp_path / "template.yaml").write_text(
        "Resources:\n  Fn:\n    Type: AWS::Serverless::Function\n"
        "    Properties: {CodeUri: src, Handler: app.handler, Runtime: python3.11}\n")
    retired = tmp_path / ".aws-sam" / "build" / f".retired-{os.getpid()}"

    async def main() -> tuple[InvocationResult, InvocationResult, int]:
        writers: list[asyncio.StreamWriter] = []  # one per call in its handler
        called: asyncio.Queue[asyncio.StreamWriter] = asyncio.Queue()

        def connected(_: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            writers.append(writer)
            called.put_nowait(writer)

        server = await asyncio.start_server(connected, "127.0.0.1", 0)
        payload = json.dumps({"port": server.sockets[0].getsockname()[1]}).encode()
        rt = Runtime(template.load(tmp_path / "template.yaml"))
        try:
            running = asyncio.ensure_future(rt.invoke("Fn", payload))
            in_handler = await asyncio.wait_for(called.get(), 30)
            (code / "data.txt").write_text("new")
            assert await rebuild(rt, "Fn")
            in_handler.write(b"!")
            during = await running
            after = asyncio.ensure_future(rt.invoke("Fn", payload))
            (await asyncio.wait_for(called.get(), 30)).write(b"!")
            assert await rebuild(rt, "Fn")  # the first replaced folder is no longer used
            return during, await after, len(list(retired.iterdir()))
        finally:
            await rt.close()
            for writer in writers:
                writer.close()
            server.close()
            await server.wait_closed()

    during, after, kept = asyncio.run(main())
    assert (during.function_error, during.json()) == (None, "old"), during.logs
    assert (after.json(), after.cold) == ("new", True)
    assert kept == 1


@pytest.mark.parametrize("spawner", ["fork", "subprocess"])
def test_environments_and_their_detached_children_die_with_a_killed_workbench(
        spawner: str) -> None:
    script = (
        "import asyncio, json, sys\n"
        "from workbench import template\n"
        "from workbench.runtime.pool import Runtime\n"
        "async def main():\n"
        f"    rt = Runtime(template.load({str(APPS / 'template.yaml')!r}), say=print)\n"
        "    await rt.start()\n"
        "    r = await rt.invoke('Echo', json.dumps({'action': 'detach'}).encode())\n"
        "    child = json.loads(r.json()['body'])['pid']\n"
        "    print(json.dumps([child, *(e['pid'] for e in rt.environments())]), flush=True)\n"
        "    await asyncio.Event().wait()\n"
        "asyncio.run(main())\n")
    process = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE,
                               env={**os.environ, "WORKBENCH_SPAWNER": spawner})
    assert process.stdout is not None
    pids = json.loads(next(line for line in process.stdout if line.startswith(b"[")))
    assert len(pids) == 3  # a detached grandchild, Warm (provisioned) and Echo
    process.kill()
    process.wait()
    process.stdout.close()
    if not cgroups.available():  # without cgroups nothing can find a detached orphan
        pids = pids[1:]
    _, alive = psutil.wait_procs([psutil.Process(p) for p in pids if psutil.pid_exists(p)],
                                 timeout=10)
    assert not [p for p in alive if p.status() != psutil.STATUS_ZOMBIE]


def test_a_template_update_during_a_code_rebuild_keeps_the_newer_spec(tmp_path: Path) -> None:
    """SAM CLI's layout: the template in its functions' CodeUri, so a template edit wakes
    the code watcher's rebuild (of the spec it had) and the template reload at once. The
    newer spec wins whichever build ends last, and a function the new template adds is
    invocable while the changed one's environments are still being stopped."""
    (tmp_path / "app.py").write_text(
        "def one(event, context):\n    return 'one'\n\n"
        "def two(event, context):\n    return 'two'\n")
    function = ("  {name}:\n    Type: AWS::Serverless::Function\n"
                "    Properties: {{CodeUri: ., Handler: app.{handler}, Runtime: python3.11}}\n")
    path = tmp_path / "template.yaml"
    path.write_text("Resources:\n" + function.format(name="First", handler="one"))
    before = template.load(path)
    path.write_text("Resources:\n" + function.format(name="First", handler="two")
                    + function.format(name="Second", handler="one"))
    after = template.load(path)

    async def main() -> tuple[str, str, str]:
        rt = Runtime(before)
        try:
            first = (await rt.invoke("First", b"{}")).json()
            rebuilt = asyncio.ensure_future(rebuild(rt, "First"))  # builds `before`'s spec
            await asyncio.sleep(0)  # it is in its build thread now
            update = asyncio.ensure_future(update_template(rt, after))
            while not update.done():  # Second is unknown until the update, then it runs
                with contextlib.suppress(ResourceNotFound):
                    await rt.invoke("Second", b"{}")
                await asyncio.sleep(0)
            await asyncio.gather(rebuilt, update)
            second = (await rt.invoke("Second", b"{}")).json()
            return first, second, (await rt.invoke("First", b"{}")).json()
        finally:
            await rt.close()

    assert asyncio.run(main()) == ("one", "one", "two")
