"""Extractive QA with a GluonNLP BERT and a 2-unit span head (MXNet).

The network mirrors gluonnlp's own SQuAD model (`bert` + `span_classifier`), so BERT
parameters fine-tuned with gluonnlp's scripts (e.g. bert_12_768_12 on SQuAD) load as
they are. A model directory holds `config.json`, `model.params` and `vocab.txt` (or a
gluonnlp vocab `.json`). Inputs are padded to a fixed length so the hybridized graph
keeps static shapes; long contexts are read in windows with a stride.
"""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import mxnet as mx
import numpy as np
from gluonnlp.model.bert import BERTEncoder, BERTModel, DotProductSelfAttentionCell
from mxnet.gluon import HybridBlock, nn

MAX_ANSWER_TOKENS = 30


class MaskedSelfAttention(DotProductSelfAttentionCell):
    """gluonnlp's multi-head self-attention, with padding masked by addition.

    gluonnlp hands the valid length to `softmax(use_length=True)`, which MXNet runs as a
    scalar loop: half of a forward pass at 384 tokens here. Adding -1e9 to padded keys
    gives the same weights (their exp underflows to 0) through the vectorised softmax.
    Same parameters, so gluonnlp's own BERT parameters load unchanged.
    """

    def hybrid_forward(self, F: Any, qkv: Any, valid_len: Any, query_bias: Any,
                       key_bias: Any, value_bias: Any, query_weight: Any, key_weight: Any,
                       value_weight: Any) -> Any:
        heads = self._num_heads
        # Projections interleaved per head, as the interleaved_matmul_selfatt ops expect.
        weight = F.concat(*(w.reshape(shape=(heads, -1, 0), reverse=True)
                            for w in (query_weight, key_weight, value_weight)), dim=-2)
        bias = F.stack(*(b.reshape(shape=(heads, -1), reverse=True)
                         for b in (query_bias, key_bias, value_bias)), axis=1)
        projected = F.FullyConnected(qkv, weight=weight.reshape(shape=(-1, 0), reverse=True),
                                     bias=bias.reshape(-1), num_hidden=self.units * 3,
                                     flatten=False)
        score = F.contrib.interleaved_matmul_selfatt_qk(projected, heads=heads)
        if valid_len is not None:  # (batch, query) -> (batch * heads, query, 1)
            valid = F.broadcast_axis(F.expand_dims(valid_len, axis=1), axis=1, size=heads)
            valid = valid.reshape(shape=(-1, 0), reverse=True).expand_dims(-1)
            keys = F.contrib.arange_like(score, axis=-1).reshape((1, 1, -1))
            padded = F.broadcast_greater_equal(keys, F.cast(valid, "float32"))
            score = F.broadcast_add(score, padded * -1e9)
        weights = self.dropout_layer(F.softmax(score, axis=-1))
        context = F.contrib.interleaved_matmul_selfatt_valatt(projected, weights, heads=heads)
        return context, weights.reshape(shape=(-1, heads, 0, 0), reverse=True)


class BertForQA(HybridBlock):
    def __init__(self, bert: BERTModel, prefix: str | None = None) -> None:
        super().__init__(prefix=prefix)
        with self.name_scope():
            self.bert = bert
            self.span_classifier = nn.Dense(units=2, flatten=False)

    def hybrid_forward(self, F: Any, inputs: Any, token_types: Any, valid_length: Any) -> Any:
        return self.span_classifier(self.bert(inputs, token_types, valid_length))


