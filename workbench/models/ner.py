"""The default NER model: spaCy tok2vec+ner trained on a synthetic, generated corpus.

Sentences come from templates with slots filled by *invented* names (syllables, not
lists of real ones), so the model learns from context. Whole templates are held out for
evaluation, so the quality floor measures generalisation to unseen sentence shapes.
A hand-written, news-like set with real names is reported beside it, never trained on.
"""

from __future__ import annotations

import json
import random
import re
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from workbench.models import REPO_ROOT

DATA = REPO_ROOT / "fixtures" / "models" / "ner"
LABELS = ("PERSON", "ORG", "GPE", "DATE", "MONEY")
SEED = 20241124
TRAIN_SENTENCES = 4000
HELDOUT_SENTENCES = 600
EPOCHS = 5  # the loss plateaus by the third epoch

Annotated = tuple[str, list[tuple[int, int, str]]]


class Generator:
    """Fills templates with invented entities; deterministic for a seed."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.names = json.loads((DATA / "names.json").read_text())

    def word(self, low: int = 2, high: int = 3) -> str:
        syllables = self.names["syllables"]
        return "".join(self.rng.choice(syllables)
                       for _ in range(self.rng.randint(low, high))).capitalize()

    def entity(self, label: str) -> str:
        n, rng = self.names, self.rng
        if label == "PERSON":
            return f"{self.word(2, 2)} {self.word()}"
        if label == "ORG":
            name = self.word()
            return name if rng.random() < 0.2 else f"{name} {rng.choice(n['org_suffixes'])}"
        if label == "GPE":
            return rng.choice(n["place_prefixes"]) + self.word() + rng.choice(
                n["place_suffixes"])
        if label == "DATE":
            month, year = rng.choice(n["months"]), rng.randint(1950, 2030)
            return rng.choice([f"{month} {rng.randint(1, 28)}, {year}",
                               f"{rng.randint(1, 28)} {month} {year}", f"{month} {year}",
                               str(year)])
        amount = rng.choice([str(rng.randint(2, 999)), f"{rng.randint(1, 99)}.{rng.randint(1, 9)}"])
        return f"{rng.choice(n['currencies'])}{amount}{rng.choice(n['scales'])}"

    def sentence(self, template: str) -> Annotated:
        text, spans, cursor = "", [], 0
        for match in re.finditer(r"\{(\w+)\}", template):
            text += template[cursor:match.start()]
            value = self.entity(match.group(1))
            spans.append((len(text), len(text) + len(value), match.group(1)))
            text += value
            cursor = match.end()
        return text + template[cursor:], spans

    def corpus(self, templates: list[str], count: int) -> list[Annotated]:
        return [self.sentence(self.rng.choice(templates)) for _ in range(count)]


def _templates() -> dict[str, list[str]]:
    return json.loads((DATA / "templates.json").read_text())  # type: ignore[no-any-return]


def _examples(nlp: Any, data: Iterable[Annotated]) -> list[Any]:
    """Gold docs, each span widened to whole tokens ("Corp." is one token in spaCy)."""
    from spacy.training import Example

    examples = []
    for text, spans in data:
        gold = nlp.make_doc(text)
        gold.ents = [gold.char_span(start, end, label=label, alignment_mode="expand")
                     for start, end, label in spans]
        examples.append(Example(nlp.make_doc(text), gold))
    return examples


def news_set() -> list[Annotated]:
    """The hand-written news-like set: entity strings located in their sentences."""
    items = json.loads((DATA / "news_eval.json").read_text())
    annotated = []
    for item in items:
        spans, start = [], 0
        for surface, label in item["ents"]:
            begin = item["text"].index(surface, start)
            spans.append((begin, begin + len(surface), label))
            start = begin + len(surface)
        annotated.append((item["text"], spans))
    return annotated


@dataclass(frozen=True)
class NerRecipe:
    name: str = "ner"

    def inputs(self) -> Iterator[Path | str]:
        import spacy

        yield Path(__file__)
        yield DATA / "templates.json"
        yield DATA / "names.json"
        yield f"spacy=={spacy.__version__} seed={SEED} n={TRAIN_SENTENCES} epochs={EPOCHS}"

    def build(self, out_dir: Path) -> None:
        import spacy
        from spacy.util import minibatch

        spacy.util.fix_random_seed(SEED)
        templates = _templates()
        train = Generator(SEED).corpus(templates["train"], TRAIN_SENTENCES)
        nlp = spacy.blank("en")
        ner = nlp.add_pipe("ner")  # its own tok2vec: spaCy's HashEmbedCNN
        for label in LABELS:
            ner.add_label(label)
        examples = _examples(nlp, train)
        optimizer = nlp.initialize(lambda: examples)
        rng = random.Random(SEED)
        started = time.monotonic()
        for epoch in range(1, EPOCHS + 1):
            rng.shuffle(examples)
            losses: dict[str, float] = {}
            for batch in minibatch(examples, size=32):
                nlp.update(batch, drop=0.2, sgd=optimizer, losses=losses)
            print(f"    ner epoch {epoch}/{EPOCHS}: loss {losses['ner']:.1f} "
                  f"({time.monotonic() - started:.0f} s)", flush=True)
        nlp.meta.update({"name": "workbench_ner", "version": "1.0.0",
                         "description": "Synthetic-corpus NER for Lambda Workbench"})
        nlp.to_disk(out_dir)

    def evaluate(self, model_dir: Path) -> dict[str, Any]:
        import spacy

        nlp = spacy.load(model_dir)
        heldout = Generator(SEED + 1).corpus(_templates()["heldout"], HELDOUT_SENTENCES)
        synthetic = nlp.evaluate(_examples(nlp, heldout))
        news = nlp.evaluate(_examples(nlp, news_set()))
        return {
            "heldout_f1": round(synthetic["ents_f"], 4),
            "heldout_precision": round(synthetic["ents_p"], 4),
            "heldout_recall": round(synthetic["ents_r"], 4),
            "news_f1": round(news["ents_f"], 4),
            "news_per_type_f1": {label: round(scores["f"], 3)
                                 for label, scores in news["ents_per_type"].items()},
            "floor": {"heldout_f1": 0.90},
        }


RECIPE = NerRecipe()
