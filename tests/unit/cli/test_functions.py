"""`workbench functions`: a function that is not run is listed with its reason and the
routes that answer for it, in text and JSON alike."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from workbench.cli import main

TEMPLATE = """
Transform: AWS::Serverless-2016-10-31
Resources:
  Py:
    Type: AWS::Serverless::Function
    Properties: {CodeUri: ., Handler: app.handler, Runtime: python3.11,
                 Events: {Get: {Type: Api, Properties: {Path: /py, Method: get}}}}
  Node:
    Type: AWS::Serverless::Function
    Properties: {CodeUri: ., Handler: app.handler, Runtime: nodejs20.x,
                 Events: {Get: {Type: Api, Properties: {Path: /node, Method: get}}}}
  Image:
    Type: AWS::Serverless::Function
    Properties: {PackageType: Image,
                 Events: {Post: {Type: HttpApi, Properties: {Path: /image, Method: post}}}}
"""


@pytest.fixture
def listed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Callable[..., str]:
    (tmp_path / "app.py").write_text("def handler(e, c): return e\n")
    (tmp_path / "template.yaml").write_text(TEMPLATE)

    def run(*flags: str) -> str:
        assert main(["functions", "--template", str(tmp_path / "template.yaml"), *flags]) == 0
        return capsys.readouterr().out
    return run


def test_json_lists_what_is_not_run_with_its_routes(listed: Callable[..., str]) -> None:
    skipped = json.loads(listed("--json"))["skipped"]
    assert skipped["Node"]["routes"] == ["GET /node (rest)"]
    assert skipped["Node"]["reason"].startswith("Runtime 'nodejs20.x' is not run here")
    assert skipped["Image"] == {"reason": "an Image function: it needs a container runtime",
                                "routes": ["POST /image (http)"]}


def test_text_lists_what_is_not_run_with_its_routes(listed: Callable[..., str]) -> None:
    lines = listed().splitlines()
    image = lines.index("not run: Image: an Image function: it needs a container runtime")
    assert lines[image + 1] == "    POST /image (http)"
    node = next(i for i, line in enumerate(lines) if line.startswith("not run: Node: "))
    assert lines[node + 1] == "    GET /node (rest)"
