"""Issue 3's benchmark, in-process: INIT split into import, model load and warm-up;
NER on a 300-sentence batch with nlp.pipe beside a per-sentence loop; QA at sequence
lengths 128 and 384, hybridized beside the plain imperative network and beside
gluonnlp's own attention."""

from __future__ import annotations

import importlib
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from workbench import models

ROOT = Path(__file__).parents[1]
SENTENCE = ("Dana Whitfield founded Lumora Systems in Oslo in March 2011, and Brightwell "
            "Labs paid $4 million for it in 2019.")


def _timed(fn: Callable[[], Any], repeats: int) -> dict[str, float]:
    runs = []
    for _ in range(repeats):
        started = time.perf_counter()
        fn()
        runs.append((time.perf_counter() - started) * 1000)
    runs.sort()
    return {"p50_ms": round(statistics.median(runs), 2),
            "p95_ms": round(runs[max(0, int(len(runs) * 0.95) - 1)], 2)}


def _news_sentences() -> list[str]:
    """The sentences of the recorded NER request (varied, news-like, 60 characters on
    average), beside which the bench also runs one long sentence repeated."""
    event = json.loads((ROOT / "fixtures" / "events" / "apigw-rest" / "ner-batch.json")
                       .read_text())
    return list(json.loads(event["body"])["batch"])


def _ner() -> dict[str, Any]:
    started = time.perf_counter()
    spacy = importlib.import_module("spacy")
    imported = time.perf_counter()
    nlp = spacy.load(models.ensure_built("ner"))
    loaded = time.perf_counter()
    nlp(SENTENCE)
    warmed = time.perf_counter()
    batches = {"news": (_news_sentences() * 3)[:300], "one_sentence": [SENTENCE] * 300}
    measured = {}
    for name, batch in batches.items():
        pipe = _timed(lambda: list(nlp.pipe(batch)), 7)  # noqa: B023
        loop = _timed(lambda: [nlp(s) for s in batch], 7)  # noqa: B023
        measured[f"batch_300_{name}"] = {
            "pipe": pipe, "loop": loop,
            "pipe_speedup_vs_loop": round(loop["p50_ms"] / pipe["p50_ms"], 2)}
    return {
        "init_ms": {"import": round((imported - started) * 1000, 1),
                    "model_load": round((loaded - imported) * 1000, 1),
                    "warm_up": round((warmed - loaded) * 1000, 1)},
        **measured,
        "target_speedup_min": 1.6,
    }


def _qa() -> dict[str, Any]:
    """Full windows (the context fills every token) on one OpenMP thread, about what a
    2,048 MB Lambda's 1.16 vCPU gives; the hybridized network beside the imperative one,
    and beside gluonnlp's own attention (length-masked softmax)."""
    # MXNet reads this once, at import (MXSetNumOMPThreads cannot raise it later).
    os.environ["OMP_NUM_THREADS"] = "1"
    sys.path.insert(0, str(ROOT / "handlers" / "qa"))
    started = time.perf_counter()
    bert_qa = importlib.import_module("bert_qa")
    imported = time.perf_counter()
    directory = models.ensure_built("qa")
    hybrid = bert_qa.QAModel(directory)
    loaded = time.perf_counter()
    hybrid.hybridize()
    context = " ".join([SENTENCE] * 60)
    full = {seq: bert_qa.windows(hybrid.tokenizer, "Who founded Lumora Systems?", context,
                                 seq, seq)[0] for seq in (128, 384)}
    for window in full.values():
        assert window.valid == len(window.ids)
        hybrid.logits([window])  # builds this shape's static graph
    warmed = time.perf_counter()
    plain = bert_qa.QAModel(directory)
    gluonnlp_attention = bert_qa.QAModel(directory)
    for cell in gluonnlp_attention.net.bert.encoder.transformer_cells:
        cell.attention_cell.__class__ = bert_qa.DotProductSelfAttentionCell
    gluonnlp_attention.hybridize()
    results: dict[str, Any] = {}
    for seq, window in full.items():
        gluonnlp_attention.logits([window])
        plain.logits([window])
        fast = _timed(lambda: hybrid.logits([window]), 20)  # noqa: B023
        slow = _timed(lambda: plain.logits([window]), 20)  # noqa: B023
        theirs = _timed(lambda: gluonnlp_attention.logits([window]), 20)  # noqa: B023
        results[f"seq_{seq}"] = {
            "hybridized": fast, "imperative": slow, "gluonnlp_attention": theirs,
            "hybridize_speedup": round(slow["p50_ms"] / fast["p50_ms"], 2),
            "attention_speedup": round(theirs["p50_ms"] / fast["p50_ms"], 2)}
    return {
        "init_ms": {"import": round((imported - started) * 1000, 1),
                    "model_load": round((loaded - imported) * 1000, 1),
                    "hybridize_and_warm_up": round((warmed - loaded) * 1000, 1)},
        **results,
        "targets_p50_ms_max": {"seq_128": 30, "seq_384": 90},
    }


def run() -> dict[str, Any]:
    return {"ner": _ner(), "qa": _qa()}
