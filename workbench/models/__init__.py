"""The default models, built offline from recipes the project ships, cached by recipe hash.

A recipe (`workbench.models.ner`, `workbench.models.qa`) turns data it generates or
ships into a model directory. The cache key is a hash of everything the build reads
(code, data files, dependency versions), so a second `make dev` does not rebuild and
a changed recipe does. Each handler finds its default model at `handlers/<name>/model`,
a symlink made here (on AWS, `sam build` packages that folder with the function).
"""

from __future__ import annotations

import hashlib
import importlib
import os
import shutil
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Protocol

from workbench.config import cache_dir
from workbench.errors import WorkbenchError

NAMES = ("ner", "qa")
# The handlers that read their default model from a `model` folder beside their code. The
# NER handler's default is en_core_web_sm, installed with it; the self-trained NER model
# stays for the tests that load a model from a path or from S3.
LINKED = ("qa",)
REPO_ROOT = Path(__file__).resolve().parents[2]


class Recipe(Protocol):
    name: str

    def inputs(self) -> Iterable[Path | str]:
        """Everything the build reads: files (hashed by content) and strings (versions)."""

    def build(self, out_dir: Path) -> None:
        """Build the model into the empty directory `out_dir`, printing progress."""

    def evaluate(self, model_dir: Path) -> dict[str, Any]:
        """Quality figures on held-out data, e.g. {"f1": 0.93, ...}."""


def recipe(name: str) -> Recipe:
    if name not in NAMES:
        raise WorkbenchError(f"unknown model {name!r} (known: {', '.join(NAMES)})")
    return importlib.import_module(f"workbench.models.{name}").RECIPE  # type: ignore[no-any-return]


def recipe_hash(r: Recipe) -> str:
    digest = hashlib.sha256()
    for item in r.inputs():
        if isinstance(item, Path):
            files = sorted(p for p in item.rglob("*") if p.is_file()) if item.is_dir() else [item]
            for file in files:
                if "__pycache__" in file.parts:
                    continue
                digest.update(str(file.relative_to(REPO_ROOT) if file.is_relative_to(REPO_ROOT)
                                  else file).encode())
                digest.update(file.read_bytes())
        else:
            digest.update(item.encode())
    return digest.hexdigest()[:16]


def model_dir(name: str) -> Path:
    r = recipe(name)
    return cache_dir() / "models" / f"{name}-{recipe_hash(r)}"


def ensure_built(name: str, *, force: bool = False) -> Path:
    """The cached model for `name`, built first if missing; linked into handlers/<name>/model
    for the handlers that read it from there (LINKED)."""
    r = recipe(name)
    target = model_dir(name)
    if force and target.exists():
        shutil.rmtree(target)
    if target.exists():
        print(f"==> {name} model: cached at {target}", flush=True)
    else:
        print(f"==> {name} model: building (recipe {target.name})", flush=True)
        started = time.monotonic()
        partial = target.with_name(target.name + f".partial-{os.getpid()}")
        shutil.rmtree(partial, ignore_errors=True)
        partial.mkdir(parents=True)
        try:
            r.build(partial)
        except BaseException:
            shutil.rmtree(partial, ignore_errors=True)
            raise
        partial.rename(target)  # atomic: a half-built model is never mistaken for a cached one
        print(f"==> {name} model: built in {time.monotonic() - started:.0f} s", flush=True)
    link = REPO_ROOT / "handlers" / name / "model"
    if name not in LINKED:
        if link.is_symlink() and link.resolve().parent == target.parent:
            link.unlink()  # a link made before the handler stopped reading it
        return target
    if link.is_symlink() or link.exists():
        if link.is_symlink() and link.resolve() == target.resolve():
            return target
        if link.is_dir() and not link.is_symlink():
            raise WorkbenchError(f"{link} is a real directory; move it away to use the default")
        link.unlink()
    link.symlink_to(target, target_is_directory=True)
    return target
