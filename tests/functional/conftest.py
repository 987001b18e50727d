from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine, Iterator
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest

from workbench import template
from workbench.pytest_plugin import ServerProcess
from workbench.runtime.forkserver import ForkServerSpawner
from workbench.runtime.pool import Runtime
from workbench.runtime.process import SubprocessSpawner

APPS = Path(__file__).parent / "apps"
T = TypeVar("T")


@pytest.fixture(scope="session")
def apps_template() -> template.Template:
    return template.load(APPS / "template.yaml")


@pytest.fixture(params=["fork", "subprocess"])
def spawner_kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def with_runtime(apps_template: template.Template, spawner_kind: str) -> Callable[..., Any]:
    """Run `body(runtime)` in a fresh event loop with a Runtime that is always closed,
    once per way of spawning environments (fork server and fresh interpreter)."""

    def run(body: Callable[[Runtime], Awaitable[T]], tpl: template.Template | None = None,
            **options: Any) -> T:
        async def main() -> T:
            spawner = ForkServerSpawner() if spawner_kind == "fork" else SubprocessSpawner()
            # What deploys, on the Runtime's Python, unless a test asks for the virtualenv.
            options.setdefault("mode", "build")
            runtime = Runtime(tpl or apps_template, spawner=spawner, **options)
            try:
                return await body(runtime)
            finally:
                await runtime.close()
                await spawner.close()

        return asyncio.run(main())

    return run


def run_async(coroutine: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coroutine)


@pytest.fixture(scope="module")
def http(server: ServerProcess) -> Iterator[httpx.Client]:
    """A client of the module's `server`."""
    with httpx.Client(base_url=server.url, timeout=60) as client:
        yield client
