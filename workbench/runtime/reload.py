"""Hot reload: a change under a function's CodeUri or layers rebuilds it (build mode) and
retires its environments, so the next call is cold and runs the new code; a reloaded
template changes the pools with it. Builds run in a thread: the server keeps serving."""

from __future__ import annotations

import asyncio
import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from watchfiles import Change, DefaultFilter, awatch

from workbench.errors import WorkbenchError
from workbench.runtime.placement import Placed
from workbench.runtime.pool import FunctionPool, Runtime
from workbench.template import FunctionSpec, Template


class ReloadListener(Protocol):
    def reloaded(self, function: str, changed: list[Path]) -> None: ...


def affected(runtime: Runtime, changed: set[Path]) -> dict[str, list[Path]]:
    """Which functions a set of changed files belongs to."""
    hits: dict[str, list[Path]] = {}
    for name, spec in runtime.template.functions.items():
        for path in changed:
            if any(path.is_relative_to(root) for root in spec.watched_paths):
                hits.setdefault(name, []).append(path)
    return hits


class _SourcesOnly(DefaultFilter):
    """watchfiles' default filter (__pycache__, editor files), what builds write
    (.aws-sam: a CodeUri of "." holds the build folder, which must not trigger a build)
    and the files this process logs to (`workbench serve > serve.log` in a CodeUri of "."
    rebuilt on every line it logged)."""

    ignore_dirs = (*DefaultFilter.ignore_dirs, ".aws-sam")

    def __init__(self) -> None:
        super().__init__()
        self._own_output = {_identity(fd) for fd in (1, 2)} - {None}

    def __call__(self, change: Change, path: str) -> bool:
        if self._own_output and _identity(path) in self._own_output:
            return False
        return super().__call__(change, path)


def _identity(file: int | str) -> tuple[int, int] | None:
    """A regular file's device and inode, by descriptor or path; None for anything else."""
    try:
        found = os.stat(file)
    except OSError:
        return None
    return (found.st_dev, found.st_ino) if stat.S_ISREG(found.st_mode) else None


async def watch_code(runtime: Runtime, listener: ReloadListener) -> None:
    """Run until cancelled."""
    # A CodeUri that is not there (its build failed) is not watched (watchfiles refuses
    # it): correcting CodeUri in the template reloads it.
    roots = sorted({str(p) for spec in runtime.template.functions.values()
                    for p in spec.watched_paths if p.exists()})
    if not roots:
        return
    async for changes in awatch(*roots, debounce=200, step=50, watch_filter=_SourcesOnly()):
        changed = {Path(path).resolve() for _, path in changes}
        for function, paths in affected(runtime, changed).items():
            if await rebuild(runtime, function):  # a failed build said so itself
                listener.reloaded(function, paths)


async def rebuild(runtime: Runtime, function: str) -> bool:
    """Its sources changed: build it again (only what changed is redone, with progress),
    then retire its environments, so the next call is cold and runs the new build.
    Cold starts wait for the build; a build that fails leaves the last one running
    (False, said in one line); a template reload that placed a newer spec meanwhile
    keeps it."""
    pool = runtime.pools.get(function)
    if pool is None:
        return await _build_again(runtime, function)
    source = pool.source
    pool.rebuilding = built = asyncio.get_running_loop().create_future()
    try:
        placement = await asyncio.to_thread(runtime.place, source, _threadsafe_say(runtime))
    except WorkbenchError as error:
        _say_build_failed(runtime, function, str(error))
        return False
    else:
        if pool.source is source:
            pool.place(placement)
    finally:
        pool.rebuilding = None
        built.set_result(None)
    await runtime.retire(function)
    return True


async def _build_again(runtime: Runtime, function: str) -> bool:
    """A function whose build failed, its sources changed: if it builds now, it runs."""
    spec = runtime.template.functions[function]
    try:
        placement = await asyncio.to_thread(runtime.place, spec, _threadsafe_say(runtime))
    except WorkbenchError as error:
        if function in runtime.template.functions and function not in runtime.pools:
            runtime.not_built[function] = str(error)  # (a template reload may have won)
        _say_build_failed(runtime, function, str(error))
        return False
    if runtime.template.functions.get(function) is spec and function not in runtime.pools:
        runtime.not_built.pop(function, None)
        runtime.pools[function] = pool = FunctionPool(placement, spec)
        await runtime.provision(pool)
    return True


async def update_template(runtime: Runtime, template: Template) -> None:
    """(templates, #14) The template was reloaded: a new function gets a pool, a changed
    one is retired (its next call is cold, with the new spec), a removed one goes.
    What changed is built first, in a thread (the server keeps serving the old
    template meanwhile); then the template and the pools change together, so no call
    ever sees a function without its pool. A build that fails leaves the last one
    running, or the function not built (and not run) if it had none."""
    changed = {name: spec for name, spec in template.functions.items()
               if name not in runtime.pools or runtime.pools[name].source != spec}
    placed, failed = await asyncio.to_thread(_place_each, runtime, changed,
                                             _threadsafe_say(runtime), template)
    old, pools = runtime.pools, {}
    for name, spec in template.functions.items():
        pool = old.get(name)
        if pool is None and name in placed:
            pool = FunctionPool(placed[name], spec)
        elif pool is not None and name in placed:
            pool.source = spec
            pool.place(placed[name])
        if pool is not None:
            pools[name] = pool
    runtime.template, runtime.pools = template, pools
    runtime.not_built = {name: error for name, error in failed.items() if name not in pools}
    for name, error in failed.items():
        _say_build_failed(runtime, name, error)
    for name, pool in pools.items():
        if name in old and name in placed:
            await runtime.retire(name)
        elif not pool.alive and pool.spec.provisioned_concurrency:
            await runtime.provision(pool)
    for name, pool in old.items():  # removed: idle environments stop, busy ones after
        if name not in pools:
            await pool.retire()


def _place_each(runtime: Runtime, specs: dict[str, FunctionSpec], say: Callable[[str], None],
                template: Template) -> Placed:
    placed, failed = {}, {}
    for name, spec in specs.items():
        try:
            placed[name] = runtime.place(spec, say, template)
        except WorkbenchError as error:
            failed[name] = str(error)
    return Placed(placed, failed)


def _say_build_failed(runtime: Runtime, function: str, error: str) -> None:
    running = "the last build keeps running" if function in runtime.pools else "not run"
    runtime.say(f"[{function}] build failed, {running}: {error}")


def _threadsafe_say(runtime: Runtime) -> Callable[[str], None]:
    """`say` for a build thread: the console belongs to the loop."""
    loop = asyncio.get_running_loop()

    def say(line: str) -> None:
        loop.call_soon_threadsafe(runtime.say, line)
    return say
