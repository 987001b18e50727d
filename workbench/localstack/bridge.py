"""One LocalStack execution environment, run by the workbench's own runtime.

Started by the `workbench` runtime executor inside LocalStack (localstack/executor/) as
`python -m workbench.localstack.bridge`, with its configuration in $WORKBENCH_BRIDGE. It
runs the function in a workbench `Environment` (the dev server's runtime: awslambdaric,
timeout, memory limit, START/END/REPORT) and speaks LocalStack's init protocol:

- prints `{"port": N}` on its first stdout line, then serves `POST /invoke` there;
- after INIT, `POST {endpoint}/status/{id}/ready` (or `/status/{id}/error` and exit);
- per invoke, answers 200 at once, then posts the logs and then the response or error to
  `{endpoint}/invocations/{request id}/...`, as LocalStack's own init does.

A function that crashes, times out or runs out of memory gets a fresh environment on the
next invoke (a cold start with its Init Duration), as on Lambda; an INIT that fails there is
retried inside the invocation, as Lambda does. The environment runs on the function's
Runtime's interpreter with only its package, layers and the runtime's libraries on the path,
or on the workbench's virtualenv (WORKBENCH_DEV_VENV, passed on by the executor). It ends on
SIGTERM, or when its stdin closes (LocalStack is gone), stopping its environment first.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sys
from pathlib import Path
from typing import Any

import httpx
from watchfiles import awatch

from workbench import config as workbench_config
from workbench.runtime.environment import Environment
from workbench.runtime.placement import Placement, place
from workbench.runtime.sandboxes import SandboxHost
from workbench.runtime.types import InitError
from workbench.template import FunctionSpec

CONFIG_VARIABLE = "WORKBENCH_BRIDGE"


def function_spec(config: dict[str, Any]) -> tuple[FunctionSpec, dict[str, str]]:
    """The function as the workbench runs it, and LocalStack's variables for it."""
    env: dict[str, str] = config["env"]
    spec = FunctionSpec(
        name=env["AWS_LAMBDA_FUNCTION_NAME"], handler=config["handler"],
        runtime=config["runtime"], code_uri=Path(config["code"]),
        memory_mb=int(config["memory_mb"]), timeout_s=float(config["timeout_s"]),
        layers=tuple(Path(layer) for layer in config["layers"]))
    return spec, env


