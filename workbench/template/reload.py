"""Template hot reload: a change to the template, or to a file it reads (an included
OpenAPI file, a nested stack, --env-vars, samconfig), loads it again and hands the new
template over; a broken edit keeps the last good one serving and says why in one line.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path

from watchfiles import awatch

from workbench.errors import WorkbenchError
from workbench.template.specs import Template

Load = Callable[[], Template]
Apply = Callable[[Template], Awaitable[None]]


async def watch_template(template: Template, load: Load, apply: Apply,
                         say: Callable[[str], None]) -> None:
    """Run until cancelled. Watches the folders of the template's sources (not
    recursively: editors replace a file by renaming a new one over it)."""
    current = template
    while True:
        sources = {p.resolve() for p in current.sources}
        folders = sorted({str(p.parent) for p in sources if p.parent.is_dir()})
        if not folders:
            return
        async for changes in awatch(*folders, debounce=200, step=50, recursive=False):
            if not {Path(path).resolve() for _, path in changes} & sources:
                continue
            try:
                fresh = await asyncio.to_thread(load)  # the SAM transform takes a second
            except WorkbenchError as error:
                say(f"template not reloaded (still serving the last good one): {error}")
                continue
            await apply(fresh)
            say(f"template reloaded: {len(fresh.functions)} functions, "
                f"{len(fresh.routes)} routes")
            current = fresh
            break  # watch the new template's sources
