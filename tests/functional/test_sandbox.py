"""One environment = one sandbox, with real processes: the Runtime's own Python, only the
package on the path, nothing of the developer's shell, the whole process tree counted and
ended together, a /tmp of EphemeralStorage's size."""

from __future__ import annotations

import asyncio
import errno
import json
import sys
from pathlib import Path
from typing import Any

import psutil
import pytest

from tests.functional.test_runtime import event, wait_until
from workbench import template
from workbench.errors import WorkbenchError
from workbench.runtime import cgroups, interpreters
from workbench.runtime.pool import Runtime
from workbench.runtime.sandboxes import private_tmp_allowed
from workbench.runtime.types import FakeClock, InvocationResult

pytestmark = pytest.mark.functional
APPS = Path(__file__).parent / "apps"
needs_312 = pytest.mark.skipif(interpreters.find((3, 12)) is None,
                               reason="no Python 3.12 on this machine")


@pytest.fixture(scope="module")
def sandbox_template() -> template.Template:
    return template.load(APPS / "sandbox.yaml")


def view(result: InvocationResult) -> dict[str, Any]:
    assert result.function_error is None, result.payload
    seen: dict[str, Any] = json.loads(result.json()["body"])
    return seen


def gone(pid: int) -> bool:
    return not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE


def test_only_the_package_its_layers_and_the_runtime_are_importable(
        with_runtime: Any, sandbox_template: template.Template) -> None:
    async def body(rt: Runtime) -> InvocationResult:
        return await rt.invoke("Probe", event("sandbox"))

    seen = view(with_runtime(body, tpl=sandbox_template))
    importable = seen["importable"]
    assert importable["boto3"] and importable["botocore"] and importable["awslambdaric"]
    assert importable["pip"]  # Lambda's site-packages has the interpreter's own pip
    # All of these are in the workbench's virtualenv, none is in the function's package.
    assert not any(importable[name] for name in ("requests", "numpy", "fastapi", "workbench",
                                                 "psutil"))
    assert not [p for p in seen["sys_path"] if ".venv" in p or "site-packages" in p
                and "/python/lib/" not in p]
    # The task root, then each layer's site-packages and python folder (Lambda's order).
    if private_tmp_allowed():  # where Lambda has them (lambda_paths.py)
        assert seen["sys_path"][:3] == ["/var/task", "/opt/python/lib/python3.11/site-packages",
                                        "/opt/python"]
    else:  # as built (.aws-sam/build)
        assert seen["sys_path"][0].endswith(".aws-sam/build/Probe")
        assert seen["sys_path"][2].endswith(".aws-sam/build/SharedLayer/python")


@pytest.mark.skipif(not private_tmp_allowed(), reason="no mount namespace here (root on Linux)")
def test_the_package_is_where_lambda_has_it(with_runtime: Any,
                                            sandbox_template: template.Template) -> None:
    # /var/task and /opt, read-only, the layers extracted into /opt in order, a later one's
    # file replacing an earlier one's (packaging-layers.html); the host's /opt unseen.
    async def body(rt: Runtime) -> InvocationResult:
        return await rt.invoke("Probe", event("sandbox"))

    seen = view(with_runtime(body, tpl=sandbox_template))
    assert seen["cwd"] == seen["task_root"] == "/var/task"
    assert seen["file"] == "/var/task/app.py"
    assert seen["opt"] == ["bin", "python"]
    assert seen["layer_order"] == "the second layer"
    assert seen["tool"] == "/opt/bin/layer-tool"
    assert not seen["task_root_writable"]


def test_an_undeclared_dependency_fails_init_with_import_module_error(
        with_runtime: Any, sandbox_template: template.Template) -> None:
    async def body(rt: Runtime) -> InvocationResult:
        return await rt.invoke("Undeclared", event())

    result = with_runtime(body, tpl=sandbox_template)
    assert result.error_type == "Runtime.ImportModuleError"
    assert "No module named 'requests'" in result.json()["errorMessage"]
    assert result.mode == "build"


