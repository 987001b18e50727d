"""Handlers under test run in real environments, fed events from the one event builder."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from workbench import models, template
from workbench.runtime.pool import Runtime
from workbench.runtime.types import InvocationResult

ROOT = Path(__file__).parents[2]

Invoke = Callable[..., InvocationResult]


def function_template(tmp_path: Path, name: str, code: str, env: dict[str, str]) -> Path:
    variables = "".join(f"          {k}: '{v}'\n" for k, v in env.items()) or "          {}\n"
    text = (
        "Resources:\n"
        "  Common: {Type: AWS::Serverless::LayerVersion, Properties: {ContentUri: "
        f"'{ROOT / 'handlers/layers/common'}'}}}}\n"
        f"  {name}:\n    Type: AWS::Serverless::Function\n    Properties:\n"
        f"      CodeUri: '{ROOT / 'handlers' / code}'\n      Handler: app.handler\n"
        "      Runtime: python3.11\n      MemorySize: 2048\n      Timeout: 60\n"
        "      Layers: [!Ref Common]\n      Environment:\n        Variables:\n" + variables)
    path = tmp_path / f"{name}-template.yaml"
    path.write_text(text)
    return path


@pytest.fixture(scope="session")
def ner_model() -> Path:
    return models.ensure_built("ner")


@pytest.fixture
def invoke_in(tmp_path: Path) -> Callable[..., Any]:
    """invoke_in(name, code_dir, events, env={}) -> results, all in one warm environment."""

    def run(name: str, code: str, events: list[Any],
            env: dict[str, str] | None = None) -> list[InvocationResult]:
        tpl = template.load(function_template(tmp_path, name, code, env or {}))

        async def main() -> list[InvocationResult]:
            runtime = Runtime(tpl, keepalive_s=0)
            try:
                return [await runtime.invoke(name, json.dumps(e).encode()) for e in events]
            finally:
                await runtime.close()

        return asyncio.run(main())

    return run
