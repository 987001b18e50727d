"""Extractive question answering behind API Gateway (MXNet + GluonNLP BERT).

POST {"question": ..., "context": ...} -> {"answer", "start_position", "length", "score"}
or {"batch": [{"question", "context"}, ...]} -> {"answers": [...]}. The answer is always
a span of the context. The model loads once per environment, at INIT, from QA_MODEL (a
directory or an s3://bucket/key archive; default: ./model beside this file).
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path
from typing import Any

warnings.filterwarnings("ignore", module="gluonnlp")  # its import-time deprecation noise

from bert_qa import QAModel  # noqa: E402
from handler_common import artifacts  # noqa: E402
from handler_common.http import BadRequest, error_response, json_body, json_response  # noqa: E402

MAX_BATCH = int(os.environ.get("QA_MAX_BATCH", "16"))
MAX_QUESTION_CHARS = int(os.environ.get("QA_MAX_QUESTION_CHARS", "1000"))
MAX_CONTEXT_CHARS = int(os.environ.get("QA_MAX_CONTEXT_CHARS", "100000"))

MODEL = QAModel(artifacts.resolve(os.environ.get("QA_MODEL") or
                                  str(Path(__file__).parent / "model")))
MODEL.hybridize()
MODEL.warm_up()


def read_item(item: Any, where: str) -> tuple[str, str]:
    if not isinstance(item, dict):
        raise BadRequest(f"{where} must be an object with question and context")
    values = []
    for key, limit in (("question", MAX_QUESTION_CHARS), ("context", MAX_CONTEXT_CHARS)):
        if key not in item:
            raise BadRequest(f"{where}: missing {key!r}")
        value = item[key]
        if not isinstance(value, str):
            raise BadRequest(f"{where}: {key!r} must be a string, not {type(value).__name__}")
        if not value.strip():
            raise BadRequest(f"{where}: {key!r} is empty")
        if len(value) > limit:
            raise BadRequest(f"{where}: {key!r} has {len(value)} characters; the limit is "
                             f"{limit}")
        values.append(value)
    return values[0], values[1]


def handler(event: Any, context: Any) -> dict[str, Any]:
    try:
        body = json_body(event)
        if isinstance(body, dict) and "batch" in body:
            batch = body["batch"]
            if not isinstance(batch, list) or not batch:
                raise BadRequest('"batch" must be a non-empty list of {question, context}')
            if len(batch) > MAX_BATCH:
                raise BadRequest(f'"batch" holds {len(batch)} items; the limit is {MAX_BATCH}')
            items = [read_item(item, f"batch item {i}") for i, item in enumerate(batch)]
            return json_response(200, {"answers": [MODEL.answer(q, c) for q, c in items]})
        question, text = read_item(body, "the body")
    except BadRequest as error:
        return error_response(400, str(error))
    return json_response(200, MODEL.answer(question, text))
