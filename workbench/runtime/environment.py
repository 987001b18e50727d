"""One execution environment: a sandbox, and in it a process running the handler under
awslambdaric.

INIT happens in `start()`: a fresh process imports the handler; Init Duration is the time to
its first `/invocation/next`. `invoke()` hands one event to the runtime and waits for its
answer, a timeout, a crash or the memory limit, whichever comes first. After a timeout,
crash or OOM the environment is dead, as on Lambda; the next call is cold.

INIT as Lambda runs it for on-demand functions: "The Init phase is limited to 10 seconds.
If all three tasks do not complete within 10 seconds, Lambda retries the Init phase at the
time of the first function invocation with the configured function timeout." (AWS Lambda
Developer Guide, "Understanding the Lambda execution environment lifecycle"). A failed
INIT (error, crash or timeout) logs its INIT_REPORT line and leaves the environment with
`init_failure` set; its first `invoke()` runs INIT again in a fresh process and then the
call, both within the function's timeout, and reports no Init Duration (it is part of the
invocation's Duration). With provisioned concurrency INIT may take "130 seconds or the
configured function timeout (maximum 900 seconds), whichever is higher" and is not retried.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Callable
from typing import Any

from workbench import ids
from workbench.config import DEFAULT_ACCOUNT_ID, DEFAULT_REGION
from workbench.runtime import errors, lambda_paths, logs, tracing
from workbench.runtime.api import NextEvent, Outcome, RuntimeApiServer
from workbench.runtime.descriptors import NoDescriptors, exhausted, require_spare
from workbench.runtime.environ import LATEST, lambda_environment, log_stream_name, needs_exec
from workbench.runtime.memory import MemoryWatch
from workbench.runtime.output import LogBuffer
from workbench.runtime.placement import Placement
from workbench.runtime.process import (
    OutputReader,
    Process,
    Spawner,
    SpawnRequest,
    SubprocessSpawner,
    descendants,
    exit_description,
)
from workbench.runtime.sandboxes import Confinement, SandboxHost, package_folders
from workbench.runtime.types import Clock, InitError, InvocationResult, RealClock

INIT_LIMIT_S = 10.0
PROVISIONED_INIT_LIMIT_S = 130.0
MAX_TIMEOUT_S = 900.0
_ids = itertools.count(1)


class Environment:
    def __init__(self, placement: Placement, *, clock: Clock | None = None,
                 region: str = DEFAULT_REGION, account_id: str = DEFAULT_ACCOUNT_ID,
                 extra_env: dict[str, str] | None = None,
                 on_log: Callable[[str], None] | None = None,
                 on_change: Callable[[Environment], None] | None = None,
                 spawner: Spawner | None = None, provisioned: bool = False,
                 host: SandboxHost, tenant_id: str | None = None,
                 version: str = LATEST) -> None:
        self.placement = placement
        self.spec = spec = placement.spec
        self.id = f"{spec.name}-{next(_ids)}"
        self.clock = clock or RealClock()
        self.region = region
        name = spec.function_name or spec.name
        self.arn = f"arn:aws:lambda:{region}:{account_id}:function:{name}"
        self.extra_env = extra_env or {}
        self.on_log = on_log
        self.on_change = on_change  # told when INIT starts, when it ends, and on death
        self.spawner = spawner or SubprocessSpawner()
        self.provisioned = provisioned
        self.host = host
        # A tenant-isolated function's environment serves one tenant only, for its life
        # (Lambda dg, tenant-isolation.html).
        self.tenant_id = tenant_id
        # The function version it runs: $LATEST, or the published one an alias points to;
        # Lambda gives each version environments of its own.
        self.version = version
        self.state = "new"  # new -> starting -> idle <-> busy -> dead
        self.pid: int | None = None
        self.init_duration_ms: float | None = None
        self.init_failure: InitError | None = None  # INIT failed: the first invoke retries it
        self.invocations = 0
        self.started_at = time.time()
        self.last_used = self.clock.now()
        self.max_memory_mb = 0
        self.retired = False  # hot reload: stop after the current invocation
        self.log_stream = log_stream_name(version)
        self._server: RuntimeApiServer | None = None
        self._buffer = LogBuffer()
        self._process: Process | None = None
        self._exit: asyncio.Task[int] | None = None
        self._reader: OutputReader | None = None
        self._memory: MemoryWatch | None = None
        self._confinement: Confinement | None = None
        self._killing: asyncio.Future[None] | None = None
        self._cold_pending = not provisioned
        self._trace: tracing.Trace | None = None  # the invocation's, while one runs
        self._invoked_arn = self.arn

    # -- lifecycle ---------------------------------------------------------------------

    async def start(self) -> None:
        """The Init phase. Raises InitError when it fails; an on-demand environment then
        keeps `init_failure` and retries INIT on its first invocation, as Lambda does.
        Raises NoDescriptors, with nothing left behind, if the process has no descriptor
        left for a socket or pipe."""
        self._set_state("starting")
        limit = max(PROVISIONED_INIT_LIMIT_S, min(self.spec.timeout_s, MAX_TIMEOUT_S)) \
            if self.provisioned else INIT_LIMIT_S
        failure = await self._init(limit, phase="init")
        if failure is None:
            self.last_used = self.clock.now()
            self._set_state("idle")
            if self.provisioned:
                self._buffer.write(
                    (logs.init_report_line(self.init_duration_ms or 0.0) + "\n").encode())
            return
        if self.provisioned:
            await self._die()
        else:
            self.init_failure = failure
            self._set_state("failed-init")
        raise failure

    async def _init(self, limit_s: float, phase: str) -> InitError | None:
        """Start the runtime process and wait for its first /next: None when it got there."""
        try:
            server, started = await self._spawn()
        except BaseException as failure:
            await self._die()  # nothing of a half-started environment is left behind
            if isinstance(failure, OSError) and exhausted(failure):
                raise NoDescriptors(self.spec.name) from None
            raise
        assert self._exit is not None and self._memory is not None
        init_error = server.state.expect("")
        ready = asyncio.ensure_future(server.state.polled.wait())
        stop_waiting = self._give_up_on(init_error, limit_s)
        try:
            waits: set[asyncio.Future[Any]] = {ready, init_error}
            done, _ = await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        finally:
            ready.cancel()
            stop_waiting()
            server.state.forget("")
        self.init_duration_ms = (time.perf_counter() - started) * 1000
        self._memory.unwatch()
        if ready in done and not self._exit.done():
            return None
        status, died = "error", None
        if init_error in done and (outcome := init_error.result()) is not None:
            verdict = errors.from_document(outcome.body)
        elif self._exit.done():
            died = exit_description(self._exit.result())
            verdict = errors.exit_error(None, died, self._memory.out_of_memory())
        else:
            status, verdict = "timeout", errors.timeout_error(None, limit_s)
        await self._end_process()
        error_type = verdict.error_type or "Runtime.Unknown"
        line = logs.init_report_line(self.init_duration_ms, phase, status, error_type)
        return InitError(error_type, verdict.message, verdict.document,
                         self._buffer.take() + line + "\n", self.init_duration_ms, status,
                         self.max_memory_mb, died)

    async def _spawn(self) -> tuple[RuntimeApiServer, float]:
        """Everything INIT needs, each step taking descriptors: the Runtime API, the sandbox,
        the output pipe, the process and its memory watch. Returns with the moment the
        runtime process started in its sandbox: Init Duration counts from there, as
        Lambda's does (creating the sandbox is not part of it)."""
        self._server = server = RuntimeApiServer(self._members)
        await server.start()
        if self._confinement is None:
            self._confinement = self.host.confine(self.id, self.spec.memory_mb,
                                                  self.spec.ephemeral_storage_mb)
        confinement = self._confinement
        # In a mount namespace of its own the package is where Lambda has it.
        seen = lambda_paths.inside(self.placement) if confinement.tmp_mb else None
        placement = seen.placement if seen is not None else self.placement
        env = lambda_environment(
            placement, runtime_api=server.address, region=self.region,
            tmpdir=confinement.tmpdir, log_stream=self.log_stream, extra=self.extra_env,
            init_type="provisioned-concurrency" if self.provisioned else "on-demand",
            version=self.version)
        self._reader = reader = OutputReader(self._buffer.write)
        try:
            self._process = await self.spawner.spawn(SpawnRequest(
                self.spec.handler, env, placement.spec.code_uri, placement.launch,
                reader.write_fd, cgroups=confinement.group.procs_files
                if confinement.group else (), tmp_mb=confinement.tmp_mb,
                read_only=package_folders(self.spec.code_uri, self.spec.layers),
                mounts=seen.mounts if seen is not None else (),
                subreaper=confinement.group is None,
                exec_only=needs_exec(self.placement, self.extra_env)))
            started = time.perf_counter()
        finally:
            reader.close_write_end()
        self.pid = self._process.pid
        self._exit = asyncio.ensure_future(self._process.wait())
        self._memory = MemoryWatch(self._process.pid, self.spec.memory_mb, self._on_oom,
                                   confinement.group.dirs if confinement.group else None)
        require_spare()
        return server, started

    def _members(self) -> list[int]:
        """This environment's processes: the only ones its Runtime API admits."""
        confinement = self._confinement
        if confinement is not None and confinement.group is not None:
            return confinement.group.pids()
        return descendants(self._process.pid) if self._process is not None else []

    async def stop(self) -> None:
        await self._die()

    async def _end_process(self) -> None:
        """Kill the process tree and wait for the runtime process; keep the sandbox."""
        if self._memory is not None:
            self._memory.stop()
        if self._confinement is not None:
            await self._confinement.end(self._process)
        if self._exit is not None:
            await asyncio.shield(self._exit)
            if self._memory is not None and self._process is not None:
                self._memory.exited(self._process.maxrss_kb)
                self._note_peak()
        if self._reader is not None:
            self._reader.drain()
            self._reader.close()
        if self._server is not None:
            await self._server.close()

    async def _die(self) -> None:
        if self.state != "dead":
            self._set_state("dead")
        await self._end_process()
        if self._confinement is not None:
            self._confinement.remove()
            self._confinement = None

    def _set_state(self, state: str) -> None:
        """A lifecycle change (not busy <-> idle, the warm path): tell whoever watches."""
        self.state = state
        if self.on_change is not None:
            self.on_change(self)

    def _on_oom(self) -> None:
        if self._confinement is not None and self._killing is None:
            self._killing = asyncio.ensure_future(self._confinement.end(self._process))

    # -- invoke ------------------------------------------------------------------------

    async def invoke(self, payload: bytes, *, request_id: str | None = None,
                     client_context: str | None = None, trace: str | None = None,
                     qualifier: str | None = None) -> InvocationResult:
        """One invocation; `trace` is the caller's X-Amzn-Trace-Id, if it sent one, and
        `qualifier` the alias (or $LATEST) it named, which ends the invoked ARN the
        handler's context sees (python-context.html, invoked_function_arn)."""
        request_id = request_id or ids.request_id()
        self._trace = tracing.for_invocation(trace, self.spec.active_tracing)
        self._invoked_arn = f"{self.arn}:{qualifier}" if qualifier else self.arn
        if self.init_failure is not None:
            return await self._invoke_with_init(payload, request_id, client_context)
        assert self.state == "idle"
        self.state = "busy"
        cold, self._cold_pending = self._cold_pending, False
        init_output = self._buffer.take()
        started = time.perf_counter()  # durations are measured; the clock only sets deadlines
        verdict = await self._exchange(payload, request_id, client_context, self.spec.timeout_s,
                                       int((time.time() + self.spec.timeout_s) * 1000))
        duration_ms = (time.perf_counter() - started) * 1000
        return await self._finish(request_id, verdict, duration_ms, cold, init_output,
                                  self.init_duration_ms if cold else None)

    async def _invoke_with_init(self, payload: bytes, request_id: str,
                                client_context: str | None) -> InvocationResult:
        """INIT failed in the Init phase: retry it inside this invocation, as Lambda does,
        with the function's timeout for INIT and the call together."""
        first, self.init_failure = self.init_failure, None
        assert first is not None
        self.state, self._cold_pending = "busy", False
        started = time.perf_counter()
        deadline_ms = int((time.time() + self.spec.timeout_s) * 1000)
        failure = await self._init(self.spec.timeout_s, phase="invoke")
        output = first.logs
        if failure is not None:
            output += failure.logs
            if failure.status == "timeout":
                verdict = errors.timeout_error(request_id, self.spec.timeout_s)
            elif failure.exit_description is not None:
                verdict = errors.exit_error(request_id, failure.exit_description,
                                            failure.error_type == "Runtime.OutOfMemory")
            else:
                verdict = errors.init_failed(failure.document, failure.error_type)
            duration_ms = (time.perf_counter() - started) * 1000
            await self._die()
            return self._result(request_id, verdict, duration_ms, True, output, None)
        remaining = self.spec.timeout_s - (time.perf_counter() - started)
        verdict = await self._exchange(payload, request_id, client_context, remaining,
                                       deadline_ms)
        duration_ms = (time.perf_counter() - started) * 1000
        return await self._finish(request_id, verdict, duration_ms, True,
                                  output + self._buffer.take(), None)

    async def _exchange(self, payload: bytes, request_id: str, client_context: str | None,
                        timeout_s: float, deadline_ms: int) -> errors.Verdict:
        """Hand the event to the runtime's parked /next and wait for what comes of it."""
        assert self._exit is not None and self._memory is not None and self._server
        self._memory.watch()
        state = self._server.state
        answer = state.expect(request_id)
        assert self._trace is not None
        state.offer(NextEvent(request_id, payload, deadline_ms, self._invoked_arn,
                              trace_id=self._trace.header, client_context=client_context,
                              tenant_id=self.tenant_id))
        stop_waiting = self._give_up_on(answer, timeout_s)
        try:
            outcome = await answer
        finally:
            stop_waiting()
            state.forget(request_id)
        self._memory.unwatch()
        if self._reader is not None:
            self._reader.drain()
        return self._judge(request_id, outcome)

    async def _finish(self, request_id: str, verdict: errors.Verdict, duration_ms: float,
                      cold: bool, init_output: str, init_ms: float | None) -> InvocationResult:
        self._note_peak()
        verdict = self._tmp_verdict(request_id, verdict)
        if verdict.error_type in errors.FATAL:
            await self._die()
        else:
            self.state = "idle"
        self.invocations += 1
        self.last_used = self.clock.now()
        if verdict.error_type == "Runtime.OutOfMemory":
            # Lambda reports the limit as Max Memory Used when it kills for memory.
            self.max_memory_mb = self.spec.memory_mb
        return self._result(request_id, verdict, duration_ms, cold, init_output, init_ms)

    def _note_peak(self) -> None:
        # Never above MemorySize: a sample may catch a runaway just past it before the kill.
        if self._memory is not None:
            self.max_memory_mb = min(self.spec.memory_mb,
                                     max(self.max_memory_mb, self._memory.peak_mb()))

    def _tmp_verdict(self, request_id: str, verdict: errors.Verdict) -> errors.Verdict:
        """Without a private /tmp the kernel cannot refuse a write past EphemeralStorage;
        the invocation fails instead, saying so (and the environment is discarded)."""
        confinement = self._confinement
        if confinement is None or confinement.tmpdir is None:
            return verdict
        used = confinement.tmp_used_mb()
        if used <= confinement.tmp_limit_mb:
            return verdict
        return errors.tmp_exceeded(request_id, used, confinement.tmp_limit_mb)

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
        timer = self.clock.call_later(max(timeout_s, 0.0), give_up)

        def stop() -> None:
            timer.cancel()
            exit_.remove_done_callback(give_up)

        return stop

    def _judge(self, request_id: str, outcome: Outcome | None) -> errors.Verdict:
        """What the invocation came to: its answer, a crash, the memory limit or the timeout."""
        assert self._exit is not None and self._memory is not None
        if self._memory.check_peak():
            self._on_oom()
            return errors.exit_error(request_id, "signal: killed", oom=True)
        if outcome is not None:
            return errors.from_outcome(outcome)
        if self._exit.done():
            return errors.exit_error(request_id, exit_description(self._exit.result()),
                                     self._memory.out_of_memory())
        return errors.timeout_error(request_id, self.spec.timeout_s)

    def _result(self, request_id: str, verdict: errors.Verdict, duration_ms: float, cold: bool,
                init_output: str, init_ms: float | None) -> InvocationResult:
        lines = [init_output] if init_output else []
        lines.append(logs.start_line(request_id, self.version) + "\n")
        lines.append(self._buffer.take())
        if verdict.log_line:
            lines.append(verdict.log_line + "\n")
        lines.append(logs.end_line(request_id) + "\n")
        xray = self._trace.report if self._trace and self.spec.active_tracing else None
        lines.append(logs.report_line(request_id, duration_ms, self.spec.memory_mb,
                                      self.max_memory_mb, init_ms, verdict.report_error_type,
                                      verdict.report_status, xray) + "\n")
        text = "".join(lines)
        if self.on_log is not None:
            self.on_log(text)
        return InvocationResult(
            request_id=request_id, payload=verdict.document,
            function_error=verdict.function_error, error_type=verdict.error_type,
            duration_ms=duration_ms, init_duration_ms=init_ms,
            max_memory_used_mb=self.max_memory_mb, memory_size_mb=self.spec.memory_mb,
            cold=cold, logs=text, environment_id=self.id, function=self.spec.name,
            mode=self.placement.mode, python=self.placement.choice.interpreter.label)

    def describe(self) -> dict[str, object]:
        return {
            "id": self.id, "function": self.spec.name, "pid": self.pid, "state": self.state,
            "provisioned": self.provisioned, "version": self.version,
            "init_duration_ms": self.init_duration_ms,
            "started_at": self.started_at, "invocations": self.invocations,
            "max_memory_used_mb": self.max_memory_mb, "memory_size_mb": self.spec.memory_mb,
            "log_stream": self.log_stream, "mode": self.placement.mode,
            "runtime_api": self._server.address if self._server is not None else None,
            "python": self.placement.choice.interpreter.label,
        }

