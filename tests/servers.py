"""One way for a test module to run a dev server for its template."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from workbench.pytest_plugin import ServerProcess, start_server


def serve(tmp_path_factory: pytest.TempPathFactory, template: Path,
          *flags: str) -> Iterator[ServerProcess]:
    """A module's `server` fixture: `yield from serve(tmp_path_factory, template)`; the
    `http` fixture of tests/functional/conftest.py is a client of it."""
    running = start_server(template, tmp_path_factory.mktemp("serve") / "serve.log",
                           "--no-reload", *flags)
    yield running
    running.stop()


def module_server(template: Path, *flags: str) -> Callable[..., Iterator[ServerProcess]]:
    """`server = module_server(TEMPLATE)`: the module's `server` fixture, as above."""

    @pytest.fixture(scope="module")
    def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
        yield from serve(tmp_path_factory, template, *flags)

    return server


def answer(response: httpx.Response) -> tuple[int, Any]:
    """(status, JSON body): what an API Gateway error answer is compared by."""
    return response.status_code, response.json()