def build_network(config: dict[str, Any]) -> BertForQA:
    encoder = BERTEncoder(
        num_layers=config["num_layers"], units=config["units"],
        hidden_size=config["hidden_size"], num_heads=config["num_heads"],
        max_length=config.get("max_length", 512), dropout=config.get("dropout", 0.0),
        activation=config.get("activation", "gelu"),
        layer_norm_eps=config.get("layer_norm_eps", 1e-12))
    for cell in encoder.transformer_cells:  # gluonnlp builds its cells itself
        cell.attention_cell.__class__ = MaskedSelfAttention
    bert = BERTModel(encoder, vocab_size=config["vocab_size"],
                     token_type_vocab_size=config.get("token_type_vocab_size", 2),
                     units=config["units"], embed_size=config["units"], use_pooler=False,
                     use_decoder=False, use_classifier=False)
    return BertForQA(bert)


# -- tokenization with character offsets (BERT's basic + WordPiece, uncased) ---------------

def _is_punctuation(char: str) -> bool:
    code = ord(char)
    if 33 <= code <= 47 or 58 <= code <= 64 or 91 <= code <= 96 or 123 <= code <= 126:
        return True
    return unicodedata.category(char).startswith("P")


def _normalise(char: str, lower: bool) -> str:
    if not lower:
        return char
    decomposed = unicodedata.normalize("NFD", char.lower())
    return "".join(c for c in decomposed if unicodedata.category(c) != "Mn")


class Tokenizer:
    def __init__(self, vocab: dict[str, int], lower: bool = True) -> None:
        self.vocab = vocab
        self.lower = lower
        self.cls, self.sep = vocab["[CLS]"], vocab["[SEP]"]
        self.pad, self.unk = vocab["[PAD]"], vocab["[UNK]"]

    @classmethod
    def from_dir(cls, directory: Path, lower: bool = True) -> Tokenizer:
        if (directory / "vocab.txt").exists():
            lines = (directory / "vocab.txt").read_text(encoding="utf-8").splitlines()
            return cls({token: i for i, token in enumerate(lines)}, lower)
        [vocab_json] = list(directory.glob("*.vocab")) + list(directory.glob("vocab.json"))
        data = json.loads(vocab_json.read_text())  # gluonnlp's BERTVocab.to_json()
        return cls(dict(data["token_to_idx"]), lower)

    def words(self, text: str) -> list[tuple[str, int, int]]:
        """Basic tokens with their [start, end) character offsets in `text`."""
        words: list[tuple[str, int, int]] = []
        start = None
        for index, char in enumerate(text + " "):
            if char.isspace() or _is_punctuation(char) or unicodedata.category(char) == "Cc":
                if start is not None:
                    words.append((text[start:index], start, index))
                    start = None
                if _is_punctuation(char):
                    words.append((char, index, index + 1))
            elif start is None:
                start = index
        return words

    def wordpieces(self, word: str) -> list[int]:
        word = "".join(_normalise(c, self.lower) for c in word)
        if not word:
            return []
        if len(word) > 100:
            return [self.unk]
        pieces, start = [], 0
        while start < len(word):
            end = len(word)
            while end > start:
                piece = word[start:end] if start == 0 else "##" + word[start:end]
                if piece in self.vocab:
                    pieces.append(self.vocab[piece])
                    break
                end -= 1
            else:
                return [self.unk]
            start = end
        return pieces

    def encode(self, text: str) -> tuple[list[int], list[tuple[int, int]]]:
        ids, spans = [], []
        for word, begin, end in self.words(text):
            for piece in self.wordpieces(word):
                ids.append(piece)
                spans.append((begin, end))
        return ids, spans


# -- windows over long contexts, and answers back in characters ---------------------------

@dataclass
class Window:
    ids: list[int]
    types: list[int]
    valid: int
    context_start: int  # index in `ids` of the first context token
    spans: list[tuple[int, int]]  # character span of each context token in the window


