from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine
from pathlib import Path
from typing import Any, TypeVar

import pytest

from workbench import template
from workbench.runtime.pool import Runtime

APPS = Path(__file__).parent / "apps"
T = TypeVar("T")


@pytest.fixture(scope="session")
def apps_template() -> template.Template:
    return template.load(APPS / "template.yaml")


@pytest.fixture
def with_runtime(apps_template: template.Template) -> Callable[..., Any]:
    """Run `body(runtime)` inside a fresh event loop with a Runtime that is always closed."""

    def run(body: Callable[[Runtime], Awaitable[T]], **options: Any) -> T:
        async def main() -> T:
            runtime = Runtime(apps_template, **options)
            try:
                return await body(runtime)
            finally:
                await runtime.close()

        return asyncio.run(main())

    return run


def run_async(coroutine: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coroutine)
