"""Named-entity recognition for a batch of sentences, behind API Gateway (spaCy).

POST {"batch": [sentence, ...]} -> {"success_sentences": [doc.to_json(), ...],
"failed_sentences": [{"index", "sentence", "error"}]}. The batch amortises the pipeline
over 100-300 sentences per call (NER_MIN_BATCH / NER_MAX_BATCH), since every concurrent
environment pays for loading spaCy. The pipeline loads once per environment, at INIT.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import spacy
from handler_common import artifacts
from handler_common.http import BadRequest, error_response, json_body, json_response

MIN_BATCH = int(os.environ.get("NER_MIN_BATCH", "100"))
MAX_BATCH = int(os.environ.get("NER_MAX_BATCH", "300"))
MAX_SENTENCE_CHARS = int(os.environ.get("NER_MAX_SENTENCE_CHARS", "2000"))


DEFAULT_MODEL = "en_core_web_sm"  # spaCy's English pipeline, installed with the function


def load_pipeline(spec: str) -> Any:
    """NER_MODEL: an installed spaCy package (en_core_web_sm), a path, or s3://bucket/key."""
    # A package first: Lambda's working folder is the task root, where the installed
    # package's own folder `en_core_web_sm/` would also pass for a path.
    if spacy.util.is_package(spec) or (not spec.startswith("s3://") and "/" not in spec
                                       and not Path(spec).exists()):
        return spacy.load(spec)
    return spacy.load(artifacts.resolve(spec))


NLP = load_pipeline(os.environ.get("NER_MODEL") or DEFAULT_MODEL)


def read_batch(event: Any) -> list[str]:
    body = json_body(event)
    if not isinstance(body, dict):
        raise BadRequest('the body must be a JSON object: {"batch": [sentence, ...]}')
    if "batch" not in body:
        raise BadRequest('missing "batch": send {"batch": [sentence, ...]}')
    batch = body["batch"]
    if not isinstance(batch, list):
        raise BadRequest(f'"batch" must be a list of sentences, not {type(batch).__name__}')
    if not MIN_BATCH <= len(batch) <= MAX_BATCH:
        raise BadRequest(f'"batch" must hold between {MIN_BATCH} and {MAX_BATCH} sentences, '
                         f"got {len(batch)}")
    for index, sentence in enumerate(batch):
        if not isinstance(sentence, str):
            raise BadRequest(f"sentence {index} must be a string, not {type(sentence).__name__}")
        if len(sentence) > MAX_SENTENCE_CHARS:
            raise BadRequest(f"sentence {index} has {len(sentence)} characters; the limit "
                             f"is {MAX_SENTENCE_CHARS}")
    return batch


def recognise(batch: list[str]) -> dict[str, list[Any]]:
    """nlp.pipe over the batch; if it fails, sentence by sentence to isolate the failure."""
    try:
        return {"success_sentences": [doc.to_json() for doc in NLP.pipe(batch)],
                "failed_sentences": []}
    except Exception:  # noqa: BLE001 - one bad sentence must not fail the batch
        success, failed = [], []
        for index, sentence in enumerate(batch):
            try:
                success.append(NLP(sentence).to_json())
            except Exception as error:  # noqa: BLE001
                failed.append({"index": index, "sentence": sentence,
                               "error": f"{type(error).__name__}: {error}"})
        return {"success_sentences": success, "failed_sentences": failed}


def handler(event: Any, context: Any) -> dict[str, Any]:
    try:
        batch = read_batch(event)
    except BadRequest as error:
        return error_response(400, str(error))
    return json_response(200, recognise(batch))
