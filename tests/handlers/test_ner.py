"""The NER handler through real environments: contract, bad input, model loading, quality."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from workbench.gateway.events import post_event
from workbench.models import recipe

pytestmark = pytest.mark.handlers
SENTENCE = "Dana Whitfield founded Lumora Systems in Oslo in March 2011 for $4 million."


def body(result: Any) -> tuple[int, Any]:
    assert result.function_error is None, result.payload
    response = result.json()
    return response["statusCode"], json.loads(response["body"])


def test_batch_in_entities_out_v1_and_v2(ner_model: Path, invoke_in: Any) -> None:
    batch = [SENTENCE] + [f"Sentence number {i} has no entities." for i in range(99)]
    rest, http = invoke_in("Ner", "ner", [post_event("/ner", {"batch": batch}),
                                          post_event("/ner", {"batch": batch}, "http")])
    for result in (rest, http):
        status, answer = body(result)
        assert status == 200 and answer["failed_sentences"] == []
        assert len(answer["success_sentences"]) == 100
        first = answer["success_sentences"][0]
        found = {(SENTENCE[e["start"]:e["end"]], e["label"]) for e in first["ents"]}
        assert ("Dana Whitfield", "PERSON") in found and ("Oslo", "GPE") in found
    assert rest.cold and not http.cold  # one environment: the pipeline loaded once


@pytest.mark.parametrize("payload, message", [
    (b"", "request body is missing"),
    (b"{not json", "not valid JSON"),
    ([1, 2], "must be a JSON object"),
    ({"sentences": []}, 'missing "batch"'),
    ({"batch": "text"}, '"batch" must be a list'),
    ({"batch": ["a"] * 99}, "between 100 and 300 sentences, got 99"),
    ({"batch": ["a"] * 301}, "between 100 and 300 sentences, got 301"),
    ({"batch": ["a"] * 50 + [7] + ["a"] * 49}, "sentence 50 must be a string"),
    ({"batch": ["a"] * 99 + ["x" * 2001]}, "sentence 99 has 2001 characters"),
])
def test_client_mistakes_are_400_with_a_reason(ner_model: Path, invoke_in: Any,
                                               payload: Any, message: str) -> None:
    event = post_event("/ner", payload)
    if payload == b"":
        event["body"] = None
    (result,) = invoke_in("Ner", "ner", [event])
    status, answer = body(result)
    assert status == 400 and message in answer["message"]


def test_batch_bounds_come_from_the_environment(ner_model: Path, invoke_in: Any) -> None:
    (result,) = invoke_in("Ner", "ner", [post_event("/ner", {"batch": ["a", "b"]})],
                          {"NER_MIN_BATCH": "1", "NER_MAX_BATCH": "2"})
    assert body(result)[0] == 200


def test_model_from_a_path_and_a_missing_package(ner_model: Path, invoke_in: Any,
                                                 workbench_shared_path: Path) -> None:
    copy = workbench_shared_path / "my-model"  # the function's /tmp is its own
    shutil.copytree(ner_model, copy)
    (ok,) = invoke_in("Ner", "ner", [post_event("/ner", {"batch": [SENTENCE] * 100})],
                      {"NER_MODEL": str(copy)})
    assert body(ok)[0] == 200
    (failed,) = invoke_in("Ner", "ner", [post_event("/ner", {"batch": [SENTENCE] * 100})],
                          {"NER_MODEL": "en_core_web_nonexistent"})
    assert failed.function_error == "Unhandled" and failed.cold
    assert "en_core_web_nonexistent" in failed.json()["errorMessage"]


def test_quality_floor(ner_model: Path) -> None:
    figures = recipe("ner").evaluate(ner_model)
    assert figures["heldout_f1"] >= 0.90, figures
