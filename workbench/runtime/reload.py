"""Hot reload: a change under a function's CodeUri or layers retires its environments."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from watchfiles import awatch

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


async def watch_code(runtime: Runtime, listener: ReloadListener) -> None:
    """Run until cancelled; watchfiles' default filter ignores __pycache__ and editor files."""
    roots = sorted({str(p) for spec in runtime.template.functions.values()
                    for p in spec.watched_paths})
    async for changes in awatch(*roots, debounce=200, step=50):
        changed = {Path(path).resolve() for _, path in changes}
        for function, paths in affected(runtime, changed).items():
            await runtime.retire(function)
            listener.reloaded(function, paths)