class Bridge:
    def __init__(self, placement: Placement, env: dict[str, str]) -> None:
        self.placement = placement
        self.spec = placement.spec
        self.env = env
        self.host = SandboxHost()
        self.region = env.get("AWS_REGION", "us-east-1")
        self.account = env.get("LOCALSTACK_FUNCTION_ACCOUNT_ID", "000000000000")
        # $LOCALSTACK_RUNTIME_ENDPOINT is http://host:port/_localstack_lambda/<runtime id>
        self.callbacks = env["LOCALSTACK_RUNTIME_ENDPOINT"]
        self.runtime_id = env["LOCALSTACK_RUNTIME_ID"]
        self.client = httpx.AsyncClient(trust_env=False, timeout=30.0)  # never a proxy
        self.environment: Environment | None = None
        self.stale = False  # hot reload: the code changed since this environment's INIT
        self.busy = asyncio.Lock()
        self.tasks: set[asyncio.Task[None]] = set()

    def _new_environment(self) -> Environment:
        return Environment(self.placement, region=self.region, account_id=self.account,
                           extra_env=self.env, host=self.host)

    async def init(self) -> bool:
        """The first INIT, reported to LocalStack as ready or error."""
        self.environment = self._new_environment()
        try:
            await self.environment.start()
        except InitError as error:
            sys.stdout.write(error.logs)
            await self._post(f"/status/{self.runtime_id}/error", error.document)
            return False
        await self._post(f"/status/{self.runtime_id}/ready", b"{}")
        return True

    def accept(self, body: bytes) -> None:
        invoke = json.loads(body)
        task = asyncio.ensure_future(self._invoke(invoke))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _invoke(self, invoke: dict[str, Any]) -> None:
        request_id = invoke["invoke-id"]
        async with self.busy:
            if self.stale and self.environment is not None:
                await self.environment.stop()
            if self.environment is None or self.environment.state == "dead" or self.stale:
                self.stale = False
                self.environment = self._new_environment()
                with contextlib.suppress(InitError):
                    await self.environment.start()  # a failed INIT is retried in the invoke
            result = await self.environment.invoke(invoke["payload"].encode(),
                                                   request_id=request_id,
                                                   trace=invoke.get("trace-id"))
        sys.stdout.write(result.logs)
        sys.stdout.flush()
        # LocalStack attaches the logs it holds when the result arrives: logs go first.
        await self._post_logs(request_id, result.logs)
        outcome = "error" if result.function_error else "response"
        await self._post(f"/invocations/{request_id}/{outcome}", result.payload)

    async def watch_code(self) -> None:
        """LocalStack's hot-reload bucket runs a folder in place; a change in it (or in a
        layer) means the next invoke gets a fresh environment, as LocalStack's init does."""
        async for _ in awatch(*self.spec.watched_paths, debounce=200, step=50):
            self.stale = True

    async def _post(self, path: str, body: bytes) -> None:
        await self.client.post(self.callbacks + path, content=body)

    async def _post_logs(self, request_id: str, logs: str) -> None:
        await self.client.post(f"{self.callbacks}/invocations/{request_id}/logs",
                               json={"logs": logs})  # LocalStack requires the JSON type

    async def close(self) -> None:
        for task in list(self.tasks):
            task.cancel()
        if self.environment is not None:
            await self.environment.stop()
        await self.host.close()
        await self.client.aclose()


async def serve_invokes(bridge: Bridge, reader: asyncio.StreamReader,
                        writer: asyncio.StreamWriter) -> None:
    """LocalStack's side of the protocol is `requests.post(.../invoke, json=...)`: plain
    HTTP/1.1 with a Content-Length, on a connection it may keep alive."""
    try:
        while True:
            head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
            request_line, *header_lines = head.split("\r\n")
            method, path, _ = request_line.split(" ", 2)
            length = 0
            for line in header_lines:
                name, _, value = line.partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value)
            body = await reader.readexactly(length)
            status = b"404 Not Found"
            if method == "POST" and path == "/invoke":
                try:
                    bridge.accept(body)
                    status = b"200 OK"
                except (ValueError, KeyError, TypeError):
                    status = b"400 Bad Request"
            writer.write(b"HTTP/1.1 " + status + b"\r\nContent-Length: 0\r\n\r\n")
            await writer.drain()
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError,
            ValueError):
        pass  # the peer closed or spoke something else: drop the connection
    finally:
        writer.close()


async def main() -> int:
    config = json.loads(os.environ[CONFIG_VARIABLE])
    spec, env = function_spec(config)
    settings = workbench_config.settings()  # WORKBENCH_* passed on by the executor
    placement = place(spec, settings.mode, strict=settings.strict_runtime,
                      say=lambda line: print(line, file=sys.stderr))
    bridge = Bridge(placement, env)
    if config.get("hot_reload"):
        bridge.tasks.add(asyncio.ensure_future(bridge.watch_code()))
    server = await asyncio.start_server(
        lambda reader, writer: serve_invokes(bridge, reader, writer), "127.0.0.1", 0)
    print(json.dumps({"port": server.sockets[0].getsockname()[1]}), flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    # stdin is a pipe from LocalStack: end of file means LocalStack is gone.
    gone = loop.run_in_executor(None, sys.stdin.buffer.read)
    gone.add_done_callback(lambda _: stop.set())
    try:
        if await bridge.init():
            await stop.wait()
    finally:
        server.close()
        await bridge.close()
    os._exit(0)  # the stdin reader thread cannot be joined; nothing is left to flush


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
