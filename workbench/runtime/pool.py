"""The environment manager: every function's environments, and Lambda's scaling rules.

Warm state lives here and nowhere else. An invocation takes an idle environment (warm)
or starts one (cold); over the function's reserved concurrency, or the account's, it is
throttled at once, as Lambda never queues a synchronous invoke. Idle environments are
reclaimed after the keep-alive; provisioned ones are started up front and kept.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import tempfile
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from workbench import config, ids
from workbench.config import DEFAULT_ACCOUNT_ID, DEFAULT_KEEPALIVE_S, DEFAULT_REGION
from workbench.errors import (
    NotBuilt,
    RequestTooLarge,
    ResourceNotFound,
    Stopped,
    TooManyRequests,
    ValidationError,
    WorkbenchError,
)
from workbench.runtime.descriptors import NoDescriptors, check_headroom
from workbench.runtime.environ import LATEST, PUBLISHED, version_of
from workbench.runtime.environment import Environment
from workbench.runtime.forkserver import ForkServerSpawner
from workbench.runtime.logstore import LogStore
from workbench.runtime.placement import Mode, Placed, Placement, place_all
from workbench.runtime.process import Spawner, SubprocessSpawner
from workbench.runtime.sandboxes import SandboxHost
from workbench.runtime.types import Clock, InitError, InvocationResult, RealClock
from workbench.template import FunctionSpec, Template

if TYPE_CHECKING:
    from workbench.debug import DebugSession

# Lambda's synchronous invocation request limit, as its error message states it.
MAX_REQUEST_BYTES = 6291456
# The Invoke API's TenantId: 1 to 256 characters of this pattern (Lambda API reference,
# Invoke; the service model's TenantId shape).
TENANT_ID_PATTERN = r"[a-zA-Z0-9\._:\/=+\-@ ]+"
TENANT_ID_MAX = 256


def default_spawner() -> Spawner:
    """The fork server, unless WORKBENCH_SPAWNER=subprocess asks for a new interpreter each."""
    choice = config.env("SPAWNER", "fork")
    if choice == "subprocess":
        return SubprocessSpawner()
    if choice != "fork":
        raise WorkbenchError(f"WORKBENCH_SPAWNER must be 'fork' or 'subprocess', not {choice!r}")
    return ForkServerSpawner()


def check_tenant(spec: FunctionSpec, tenant_id: str | None) -> None:
    """A tenant-isolated function needs a tenant ID, any other refuses one; Lambda's
    errors (Invoke API reference, TenantId; Lambda dg, tenant-isolation-invoke.html)."""
    if tenant_id is not None:
        constraint = (
            "Member must have length greater than or equal to 1" if not tenant_id else
            f"Member must have length less than or equal to {TENANT_ID_MAX}"
            if len(tenant_id) > TENANT_ID_MAX else None
            if re.fullmatch(TENANT_ID_PATTERN, tenant_id) else
            f"Member must satisfy regular expression pattern: {TENANT_ID_PATTERN}")
        if constraint is not None:
            raise ValidationError(f"1 validation error detected: Value '{tenant_id}' at "
                                  f"'tenantId' failed to satisfy constraint: {constraint}")
    if spec.tenant_isolation and tenant_id is None:
        raise ValidationError("The invoked function is enabled with tenancy configuration. "
                              "Add a valid tenant ID in your request and try again.")
    if not spec.tenant_isolation and tenant_id is not None:
        raise ValidationError("The invoked function is not enabled with tenancy "
                              "configuration. Remove the tenant ID from your request and try "
                              "again.")


def _take_idle(pool: FunctionPool, tenant_id: str | None, version: str
               ) -> Environment | None:
    """The most recently used idle environment of this tenant (None for a function
    without tenant isolation) and function version: environments are never shared
    between tenants, nor between versions."""
    for index in range(len(pool.idle) - 1, -1, -1):
        env = pool.idle[index]
        if env.tenant_id == tenant_id and env.version == version:
            return pool.idle.pop(index)
    return None


class FunctionPool:
    def __init__(self, placement: Placement, source: FunctionSpec | None = None) -> None:
        self.source = source or placement.spec  # the template's spec (what reload compares)
        self.place(placement)
        self.idle: list[Environment] = []  # most recently used last: reused first
        self.alive: list[Environment] = []
        self.in_flight = 0
        self.rebuilding: asyncio.Future[None] | None = None  # hot reload: its build is redone

    def place(self, placement: Placement) -> None:
        """What new environments run from now on (busy ones finish on the old)."""
        self.placement = placement
        self.spec = placement.spec

    async def retire(self) -> None:
        """Its code changed or it is gone: idle environments stop now, busy ones after
        their call."""
        idle, self.idle = self.idle, []
        for env in self.alive:
            env.retired = True
        for env in idle:
            self.alive.remove(env)
        await asyncio.gather(*(env.stop() for env in idle))


class Runtime:
    def __init__(self, template: Template, *, clock: Clock | None = None,
                 keepalive_s: float = DEFAULT_KEEPALIVE_S, account_concurrency: int = 1000,
                 region: str = DEFAULT_REGION, account_id: str = DEFAULT_ACCOUNT_ID,
                 on_log: Callable[[str, str], None] | None = None,
                 on_environment: Callable[[Environment], None] | None = None,
                 debug: DebugSession | None = None,
                 spawner: Spawner | None = None,
                 extra_env: dict[str, str] | None = None, mode: Mode | None = None,
                 strict_runtime: bool | None = None,
                 placements: dict[str, Placement] | None = None, build: bool = True,
                 keep_going: bool = False, say: Callable[[str], None] = print) -> None:
        # `template` holds the sources (what hot reload watches); each pool's placement
        # names what runs (the build, or the sources), on which interpreter.
        self.template = template
        self.clock = clock or RealClock()
        self.keepalive_s = keepalive_s
        self.account_concurrency = account_concurrency
        self.region = region
        self.account_id = account_id
        self.on_log = on_log
        self.on_environment = on_environment  # an environment's INIT began or ended, or it died
        self.debug = debug  # (issue #16) one function's environments under the debugger
        self._owns_spawner = spawner is None
        self.spawner = spawner or default_spawner()
        self.extra_env = extra_env or {}
        self.logs = LogStore()
        settings = config.settings()  # mode and strictness: WORKBENCH_* when not given
        self.mode: Mode = mode or settings.mode
        self.strict_runtime = settings.strict_runtime if strict_runtime is None \
            else strict_runtime
        self.say = say
        self.build = build  # build mode: run each function from its build (else its sources)
        # keep_going (serve): a function whose build fails gets no pool; `not_built` says
        # why, and invoking it is Lambda's error for a function in state Failed.
        placed = place_all(template, self.mode, strict=self.strict_runtime, build=build,
                           keep_going=keep_going, say=say) if placements is None \
            else Placed(placements, {})
        self.not_built = placed.not_built
        self.pools = {name: FunctionPool(placed.placements[name], spec)
                      for name, spec in template.functions.items()
                      if name in placed.placements}
        self.host = SandboxHost()
        self._closing = False
        self._placing = threading.Lock()  # one build at a time (see place)
        self._tasks: set[asyncio.Task[Any]] = set()
        self._reaper: asyncio.Task[None] | None = None

    # -- lifecycle ---------------------------------------------------------------------

    async def start(self) -> None:
        """Start provisioned environments (their INIT happens now, not on first call)."""
        # Found (and cached) now: finding it opens a file, which a cold start under a low
        # descriptor limit might not manage, failing with a misleading ENOENT.
        tempfile.gettempdir()
        if self.debug is not None:
            await self.debug.start()
        await self.spawner.prepare(list({p.placement.launch: None
                                         for p in self.pools.values()}))
        await asyncio.gather(*(self.provision(pool) for pool in self.pools.values()))
        if self.keepalive_s > 0:
            self._reaper = asyncio.ensure_future(self._reap_forever())

    async def close(self) -> None:
        self._closing = True  # an INIT that stopping ends is not retried in a new process
        if self._reaper is not None:
            self._reaper.cancel()
        if self.debug is not None:
            await self.debug.close()
        for task in list(self._tasks):
            task.cancel()
        everything = [env for pool in self.pools.values() for env in pool.alive]
        await asyncio.gather(*(env.stop() for env in everything), return_exceptions=True)
        for pool in self.pools.values():
            pool.alive.clear()
            pool.idle.clear()
        if self._owns_spawner:
            await self.spawner.close()
        await self.host.close()

    async def provision(self, pool: FunctionPool) -> None:
        if self.debug_clock(pool.spec.name):
            return  # debugged environments start on demand, each waiting for the IDE
        missing = pool.spec.provisioned_concurrency - sum(
            e.provisioned and not e.retired for e in pool.alive)
        # Provisioned concurrency is configured on an alias or version, never $LATEST.
        envs = [self._new_environment(pool, provisioned=True, version=PUBLISHED)
                for _ in range(max(0, missing))]
        results = await asyncio.gather(*(env.start() for env in envs), return_exceptions=True)
        for env, result in zip(envs, results, strict=True):
            if isinstance(result, InitError | NoDescriptors):
                pool.alive.remove(env)
                self._log(pool.spec.name, result.logs if isinstance(result, InitError)
                          else result.message + "\n", env.log_stream)
            elif isinstance(result, BaseException):
                raise result
            else:
                pool.idle.append(env)

    # -- invoke ------------------------------------------------------------------------

    async def invoke(self, function: str, payload: bytes, *, request_id: str | None = None,
                     client_context: str | None = None, tenant_id: str | None = None,
                     trace: str | None = None, qualifier: str | None = None
                     ) -> InvocationResult:
        spec = self.template.function(function)
        if spec is None:
            raise ResourceNotFound(f"Function not found: arn:aws:lambda:{self.region}:"
                                   f"{self.account_id}:function:{function}")
        check_tenant(spec, tenant_id)
        if len(payload) > MAX_REQUEST_BYTES:
            raise RequestTooLarge(f"Request must be smaller than {MAX_REQUEST_BYTES} bytes "
                                  "for the InvokeFunction operation")
        self.check_built(spec.name)
        pool = self.pools[spec.name]
        self._admit(pool)  # synchronous: no other invocation can slip in between
        request_id = request_id or ids.request_id()
        version = version_of(qualifier)
        try:
            env = _take_idle(pool, tenant_id, version)
            if env is None:
                if pool.rebuilding is not None:
                    await pool.rebuilding  # a cold start runs the new build
                check_headroom(spec.name, starting=1 + self._starting())
                env = self._new_environment(pool, provisioned=False, tenant_id=tenant_id,
                                            version=version)
                try:
                    await env.start()
                except InitError:
                    pass  # retried inside the invocation, as Lambda does
                except NoDescriptors:
                    pool.alive.remove(env)  # it stopped what it had started
                    raise
            if self._closing:  # its INIT ended because the runtime closed: no retry
                raise Stopped(spec.name)
            try:
                return await env.invoke(payload, request_id=request_id,
                                        client_context=client_context, trace=trace,
                                        qualifier=qualifier)
            finally:
                await self._release(pool, env)
        except Exception:
            if self._closing:  # whatever failed (a sandbox removed mid-spawn) is the stop
                raise Stopped(spec.name) from None
            raise
        finally:
            pool.in_flight -= 1

    @staticmethod
    def let_run(invocation: asyncio.Future[InvocationResult]) -> None:
        """The caller stops waiting for `invocation` (API Gateway's 29 s, or the server's
        grace period ended): it runs on to its own end, and what that is (an answer nobody
        reads, the server stopping) is dropped, not logged as a task's unread exception."""
        invocation.add_done_callback(lambda done: done.cancelled() or done.exception())

    def check_built(self, function: str) -> None:
        """A function whose build failed has no pool: Lambda's refusal of a function in
        state Failed, for every invocation type."""
        if function not in self.pools:
            raise NotBuilt(function, self.not_built.get(function, "not built"))

    def _starting(self) -> int:
        return sum(env.state in ("new", "starting") for pool in self.pools.values()
                   for env in pool.alive)

    def _admit(self, pool: FunctionPool) -> None:
        total = sum(p.in_flight for p in self.pools.values())
        if total >= self.account_concurrency:
            raise TooManyRequests(reason="ConcurrentInvocationLimitExceeded")
        reserved = 1 if self.debug_clock(pool.spec.name) else pool.spec.reserved_concurrency
        if reserved is not None and pool.in_flight >= reserved:
            raise TooManyRequests(reason="ReservedFunctionConcurrentInvocationLimitExceeded")
        pool.in_flight += 1

    async def _release(self, pool: FunctionPool, env: Environment) -> None:
        if env.state == "dead":
            with contextlib.suppress(ValueError):
                pool.alive.remove(env)
        elif env.retired:
            pool.alive.remove(env)
            await env.stop()
        else:
            pool.idle.append(env)

    def _new_environment(self, pool: FunctionPool, *, provisioned: bool,
                         tenant_id: str | None = None, version: str = LATEST) -> Environment:
        debugged = self.debug_clock(pool.spec.name)
        env = Environment(pool.placement, clock=debugged or self.clock, region=self.region,
                          account_id=self.account_id, extra_env=self.extra_env,
                          spawner=self.debug.spawner() if debugged and self.debug
                          else self.spawner, provisioned=provisioned, host=self.host,
                          tenant_id=tenant_id, version=version,
                          on_change=self.on_environment,
                          on_log=lambda text: self._log(pool.spec.name, text, env.log_stream))
        pool.alive.append(env)
        return env

    def debug_clock(self, function: str) -> Clock | None:
        """The clock of a function being debugged (its timers stand still while the
        debugger holds it); None for every other function."""
        if self.debug is not None and self.debug.function == function:
            return self.debug.clock
        return None

    def _log(self, function: str, text: str, stream: str = "") -> None:
        if not text:
            return
        self.logs.append(function, stream, text)
        if self.on_log is not None:
            self.on_log(function, text)

    # -- idle reclaim and retiring ------------------------------------------------------

    async def reap_idle(self) -> int:
        """Stop environments idle for longer than the keep-alive; return how many."""
        if self.keepalive_s <= 0:
            return 0  # 0 means never reclaim
        now = self.clock.now()
        expired = []
        for pool in self.pools.values():
            for env in list(pool.idle):
                if not env.provisioned and now - env.last_used >= self.keepalive_s:
                    pool.idle.remove(env)
                    pool.alive.remove(env)
                    expired.append(env)
        await asyncio.gather(*(env.stop() for env in expired))
        return len(expired)

    async def _reap_forever(self) -> None:
        while True:
            # A quarter of the keep-alive: reclaim lands close to when Lambda's would.
            await self.clock.sleep(min(self.keepalive_s / 4, 1.0))
            await self.reap_idle()

    async def retire(self, function: str) -> None:
        """The function's code changed: idle environments go now, busy ones after their call."""
        pool = self.pools[function]
        await pool.retire()
        if pool.spec.provisioned_concurrency:
            task = asyncio.ensure_future(self.provision(pool))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    def place(self, spec: FunctionSpec, say: Callable[[str], None] | None = None,
              template: Template | None = None) -> Placement:
        """Place (build) one function; one build at a time, as the code watcher's rebuild
        and a template reload may both want the same `.aws-sam/build` folder."""
        only = (template or self.template).alone(spec)
        with self._placing:
            return place_all(only, self.mode, strict=self.strict_runtime, build=self.build,
                             say=say or self.say).placements[spec.name]

    def environments(self) -> list[dict[str, Any]]:
        return [env.describe() for pool in self.pools.values() for env in pool.alive]
