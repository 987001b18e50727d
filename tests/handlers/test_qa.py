"""The QA handler through real environments, the weight conversion, and model loading."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from workbench import models
from workbench.gateway.events import post_event
from workbench.models import minilm
from workbench.models.qa import bert_qa

pytestmark = pytest.mark.handlers
CONTEXT = ("Lumora Systems was founded by Dana Whitfield in 2011. Lumora Systems is "
           "headquartered in Oslo. Brightwell Labs is headquartered in Tarsk.")


@pytest.fixture(scope="session")
def qa_model() -> Path:
    return models.ensure_built("qa")


def answer_of(result: Any) -> tuple[int, Any]:
    assert result.function_error is None, result.payload
    response = result.json()
    return response["statusCode"], json.loads(response["body"])


def test_question_in_span_out(qa_model: Path, invoke_in: Any) -> None:
    events = [post_event("/qa", {"question": "Where is Lumora Systems headquartered?",
                                "context": CONTEXT}),
              post_event("/qa", {"batch": [{"question": "Who founded Lumora Systems?",
                                           "context": CONTEXT}] * 2}, "http")]
    single, batch = invoke_in("Qa", "qa", events)
    status, answer = answer_of(single)
    assert status == 200 and answer["answer"] == "Oslo"
    start = answer["start_position"]
    assert CONTEXT[start:start + answer["length"]] == answer["answer"]
    assert 0 < answer["score"] <= 1
    status, answers = answer_of(batch)
    assert status == 200 and [a["answer"] for a in answers["answers"]] == ["Dana Whitfield"] * 2


def test_long_context_uses_windows(qa_model: Path, invoke_in: Any) -> None:
    filler = " ".join(f"Report {i} said nothing of note about the weather." for i in range(120))
    context = f"{filler} Corvane Motors was founded by Ilsa Marrow in 1987. {filler}"
    (result,) = invoke_in("Qa", "qa", [post_event("/qa", {"question": "Who founded Corvane "
                                                         "Motors?", "context": context})])
    status, answer = answer_of(result)
    assert status == 200 and answer["answer"] == "Ilsa Marrow"
    assert context[answer["start_position"]:][:len("Ilsa Marrow")] == "Ilsa Marrow"


def test_short_inputs_run_the_short_graph_with_the_same_answer(qa_model: Path) -> None:
    qa = bert_qa()
    model = qa.QAModel(qa_model)
    question = "Where is Lumora Systems headquartered?"

    def cut(context: str, short_len: int | None) -> list[Any]:
        return list(qa.windows(model.tokenizer, question, context, model.max_len,
                               model.stride, short_len=short_len))

    assert model.short_len == 128
    [short] = cut(CONTEXT, model.short_len)
    [padded] = cut(CONTEXT, None)
    assert (len(short.ids), len(padded.ids)) == (128, 384)
    spans = [qa.best_span(w, model.logits([w])[0])[1:] for w in (short, padded)]
    assert spans[0] == spans[1]
    assert {len(w.ids) for w in cut(CONTEXT * 30, model.short_len)} == {384}


@pytest.mark.parametrize("payload, message", [
    (b"{oops", "not valid JSON"),
    ({"context": "x"}, "missing 'question'"),
    ({"question": "x"}, "missing 'context'"),
    ({"question": "  ", "context": "x"}, "'question' is empty"),
    ({"question": 3, "context": "x"}, "'question' must be a string"),
    ({"batch": []}, "non-empty list"),
    ({"batch": [{"question": "q", "context": "c"}] * 17}, "the limit is 16"),
    ({"batch": ["nope"]}, "batch item 0 must be an object"),
])
def test_client_mistakes_are_400(qa_model: Path, invoke_in: Any, payload: Any,
                                 message: str) -> None:
    (result,) = invoke_in("Qa", "qa", [post_event("/qa", payload)])
    status, answer = answer_of(result)
    assert status == 400 and message in answer["message"]


def test_weight_conversion_matches_a_numpy_forward_pass() -> None:
    import mxnet as mx

    source = minilm.fetch()
    tensors = minilm.load_tensors(source)
    net = bert_qa().build_network(minilm.CONFIG)
    net.initialize()
    ids = np.array([101, 2040, 2631, 1996, 2194, 1029, 102, 2002, 2106, 102])
    types = np.array([0] * 7 + [1] * 3)
    inputs = (mx.nd.array([ids]), mx.nd.array([types]), mx.nd.array([len(ids)]))
    net(*inputs)
    params = net._collect_params_with_prefix()
    for name, value in minilm.gluon_weights(tensors).items():
        params[name].set_data(mx.nd.array(value))
    ours = net.bert(*inputs).asnumpy()[0]
    reference = minilm.reference_forward(tensors, ids, types)
    assert np.abs(ours - reference).max() < 1e-4


def test_masked_attention_matches_gluonnlps_on_padded_input(tmp_path: Path) -> None:
    """MaskedSelfAttention (additive mask, fast softmax) gives gluonnlp's own answers
    where it counts: every position of a sequence padded to twice its length."""
    import mxnet as mx
    from gluonnlp.model.bert import DotProductSelfAttentionCell

    qa = bert_qa()
    config = {"num_layers": 2, "units": 64, "hidden_size": 128, "num_heads": 4,
              "vocab_size": 1000}
    ours, theirs = qa.build_network(config), qa.build_network(config)
    for cell in theirs.bert.encoder.transformer_cells:
        cell.attention_cell.__class__ = DotProductSelfAttentionCell
    rng = np.random.default_rng(7)
    ids = mx.nd.array(rng.integers(0, 1000, (2, 32)))
    types = mx.nd.array(rng.integers(0, 2, (2, 32)))
    valid = mx.nd.array([16, 9])
    ours.initialize(mx.init.Normal(0.5))
    ours(ids, types, valid)
    ours.save_parameters(str(tmp_path / "p.params"))
    theirs.load_parameters(str(tmp_path / "p.params"))
    for net in (ours, theirs):
        net.hybridize(static_alloc=True, static_shape=True)
    a, b = ours(ids, types, valid).asnumpy(), theirs(ids, types, valid).asnumpy()
    for row, length in enumerate((16, 9)):
        assert np.abs(a[row, :length] - b[row, :length]).max() < 1e-4


def test_user_brought_gluonnlp_bert_parameters_load(tmp_path: Path, qa_model: Path) -> None:
    """A 12-layer gluonnlp BertForQA saved by gluonnlp's own save_parameters, as a user's
    SQuAD fine-tune would be (tiny widths keep the test fast)."""
    qa = bert_qa()
    config = {"num_layers": 12, "units": 64, "hidden_size": 128, "num_heads": 4,
              "max_length": 512, "vocab_size": 30522, "max_seq_len": 128, "doc_stride": 64}
    net = qa.build_network(config)
    net.initialize()
    import mxnet as mx

    net(mx.nd.zeros((1, 8)), mx.nd.zeros((1, 8)), mx.nd.array([8]))  # shapes are deferred
    net.save_parameters(str(tmp_path / "model.params"))
    (tmp_path / "config.json").write_text(json.dumps(config))
    (tmp_path / "vocab.txt").write_bytes((qa_model / "vocab.txt").read_bytes())
    answer = qa.QAModel(tmp_path).answer("Who?", "Dana founded it.")
    assert answer["answer"] in "Dana founded it."


def test_quality_floor(qa_model: Path) -> None:
    figures = models.recipe("qa").evaluate(qa_model)
    assert figures["heldout_exact_match"] >= 0.85, figures


def test_module_is_not_imported_twice() -> None:
    assert bert_qa() is sys.modules["workbench_bert_qa"]
