"""`workbench serve --record`: every request a trace line, nothing lost on SIGTERM."""

from __future__ import annotations

import json
import signal
from pathlib import Path

import httpx
import pytest

from workbench.pytest_plugin import start_server
from workbench.trace import read_trace

pytestmark = pytest.mark.functional
APPS = Path(__file__).parent / "apps"


def test_recording_survives_sigterm(tmp_path: Path) -> None:
    record = tmp_path / "traces"
    server = start_server(APPS / "template.yaml", tmp_path / "serve.log", "--no-reload",
                          "--record", str(record))
    with httpx.Client(base_url=server.url, timeout=30) as client:
        for i in range(20):
            assert client.get(f"/items/{i}").status_code == 200
        client.post("/echo", json={"action": "raise"})
        client.get("/v2/echo")
    server.stop(signal.SIGTERM)
    [trace] = list(record.glob("trace-*.jsonl"))
    records = list(read_trace(trace))
    assert len(records) == 22
    first = records[0]
    assert first.function == "Echo" and first.source == "apigw-rest" and first.cold
    assert first.event["pathParameters"] == {"id": "0"} and first.status == 200
    assert first.init_duration_ms is not None and not records[1].cold
    assert records[20].status == 502 and records[20].error_type == "ValueError"
    assert records[21].source == "apigw-http"
    assert json.loads(records[1].response["body"])["event"]["path"] == "/items/1"


def test_unwritable_record_dir_is_refused(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(RuntimeError, match="exists and is not a directory"):
        start_server(APPS / "template.yaml", tmp_path / "serve.log", "--record", str(blocker))
