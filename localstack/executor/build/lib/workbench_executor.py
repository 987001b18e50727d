"""A LocalStack Lambda runtime executor whose environments are Lambda Workbench's own.

Runs inside LocalStack's interpreter (Python >= 3.12, LocalStack's virtualenv). Each
LocalStack execution environment becomes one bridge process on the workbench's Python 3.11
virtualenv (`python -m workbench.localstack.bridge`), which runs the function in a workbench
environment (awslambdaric, limits, START/END/REPORT logs) and speaks LocalStack's init
protocol: it serves `POST /invoke` and calls back on LocalStack's executor endpoint.

This module only starts, watches and stops bridges; it imports nothing from the workbench.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
from collections import deque
from pathlib import Path

from localstack import config
from localstack.services.lambda_.invocation.executor_endpoint import (
    ExecutorEndpoint,
    StatusErrorException,
)
from localstack.services.lambda_.invocation.lambda_models import (
    FunctionVersion,
    InvocationResult,
)
from localstack.services.lambda_.invocation.plugins import RuntimeExecutorPlugin
from localstack.services.lambda_.invocation.runtime_executor import (
    LambdaRuntimeException,
    RuntimeExecutor,
)

# Set by `workbench localstack start`: the workbench virtualenv's interpreter.
PYTHON_VARIABLE = "WORKBENCH_PYTHON"
# Container paths LocalStack sets for its Docker images; the bridge sets the real ones.
CONTAINER_ONLY = ("LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR", "AWS_EXECUTION_ENV",
                  "LOCALSTACK_USER", "LOCALSTACK_INIT_LOG_LEVEL")
OUTPUT_LINES = 2000
STOP_GRACE_S = 5.0


class WorkbenchExecutorPlugin(RuntimeExecutorPlugin):
    name = "workbench"

    def load(self, *args: object, **kwargs: object) -> type[RuntimeExecutor]:
        return WorkbenchRuntimeExecutor


class WorkbenchRuntimeExecutor(RuntimeExecutor):
    def __init__(self, id: str, function_version: FunctionVersion) -> None:
        super().__init__(id, function_version)
        self.endpoint = ExecutorEndpoint(id, container_address="127.0.0.1", container_port=None)
        self.process: subprocess.Popen[bytes] | None = None
        self.output: deque[str] = deque(maxlen=OUTPUT_LINES)
        self.stopping = False

    # -- lifecycle: start returns once INIT is done, as LocalStack expects -------------

    def start(self, env_vars: dict[str, str]) -> None:
        self.endpoint.start()
        python = os.environ.get(PYTHON_VARIABLE)
        if not python or not Path(python).exists():
            raise LambdaRuntimeException(
                f"{PYTHON_VARIABLE} is not set to the workbench's Python: start LocalStack "
                "with `workbench localstack start`")
        code = self.function_version.config.code
        layers = [str(layer.code.get_unzipped_code_location())
                  for layer in self.function_version.config.layers if layer.code]
        bridge = {
            "handler": self.function_version.config.handler,
            "code": str(code.get_unzipped_code_location()),
            "layers": layers,
            "runtime": str(self.function_version.config.runtime),
            "memory_mb": int(self.function_version.config.memory_size),
            "timeout_s": int(self.function_version.config.timeout),
            "hot_reload": code.is_hot_reloading(),
            "env": {key: str(value) for key, value in env_vars.items()
                    if key not in CONTAINER_ONLY},
        }
        # A clean environment: never LocalStack's PATH (its virtualenv's python first). The
        # workbench's own settings (WORKBENCH_*: how functions run, its cache) pass on.
        env = {key: value for key, value in os.environ.items()
               if key.startswith("WORKBENCH_") and key != PYTHON_VARIABLE}
        env.update({"PATH": "/usr/local/bin:/usr/bin:/bin",
                    "HOME": os.environ.get("HOME", "/tmp"),
                    "LANG": os.environ.get("LANG", "C.UTF-8"),
                    "WORKBENCH_BRIDGE": json.dumps(bridge)})
        # stdin stays open for the bridge's lifetime: its EOF tells the bridge LocalStack
        # is gone, however it went (a parent-death signal would follow this thread instead).
        self.process = subprocess.Popen(
            [python, "-m", "workbench.localstack.bridge"], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=bridge["code"],
            env=env, start_new_session=True)
        assert self.process.stdout is not None
        first = self.process.stdout.readline().decode("utf-8", "replace")
        try:
            self.endpoint.container_port = int(json.loads(first)["port"])
        except (ValueError, KeyError, TypeError):
            self.output.append(first)
            self.stop()
            raise LambdaRuntimeException(f"workbench bridge failed to start: {first.strip()}")
        threading.Thread(target=self._watch, name=f"workbench-{self.id}", daemon=True).start()
        self.endpoint.wait_for_startup()

    def stop(self) -> None:
        self.stopping = True
        process = self.process
        if process is not None and process.poll() is None:
            if process.stdin is not None:
                process.stdin.close()
            process.terminate()
            try:
                process.wait(STOP_GRACE_S)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        try:
            self.endpoint.shutdown()
        except Exception:  # LocalStack's own shutdown may already have unregistered it
            pass

    def _watch(self) -> None:
        """Keep the bridge's output; when it dies, fail what waits on it at once
        (LocalStack would otherwise wait ~905 s for a response that cannot come)."""
        assert self.process is not None and self.process.stdout is not None
        for line in self.process.stdout:
            self.output.append(line.decode("utf-8", "replace"))
        code = self.process.wait()
        if self.stopping:
            return
        # An exception makes LocalStack stop this environment and start a fresh one for the
        # next invoke; function crashes never get here (the bridge survives them).
        error = LambdaRuntimeException(
            f"workbench environment {self.id} exited unexpectedly (exit code {code})")
        startup = self.endpoint.startup_future
        if startup is not None and not startup.done():
            startup.set_exception(StatusErrorException(str(error), payload=str(error).encode()))
        pending = self.endpoint.invocation_future
        if pending is not None and not pending.done():
            pending.set_exception(error)

    # -- invoke ------------------------------------------------------------------------

    def invoke(self, payload: dict[str, str]) -> InvocationResult:
        if self.process is None or self.process.poll() is not None:
            raise LambdaRuntimeException(f"workbench environment {self.id} is not running")
        return self.endpoint.invoke(payload)

    def get_logs(self) -> str:
        return "".join(self.output)

    # -- addresses: everything is on this host -----------------------------------------

    def get_address(self) -> str:
        return "127.0.0.1"

    def get_endpoint_from_executor(self) -> str:
        return "127.0.0.1"

    def get_runtime_endpoint(self) -> str:
        port = config.GATEWAY_LISTEN[0].port
        return f"http://127.0.0.1:{port}{self.endpoint.get_endpoint_prefix()}"

    # -- versions: unzip code and layers where the bridge can read them ----------------

    @classmethod
    def prepare_version(cls, function_version: FunctionVersion) -> None:
        if function_version.config.code:
            function_version.config.code.prepare_for_execution()
        # LocalStack community stores layers but applies none itself; the bridge puts them
        # on the path as Lambda does with /opt.
        for layer in function_version.config.layers:
            if layer.code:
                layer.code.prepare_for_execution()

    @classmethod
    def cleanup_version(cls, function_version: FunctionVersion) -> None:
        pass  # LocalStack removes the unzipped code with the version itself

    @classmethod
    def validate_environment(cls) -> bool:
        return bool(os.environ.get(PYTHON_VARIABLE))
