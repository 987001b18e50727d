"""One execution environment: an OS process running the handler under awslambdaric.

INIT happens in `start()` (a fresh process imports the handler; Init Duration is the time
to its first `/invocation/next`). `invoke()` hands one event to the runtime and waits for
its answer, a timeout, a crash or the memory limit, whichever comes first. After a
timeout, crash or OOM the environment is dead, as on Lambda; the next call is cold.
"""

from __future__ import annotations

import asyncio
import itertools
import shutil
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from workbench.config import DEFAULT_ACCOUNT_ID, DEFAULT_REGION
from workbench.runtime import errors, logs
from workbench.runtime.api import NextEvent, Outcome, RuntimeApiServer
from workbench.runtime.descriptors import NoDescriptors, exhausted
from workbench.runtime.environ import lambda_environment, log_stream_name
from workbench.runtime.memory import MemoryWatch
from workbench.runtime.output import LogBuffer
from workbench.runtime.process import (
    OutputReader,
    Process,
    Spawner,
    SubprocessSpawner,
    exit_description,
    kill,
)
from workbench.runtime.types import Clock, InitError, InvocationResult, RealClock
from workbench.template import FunctionSpec

# Lambda gives INIT 10 s for on-demand functions before it retries INIT inside the first
# invoke under the function timeout; a local run simply allows the longer of the two.
INIT_LIMIT_S = 10.0
_ids = itertools.count(1)