def test_dev_venv_mode_is_todays_unfaithful_behaviour(
        with_runtime: Any, sandbox_template: template.Template) -> None:
    async def body(rt: Runtime) -> InvocationResult:
        return await rt.invoke("Undeclared", event())

    result = with_runtime(body, tpl=sandbox_template, mode="dev-venv")
    assert result.function_error is None and result.mode == "dev-venv"
    assert result.python == "Python " + ".".join(map(str, sys.version_info[:3]))


@needs_312
def test_a_python312_function_runs_on_python_312(
        with_runtime: Any, sandbox_template: template.Template) -> None:
    async def body(rt: Runtime) -> InvocationResult:
        return await rt.invoke("Probe312", event("sandbox"))

    result = with_runtime(body, tpl=sandbox_template)
    assert view(result)["python"][:2] == [3, 12]
    assert result.python.startswith("Python 3.12.")


def test_a_missing_interpreter_runs_on_the_nearest_with_a_warning_or_fails_when_strict(
        tmp_path: Path) -> None:
    installed = interpreters.installed_versions()
    missing = next((v for v in ((3, 14), (3, 9)) if v not in installed), None)
    if missing is None or not installed:
        pytest.skip("every Python 3.9-3.14 is installed here")
    runtime = f"python{missing[0]}.{missing[1]}"
    (tmp_path / "template.yaml").write_text(
        "Resources:\n  Fn:\n    Type: AWS::Serverless::Function\n"
        f"    Properties: {{CodeUri: {APPS / 'behaviours'}, Handler: app.handler,"
        f" Runtime: {runtime}, Layers: []}}\n")
    choice = interpreters.choose(runtime)
    assert choice.warning is not None and runtime in choice.warning
    assert choice.interpreter.minor != missing
    with pytest.raises(WorkbenchError, match=f"no Python {missing[0]}.{missing[1]}"):
        Runtime(template.load(tmp_path / "template.yaml"), strict_runtime=True)


def test_the_developers_shell_does_not_leak_in(
        with_runtime: Any, sandbox_template: template.Template,
        monkeypatch: pytest.MonkeyPatch) -> None:
    # Exported in the workbench's own environment before it starts its fork servers.
    monkeypatch.setenv("WORKBENCH_TEST_SECRET", "hunter2")
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", "http://127.0.0.1:4566")

    async def body(rt: Runtime) -> InvocationResult:
        return await rt.invoke("Probe", event("sandbox"))

    seen = view(with_runtime(body, tpl=sandbox_template))
    assert "WORKBENCH_TEST_SECRET" not in seen["environ"]
    assert "WORKBENCH_TEST_SECRET" not in seen["environ_block"]  # /proc/self/environ
    assert "AWS_ENDPOINT_URL_S3" in seen["environ"]  # passed on purpose (README)
    # Only stdio and the runtime client's own connection to its Runtime API.
    fds = seen["fds"]
    assert fds["0"] == "/dev/null" and fds["1"] == fds["2"] and fds["1"].startswith("pipe:")
    others = {fd: target for fd, target in fds.items() if fd not in ("0", "1", "2")}
    assert all(t.startswith(("socket:", "/proc/")) for t in others.values()), others


@pytest.mark.parametrize("then, error_type", [
    ("hang", "Sandbox.Timedout"),  # the environment times out
    ("exit", "Runtime.ExitError"),  # its runtime process dies
    (None, None),  # it is stopped when the runtime shuts down
])
def test_a_detached_child_ends_with_its_environment(
        with_runtime: Any, sandbox_template: template.Template, then: str | None,
        error_type: str | None) -> None:
    clock = FakeClock()

    async def body(rt: Runtime) -> tuple[int, InvocationResult | None]:
        # A grandchild in a session of its own, its parent gone: a process-group kill
        # misses it, and it is nobody's child but init's (or a subreaper's).
        pid = int(view(await rt.invoke("Probe", event("detach")))["pid"])
        assert psutil.pid_exists(pid) and not gone(pid)
        if then is None:
            return pid, None
        call = asyncio.ensure_future(rt.invoke("Probe", event(then)))
        if then == "hang":
            await wait_until(lambda: clock.sleepers > 0)
            clock.advance(3.0)
        return pid, await call

    pid, result = with_runtime(body, tpl=sandbox_template, clock=clock)
    assert (result.error_type if result else None) == error_type
    assert gone(pid)


