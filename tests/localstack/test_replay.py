"""Traffic recorded from the dev server, replayed against the same function in LocalStack."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from tests.cli import workbench
from tests.localstack.conftest import HERE
from workbench.localstack.deploy import Deployment
from workbench.pytest_plugin import start_server
from workbench.replay.run import Summary

pytestmark = pytest.mark.localstack


def test_replay_target_localstack(stack: Deployment, localstack: str, tmp_path: Path,
                                  workbench_replay: Callable[..., Summary]) -> None:
    server = start_server(HERE / "stack.yaml", tmp_path / "serve.log", "--no-reload",
                          "--record", str(tmp_path / "traces"))
    try:
        for i in range(5):
            assert httpx.post(f"{server.url}/echo", json={"i": i}).status_code == 200
    finally:
        server.stop()
    [trace] = (tmp_path / "traces").glob("*.jsonl")
    done = workbench("replay", str(trace), "--target", "localstack", "--speed", "max",
                     "--report", str(tmp_path / "report"),
                     env={"WORKBENCH_LOCALSTACK_PORT": localstack.rsplit(":", 1)[1]})
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads((tmp_path / "report" / "report.json").read_text())
    assert report["identical"] == 5 and report["events"] == 5
    summary = workbench_replay(trace, target="localstack", speed="max")  # the pytest helper
    assert summary.ok, summary.explain()
