"""The real NER and QA handlers deployed into LocalStack, called through its API Gateway."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.cli import workbench
from tests.localstack.conftest import ROOT
from workbench.localstack.deploy import Deployment
from workbench.profile import Profile
from workbench.pytest_plugin import wait_for

pytestmark = pytest.mark.localstack
GOLDEN = ROOT / "fixtures" / "golden"
REQUESTS = json.loads((GOLDEN / "requests.json").read_text())


def post(url: str, body: Any) -> httpx.Response:
    return httpx.post(url, json=body, timeout=120, trust_env=False)


def test_ner_answers_as_the_dev_server_does(handlers: Deployment) -> None:
    """The same model (read from S3) gives the golden entities recorded locally."""
    golden = json.loads((GOLDEN / "ner.json").read_text())
    batch = (REQUESTS["ner"] * 20)[:100]
    response = post(handlers.urls["POST /ner"], {"batch": batch})
    assert response.status_code == 200, response.text
    answer = response.json()
    assert len(answer["success_sentences"]) == 100 and answer["failed_sentences"] == []
    for doc in answer["success_sentences"][:len(REQUESTS["ner"])]:
        entities = [[doc["text"][e["start"]:e["end"]], e["label"]] for e in doc["ents"]]
        assert entities == golden[doc["text"]]


def test_qa_answers_as_the_dev_server_does(handlers: Deployment) -> None:
    golden = json.loads((GOLDEN / "qa.json").read_text())
    for question in REQUESTS["qa"]:
        response = post(handlers.urls["POST /qa"], question)
        assert response.status_code == 200, response.text
        answer = response.json()
        expected = golden[question["question"]]
        assert (answer["answer"], answer["start_position"]) == (expected["answer"],
                                                                expected["start_position"])
        start = answer["start_position"]
        assert question["context"][start:start + answer["length"]] == answer["answer"]


@pytest.mark.parametrize(("route", "body", "message"), [
    ("POST /ner", {"batch": "not a list"}, "batch"),
    ("POST /ner", {"batch": ["too few"]}, "100"),
    ("POST /qa", {"question": "", "context": "x"}, "question"),
])
def test_client_mistake_is_a_400_from_the_handler(handlers: Deployment, route: str,
                                                 body: Any, message: str) -> None:
    response = post(handlers.urls[route], body)
    assert response.status_code == 400
    assert message in response.json()["message"]


def test_models_are_read_from_s3_at_init(handlers: Deployment,
                                         aws: Callable[[str], Any]) -> None:
    lam, logs = aws("lambda"), aws("logs")
    # NER's pipeline (en_core_web_sm) is in its package; QA's model is left out of it.
    ner = lam.get_function_configuration(FunctionName=handlers.functions["NerFunction"])
    assert "NER_MODEL" not in ner["Environment"]["Variables"]
    for logical_id, variable in (("QaFunction", "QA_MODEL"),):
        name = handlers.functions[logical_id]
        address = lam.get_function_configuration(FunctionName=name)["Environment"][
            "Variables"][variable]
        assert address == handlers.models[logical_id] and address.startswith("s3://")
        bucket, key = address[len("s3://"):].split("/", 1)
        assert aws("s3").head_object(Bucket=bucket, Key=key)["ContentLength"] > 0
        # INIT logged the download (handler_common.artifacts) into CloudWatch Logs.
        wait_for(lambda name=name, address=address: model_log_line(logs, name, address),
                 what=f"{name}'s INIT log line for {address}")


def model_log_line(logs: Any, function: str, address: str) -> bool:
    events = logs.filter_log_events(logGroupName=f"/aws/lambda/{function}")["events"]
    return any(f"model: {address}" in event["message"] for event in events)


def test_template_functions_keep_their_settings(handlers: Deployment,
                                                aws: Callable[[str], Any]) -> None:
    ner = aws("lambda").get_function_configuration(FunctionName=handlers.functions["NerFunction"])
    assert (ner["MemorySize"], ner["Timeout"], ner["Runtime"]) == (1024, 30, "python3.11")
    assert ner["Environment"]["Variables"]["NER_MIN_BATCH"] == "100"
    assert len(ner["Layers"]) == 1


def test_deploy_is_idempotent(handlers: Deployment, localstack: str) -> None:
    from workbench import template
    from workbench.localstack.deploy import deploy

    again = deploy(template.load(ROOT / "template.yaml"), endpoint=localstack,
                   say=lambda _: None)
    assert again.urls == handlers.urls and again.apis == handlers.apis
    assert post(again.urls["POST /qa"], REQUESTS["qa"][0]).status_code == 200




def test_a_profile_from_localstacks_cloudwatch_logs(handlers: Deployment, tmp_path: Path,
                                                    aws: Callable[[str], Any]) -> None:
    """What `aws logs filter-log-events` exports becomes a cold-start profile."""
    assert post(handlers.urls["POST /ner"], {"batch": REQUESTS["ner"] * 20}).status_code == 200
    group = f"/aws/lambda/{handlers.functions['NerFunction']}"

    def export() -> list[dict[str, Any]] | None:
        events = aws("logs").filter_log_events(logGroupName=group)["events"]
        return events if any("Init Duration" in e["message"] for e in events) else None

    (tmp_path / "export.json").write_text(json.dumps({"events": wait_for(export, what=group)}))
    done = workbench("trace", "profile", str(tmp_path / "export.json"), "--function",
                     "NerFunction", "-o", str(tmp_path / "ner.json"))
    assert done.returncode == 0, done.stderr
    profile = Profile.load(tmp_path / "ner.json")
    assert profile.memory_mb == 1024 and profile.init_duration_ms and profile.duration_ms