def windows(tokenizer: Tokenizer, question: str, context: str, max_len: int,
            stride: int, max_question: int = 64, short_len: int | None = None) -> list[Window]:
    """Windows of `max_len` tokens over the context, `stride` apart. With `short_len`, an
    input that fits whole in it gets one window of that length: a smaller static graph,
    a third of the time of a 384-token one at 128."""
    q_ids = tokenizer.encode(question)[0][:max_question]
    c_ids, c_spans = tokenizer.encode(context)
    if short_len is not None and len(q_ids) + len(c_ids) + 3 <= short_len:
        max_len = short_len
    room = max_len - len(q_ids) - 3
    result, begin = [], 0
    while True:
        chunk = c_ids[begin:begin + room]
        ids = [tokenizer.cls, *q_ids, tokenizer.sep, *chunk, tokenizer.sep]
        types = [0] * (len(q_ids) + 2) + [1] * (len(chunk) + 1)
        valid = len(ids)
        ids += [tokenizer.pad] * (max_len - valid)
        types += [0] * (max_len - valid)
        result.append(Window(ids, types, valid, len(q_ids) + 2,
                             c_spans[begin:begin + room]))
        if begin + room >= len(c_ids):
            return result
        begin += stride


def _softmax(x: np.ndarray) -> np.ndarray:
    e = np.exp(x - x.max())
    return e / e.sum()  # type: ignore[no-any-return]


def best_span(window: Window, logits: np.ndarray) -> tuple[float, int, int]:
    """(probability, first, last) context-token indices of the best span in a window."""
    n = len(window.spans)
    first = window.context_start
    start = _softmax(logits[first:first + n, 0])
    end = _softmax(logits[first:first + n, 1])
    # p(start=i) * p(end=j) for i <= j < i + MAX_ANSWER_TOKENS
    table = np.triu(np.outer(start, end)) - np.triu(np.outer(start, end), MAX_ANSWER_TOKENS)
    i, j = np.unravel_index(int(np.argmax(table)), table.shape)
    return float(table[i, j]), int(i), int(j)


# -- the model as the handler uses it ---------------------------------------------------

class QAModel:
    def __init__(self, directory: Path, ctx: mx.Context | None = None) -> None:
        self.config = json.loads((directory / "config.json").read_text())
        self.tokenizer = Tokenizer.from_dir(directory, self.config.get("lower", True))
        self.max_len = int(self.config.get("max_seq_len", 384))
        self.stride = int(self.config.get("doc_stride", 128))
        short = int(self.config.get("short_seq_len", 128))
        self.short_len = short if short < self.max_len else None
        self.ctx = ctx or mx.cpu()
        self.net = build_network(self.config)
        self.net.load_parameters(str(directory / self.config.get("params", "model.params")),
                                 ctx=self.ctx)

    def hybridize(self) -> None:
        self.net.hybridize(static_alloc=True, static_shape=True)

    def warm_up(self) -> None:
        """Run each input length once, so its graph is built now (at INIT), not on a request."""
        for length in sorted({self.short_len or self.max_len, self.max_len}):
            self.logits(windows(self.tokenizer, "warm up", "warm up", length, length))

    def logits(self, batch: list[Window]) -> np.ndarray:
        ids = mx.nd.array([w.ids for w in batch], ctx=self.ctx)
        types = mx.nd.array([w.types for w in batch], ctx=self.ctx)
        valid = mx.nd.array([w.valid for w in batch], ctx=self.ctx, dtype="float32")
        return self.net(ids, types, valid).asnumpy()  # type: ignore[no-any-return]

    def answer(self, question: str, context: str) -> dict[str, Any]:
        found = windows(self.tokenizer, question, context, self.max_len, self.stride,
                        short_len=self.short_len)
        best = (-1.0, 0, 0, found[0])
        for window, logits in zip(found, self.logits(found), strict=True):
            if window.spans:
                score, i, j = best_span(window, logits)
                if score > best[0]:
                    best = (score, i, j, window)
        score, i, j, window = best
        if not window.spans:
            return {"answer": "", "start_position": 0, "length": 0, "score": 0.0}
        start, end = window.spans[i][0], window.spans[j][1]
        return {"answer": context[start:end], "start_position": start,
                "length": end - start, "score": round(score, 6)}
