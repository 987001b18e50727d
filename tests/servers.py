"""One way for a test module to run a dev server for its template."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import httpx
import pytest
from botocore.config import Config

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


def lambda_client(server: ServerProcess, read_timeout: float = 60) -> Any:
    """boto3's Lambda client of the server's Invoke API, without retries."""
    return boto3.client("lambda", endpoint_url=server.url, region_name="us-east-1",
                        aws_access_key_id="test", aws_secret_access_key="test",
                        config=Config(retries={"max_attempts": 0}, read_timeout=read_timeout))


def answer(response: httpx.Response) -> tuple[int, Any]:
    """(status, JSON body): what an API Gateway error answer is compared by."""
    return response.status_code, response.json()
