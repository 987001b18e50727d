"""What `make dev` serves: the project's template, both handlers, over real HTTP."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import boto3
import httpx
import pytest
from botocore.config import Config

from workbench import models
from workbench.pytest_plugin import ServerProcess, start_server

pytestmark = pytest.mark.handlers
ROOT = Path(__file__).parents[2]
CONTEXT = "Lumora Systems was founded by Dana Whitfield in 2011. It is based in Oslo."


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    models.ensure_built("ner")
    models.ensure_built("qa")
    running = start_server(ROOT / "template.yaml",
                           tmp_path_factory.mktemp("dev") / "serve.log", "--no-reload")
    yield running
    running.stop()


def test_ner_and_qa_over_http(server: ServerProcess) -> None:
    with httpx.Client(base_url=server.url, timeout=120) as client:
        ner = client.post("/ner", json={"batch": ["Dana Whitfield lives in Oslo."] * 100})
        qa = client.post("/qa", json={"question": "Who founded Lumora Systems?",
                                      "context": CONTEXT})
        bad = client.post("/ner", json={"batch": ["too few"]})
    assert ner.status_code == 200 and len(ner.json()["success_sentences"]) == 100
    assert qa.status_code == 200 and qa.json()["answer"] == "Dana Whitfield"
    assert bad.status_code == 400 and "between 100 and 300" in bad.json()["message"]
    log = server.output()
    assert "[NerFunction] cold" in log and "[QaFunction] cold" in log
    assert "Init Duration:" in log


def test_qa_through_the_invoke_api(server: ServerProcess) -> None:
    lam = boto3.client("lambda", endpoint_url=server.url, region_name="us-east-1",
                       aws_access_key_id="x", aws_secret_access_key="x",
                       config=Config(retries={"max_attempts": 0}, read_timeout=120))
    event = {"body": json.dumps({"question": "Where is Lumora Systems based?",
                                 "context": CONTEXT})}
    result = lam.invoke(FunctionName="QaFunction", Payload=json.dumps(event))
    answer = json.loads(json.loads(result["Payload"].read())["body"])
    assert answer["answer"] == "Oslo"
