"""Hot reload: a change under a function's CodeUri or layers rebuilds it (build mode) and
retires its environments; the next call is cold and runs the new code."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from watchfiles import DefaultFilter, awatch

from workbench.runtime.pool import Runtime


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
    """watchfiles' default filter (__pycache__, editor files) and what builds write
    (.aws-sam: a CodeUri of "." holds the build folder, which must not trigger a build)."""

    ignore_dirs = (*DefaultFilter.ignore_dirs, ".aws-sam")


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
            if await runtime.reload(function):  # a failed build said so itself
                listener.reloaded(function, paths)
