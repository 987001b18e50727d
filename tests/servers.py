"""One way for a test module to run a dev server for its template."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

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