class Environment:
    def __init__(self, spec: FunctionSpec, *, clock: Clock | None = None,
                 region: str = DEFAULT_REGION, account_id: str = DEFAULT_ACCOUNT_ID,
                 extra_env: dict[str, str] | None = None,
                 on_log: Callable[[str], None] | None = None,
                 on_change: Callable[[Environment], None] | None = None,
                 spawner: Spawner | None = None, provisioned: bool = False) -> None:
        self.spec = spec
        self.id = f"{spec.name}-{next(_ids)}"
        self.clock = clock or RealClock()
        self.region = region
        name = spec.function_name or spec.name
        self.arn = f"arn:aws:lambda:{region}:{account_id}:function:{name}"
        self.extra_env = extra_env or {}
        self.on_log = on_log
        self.on_change = on_change  # told when INIT starts, when it succeeds, and on death
        self.spawner = spawner or SubprocessSpawner()
        self.provisioned = provisioned
        self.state = "new"  # new -> starting -> idle <-> busy -> dead
        self.pid: int | None = None
        self.init_duration_ms: float | None = None
        self.invocations = 0
        self.started_at = time.time()
        self.last_used = self.clock.now()
        self.max_memory_mb = 0
        self.retired = False  # hot reload: stop after the current invocation
        self.log_stream = log_stream_name()
        self._server = RuntimeApiServer()
        self._buffer = LogBuffer()
        self._process: Process | None = None
        self._exit: asyncio.Task[int] | None = None
        self._reader: OutputReader | None = None
        self._memory: MemoryWatch | None = None
        self._tmp: Path | None = None
        self._cold_pending = not provisioned

    # -- lifecycle ---------------------------------------------------------------------

    async def start(self) -> None:
        """Run INIT; raise InitError (environment dead) if it fails, or NoDescriptors, with
        nothing left behind, if the process has no descriptor left for a socket or pipe."""
        self._set_state("starting")
        try:
            started = await self._launch()
        except OSError as failure:
            await self._die()
            if exhausted(failure):
                raise NoDescriptors(self.spec.name) from None
            raise
        assert self._exit is not None and self._memory is not None
        state = self._server.state
        init_error = state.expect("")
        ready = asyncio.ensure_future(state.polled.wait())
        stop_waiting = self._give_up_on(init_error, max(INIT_LIMIT_S, self.spec.timeout_s))
        try:
            waits: set[asyncio.Future[Any]] = {ready, init_error}
            done, _ = await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        finally:
            ready.cancel()
            stop_waiting()
            state.forget("")
        self.init_duration_ms = (time.perf_counter() - started) * 1000
        self._memory.unwatch()
        if ready in done and not self._exit.done():
            self.last_used = self.clock.now()
            self._set_state("idle")
            return
        if init_error in done and (outcome := init_error.result()) is not None:
            error = errors.from_document(outcome.body)
        elif self._exit.done():
            error = errors.exit_error(None, exit_description(self._exit.result()),
                                      self._memory.exceeded)
        else:
            error = errors.timeout_error(None, max(INIT_LIMIT_S, self.spec.timeout_s))
        await self._die()
        raise InitError(error.error_type or "Runtime.Unknown", error.message, error.document,
                        self._buffer.take(), self.init_duration_ms)

    async def _launch(self) -> float:
        """Everything INIT needs: the Runtime API, /tmp, the output pipe, the process and
        its memory watch. Returns when the process was spawned (INIT's start)."""
        await self._server.start()
        # (templates, #14) a nested stack's function is "Child/Function": no "/" in a name.
        self._tmp = Path(tempfile.mkdtemp(prefix=f"workbench-{self.id.replace('/', '-')}-"))
        env = lambda_environment(self.spec, runtime_api=self._server.address, region=self.region,
                                 tmp=self._tmp, log_stream=self.log_stream,
                                 extra=self.extra_env,
                                 init_type="provisioned-concurrency" if self.provisioned
                                 else "on-demand")
        self._reader = OutputReader(self._buffer.write)
        started = time.perf_counter()
        try:
            self._process = await self.spawner.spawn(
                self.spec.handler, env=env, cwd=self.spec.code_uri,
                output_fd=self._reader.write_fd)
        finally:
            self._reader.close_write_end()
        self.pid = self._process.pid
        self._exit = asyncio.ensure_future(self._process.wait())
        self._memory = MemoryWatch(self._process.pid, self.spec.memory_mb, self._on_oom)
        return started

    async def stop(self) -> None:
        await self._die()

    async def _die(self) -> None:
        if self.state != "dead":
            self._set_state("dead")
        if self._memory is not None:
            self._memory.stop()
        if self._process is not None:
            kill(self._process)
            if self._exit is not None:
                await asyncio.shield(self._exit)
        if self._reader is not None:
            self._reader.drain()
            self._reader.close()
        await self._server.close()
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None

    def _set_state(self, state: str) -> None:
        """A lifecycle change (not busy <-> idle, the warm path): tell whoever watches."""
        self.state = state
        if self.on_change is not None:
            self.on_change(self)

    def _on_oom(self) -> None:
        if self._process is not None:
            kill(self._process)

    # -- invoke ------------------------------------------------------------------------

    async def invoke(self, payload: bytes, *, request_id: str | None = None,
                     client_context: str | None = None) -> InvocationResult:
        assert self.state == "idle" and self._exit is not None and self._memory is not None
        self.state = "busy"
        request_id = request_id or str(uuid.uuid4())
        cold, self._cold_pending = self._cold_pending, False
        init_output = self._buffer.take()
        deadline_ms = int((time.time() + self.spec.timeout_s) * 1000)
        self._memory.watch()
        state = self._server.state
        answer = state.expect(request_id)
        started = time.perf_counter()  # durations are measured; the clock only sets deadlines
        state.offer(NextEvent(request_id, payload, deadline_ms, self.arn,
                              client_context=client_context))
        stop_waiting = self._give_up_on(answer, self.spec.timeout_s)
        try:
            outcome = await answer
        finally:
            stop_waiting()
            state.forget(request_id)
        duration_ms = (time.perf_counter() - started) * 1000
        self._memory.unwatch()
        if self._reader is not None:
            self._reader.drain()
        result = self._judge(request_id, outcome)
        self.max_memory_mb = max(self.max_memory_mb, self._memory.peak_mb())
        if result.error_type in errors.FATAL:
            await self._die()
        else:
            self.state = "idle"
        self.invocations += 1
        self.last_used = self.clock.now()
        if result.error_type == "Runtime.OutOfMemory":
            # Lambda reports the limit as Max Memory Used when it kills for memory.
            self.max_memory_mb = max(self.max_memory_mb, self.spec.memory_mb)
        return self._result(request_id, result, duration_ms, cold, init_output)

    def _give_up_on(self, answer: asyncio.Future[Outcome | None],
                    timeout_s: float) -> Callable[[], None]:
        """Resolve `answer` with None if the process exits or `timeout_s` passes first;
        returns what stops watching."""
        exit_ = self._exit
        assert exit_ is not None

        def give_up(*_: object) -> None:
            if not answer.done():
                answer.set_result(None)

        exit_.add_done_callback(give_up)
        timer = self.clock.call_later(timeout_s, give_up)

        def stop() -> None:
            timer.cancel()
            exit_.remove_done_callback(give_up)

        return stop

    def _judge(self, request_id: str, outcome: Outcome | None) -> errors.Verdict:
        """What the invocation came to: its answer, a crash, the memory limit or the timeout."""
        assert self._exit is not None and self._memory is not None
        if self._memory.check_peak():
            if self._process is not None:
                kill(self._process)
            return errors.exit_error(request_id, "signal: killed", oom=True)
        if outcome is not None:
            return errors.from_outcome(outcome)
        if self._exit.done():
            return errors.exit_error(request_id, exit_description(self._exit.result()),
                                     self._memory.exceeded)
        return errors.timeout_error(request_id, self.spec.timeout_s)

    def _result(self, request_id: str, verdict: errors.Verdict, duration_ms: float, cold: bool,
                init_output: str) -> InvocationResult:
        init_ms = self.init_duration_ms if cold else None
        lines = [init_output] if init_output else []
        lines.append(logs.start_line(request_id) + "\n")
        lines.append(self._buffer.take())
        if verdict.log_line:
            lines.append(verdict.log_line + "\n")
        lines.append(logs.end_line(request_id) + "\n")
        lines.append(logs.report_line(request_id, duration_ms, self.spec.memory_mb,
                                      self.max_memory_mb, init_ms) + "\n")
        text = "".join(lines)
        if self.on_log is not None:
            self.on_log(text)
        return InvocationResult(
            request_id=request_id, payload=verdict.document,
            function_error=verdict.function_error, error_type=verdict.error_type,
            duration_ms=duration_ms, init_duration_ms=init_ms,
            max_memory_used_mb=self.max_memory_mb, memory_size_mb=self.spec.memory_mb,
            cold=cold, logs=text, environment_id=self.id, function=self.spec.name)

    def describe(self) -> dict[str, object]:
        return {
            "id": self.id, "function": self.spec.name, "pid": self.pid, "state": self.state,
            "provisioned": self.provisioned, "init_duration_ms": self.init_duration_ms,
            "started_at": self.started_at, "invocations": self.invocations,
            "max_memory_used_mb": self.max_memory_mb, "memory_size_mb": self.spec.memory_mb,
            "log_stream": self.log_stream,
        }

