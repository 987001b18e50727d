"""Golden responses of the NER and QA handlers on recorded requests.

Volatile parts are left out (request ids, scores' low digits); a changed model or
handler shows up as a reviewable diff after `pytest --update-fixtures`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from workbench import models
from workbench.gateway.events import post_event

pytestmark = pytest.mark.handlers
GOLDEN = Path(__file__).parents[2] / "fixtures" / "golden"
REQUESTS = json.loads((GOLDEN / "requests.json").read_text())


def body(result: Any) -> Any:
    assert result.function_error is None, result.payload
    return json.loads(result.json()["body"])


def test_ner_golden(invoke_in: Any, golden: Any) -> None:
    models.ensure_built("ner")
    batch = REQUESTS["ner"] * 20  # the handler wants 100 to 300 sentences
    (result,) = invoke_in("Ner", "ner", [post_event("/ner", {"batch": batch})])
    docs = body(result)["success_sentences"][:len(REQUESTS["ner"])]
    entities = [[[doc["text"][e["start"]:e["end"]], e["label"]] for e in doc["ents"]]
                for doc in docs]
    golden(GOLDEN / "ner.json", dict(zip(REQUESTS["ner"], entities, strict=True)))


def test_qa_golden(invoke_in: Any, golden: Any) -> None:
    models.ensure_built("qa")
    (result,) = invoke_in("Qa", "qa", [post_event("/qa", {"batch": REQUESTS["qa"]})])
    answers = [{"answer": a["answer"], "start_position": a["start_position"]}
               for a in body(result)["answers"]]
    golden(GOLDEN / "qa.json", dict(zip([q["question"] for q in REQUESTS["qa"]], answers,
                                        strict=True)))