def test_a_child_allocating_past_memory_size_is_out_of_memory(
        with_runtime: Any, sandbox_template: template.Template) -> None:
    if not cgroups.available():
        pytest.skip("no cgroups here: memory is the runtime process's only")

    async def body(rt: Runtime) -> InvocationResult:
        return await rt.invoke("Probe", event("child-memory", mb=400, seconds=2.5))

    result = with_runtime(body, tpl=sandbox_template)
    assert result.error_type == "Runtime.OutOfMemory"
    assert "Max Memory Used: 256 MB" in result.logs


def test_a_write_past_ephemeral_storage_fails(
        with_runtime: Any, sandbox_template: template.Template) -> None:
    async def body(rt: Runtime) -> InvocationResult:
        return await rt.invoke("Probe", event("write-tmp", mb=600))

    result = with_runtime(body, tpl=sandbox_template)
    if private_tmp_allowed():  # the kernel refuses the write, as on Lambda
        assert json.loads(result.json()["body"])["errno"] == errno.ENOSPC
    else:
        assert result.error_type == "Workbench.EphemeralStorageExceeded"


def test_tmp_is_the_environments_own_and_sized_by_ephemeral_storage(
        with_runtime: Any, sandbox_template: template.Template) -> None:
    if not private_tmp_allowed():
        pytest.skip("no mount namespaces here: /tmp is a TMPDIR of its own")

    async def body(rt: Runtime) -> dict[str, Any]:
        return view(await rt.invoke("Probe", event("sandbox")))

    seen = with_runtime(body, tpl=sandbox_template)
    assert seen["tmpdir"] == "/tmp" and seen["tmp_size_mb"] == 512


LINKED_MODEL_APP = """
import os

WEIGHTS = os.path.join(os.path.dirname(__file__), "model", "weights.txt")


def handler(event, context):
    with open(WEIGHTS) as weights:
        text = weights.read()
    try:
        open(WEIGHTS, "a").close()
        refused = None
    except OSError as error:
        refused = error.errno
    return {"weights": text, "refused": refused}
"""


def test_a_model_linked_from_under_tmp_is_seen_read_only(
        with_runtime: Any, tmp_path: Path) -> None:
    """The default model is a link from the package into the cache; with the cache under
    /tmp (WORKBENCH_CACHE), the environment's private /tmp must not hide it."""
    model = tmp_path / "cache" / "models" / "ner-1234"
    model.mkdir(parents=True)
    (model / "weights.txt").write_text("learned")
    code = tmp_path / "code"
    code.mkdir()
    (code / "app.py").write_text(LINKED_MODEL_APP)
    (code / "model").symlink_to(model, target_is_directory=True)
    (tmp_path / "template.yaml").write_text(
        "Resources:\n  Fn:\n    Type: AWS::Serverless::Function\n"
        f"    Properties: {{CodeUri: {code}, Handler: app.handler, Runtime: python3.11}}\n")

    async def body(rt: Runtime) -> InvocationResult:
        return await rt.invoke("Fn", event())

    result = with_runtime(body, tpl=template.load(tmp_path / "template.yaml"),
                          mode="dev-venv")
    assert result.function_error is None, result.payload
    seen = result.json()
    assert seen["weights"] == "learned"
    if private_tmp_allowed():  # mounted read-only, as Lambda's /var/task is
        assert seen["refused"] == errno.EROFS


@pytest.fixture
def marker(workbench_shared_path: Path) -> Path:
    """A path both INIT attempts see: /tmp is each process tree's own."""
    return workbench_shared_path / "marker"


def test_an_init_over_ten_seconds_is_retried_within_the_function_timeout(
        with_runtime: Any, sandbox_template: template.Template, marker: Path) -> None:
    """INIT hangs the first time only: the Init phase is cut at 10 s, then INIT runs again
    inside the invocation and the call succeeds (Init Duration is then part of Duration)."""
    clock = FakeClock()

    async def body(rt: Runtime) -> InvocationResult:
        call = asyncio.ensure_future(rt.invoke("Probe", event(), request_id="req-retry"))
        await wait_until(lambda: marker.exists() and clock.sleepers > 0)  # INIT is hanging
        clock.advance(10.0)
        return await call

    result = with_runtime(body, tpl=sandbox_template, clock=clock, extra_env={
        "BEHAVIOURS_INIT": "hang-once", "BEHAVIOURS_MARKER": str(marker)})
    assert result.function_error is None and result.cold
    lines = result.logs.splitlines()
    (init_report,) = [line for line in lines if line.startswith("INIT_REPORT")]
    assert init_report.endswith("\tPhase: init\tStatus: timeout")
    assert lines.index(init_report) < lines.index("START RequestId: req-retry Version: $LATEST")
    assert lines.count("INIT: behaviours loaded") == 2  # the module ran twice, as on Lambda
    (report,) = [line for line in lines if line.startswith("REPORT")]
    assert "Init Duration" not in report and "Status" not in report


# A second local process, speaking the Runtime API to an environment's port.
INTRUDER = """
import http.client, json, sys
address, what, request_id = sys.argv[1], sys.argv[2], sys.argv[3]
paths = {"next": ("GET", "/2018-06-01/runtime/invocation/next", None),
         "response": ("POST", f"/2018-06-01/runtime/invocation/{request_id}/response",
                      b'{"statusCode": 200, "body": "forged"}'),
         "init-error": ("POST", "/2018-06-01/runtime/init/error",
                        b'{"errorType": "Forged", "errorMessage": "forged"}')}
method, path, body = paths[what]
try:
    connection = http.client.HTTPConnection(address, timeout=10)
    connection.request(method, path, body=body, headers={
        "Lambda-Runtime-Function-Error-Type": "Forged"})
    answer = connection.getresponse()
    print(json.dumps({"status": answer.status, "body": answer.read().decode()}))
except (OSError, http.client.HTTPException) as error:
    print(json.dumps({"refused": type(error).__name__}))
"""


async def intrude(rt: Runtime, what: str, request_id: str = "-") -> dict[str, Any]:
    (address,) = [e["runtime_api"] for e in rt.environments()]
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", INTRUDER, address, what, request_id,
        stdout=asyncio.subprocess.PIPE)
    out, _ = await process.communicate()
    answer: dict[str, Any] = json.loads(out)
    return answer


@pytest.mark.parametrize("phase", ["idle", "in flight", "init"])
def test_only_the_environment_reaches_its_runtime_api(
        with_runtime: Any, sandbox_template: template.Template, phase: str) -> None:
    """The intruder gets no event, and cannot post a response or an init error."""
    clock = FakeClock()

    async def body(rt: Runtime) -> tuple[dict[str, Any], InvocationResult]:
        if phase == "idle":
            await rt.invoke("Probe", event())
            seen = await intrude(rt, "next")  # would take the next invocation's event
            return seen, await rt.invoke("Probe", event(), request_id="req-real")
        if phase == "in flight":
            call = asyncio.ensure_future(rt.invoke("Probe", event("work", seconds=1.0),
                                                   request_id="req-real"))
            await wait_until(lambda: any(e["state"] == "busy" for e in rt.environments()))
            return await intrude(rt, "response", "req-real"), await call
        call = asyncio.ensure_future(rt.invoke("Probe", event(), request_id="req-real"))
        await wait_until(lambda: rt.environments() and rt.environments()[0]["runtime_api"])
        seen = await intrude(rt, "init-error")
        assert rt.environments()[0]["state"] == "starting"
        await wait_until(lambda: clock.sleepers > 0)
        clock.advance(10.0)
        await wait_until(lambda: clock.sleepers > 0)
        clock.advance(3.0)
        return seen, await call

    options: dict[str, Any] = {"extra_env": {"BEHAVIOURS_INIT": "hang"}, "clock": clock} \
        if phase == "init" else {}
    seen, result = with_runtime(body, tpl=sandbox_template, **options)
    assert "refused" in seen, seen
    if phase == "init":  # its own INIT timed out: the forged init error never counted
        assert result.error_type == "Sandbox.Timedout" and "Forged" not in result.logs
    else:
        assert result.function_error is None and b"forged" not in result.payload
        assert result.request_id == "req-real"
