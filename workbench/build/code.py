"""A function's or layer's own files, as they go into the build folder.

Everything under the CodeUri is copied (symbolic links followed, as `sam build` does),
except what never belongs in a package: build output (`.aws-sam`), version control,
virtualenvs and stale bytecode. The default model link that `workbench models build`
makes beside a handler (`handlers/qa/model`, 90 MB) stays a link: the model is not part
of the package (not measured, not zipped; on AWS it is loaded from S3 at INIT, which
`workbench localstack deploy` sets up), while a local run still finds it beside the code.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from workbench.config import cache_dir

SKIPPED = frozenset({".aws-sam", ".git", ".hg", ".venv", "venv", "__pycache__", ".DS_Store",
                     ".pytest_cache", ".mypy_cache", ".ruff_cache"})


def model_link(code_uri: Path) -> Path | None:
    """The default model folder a `model` link in the CodeUri points at, if it is one."""
    link = code_uri / "model"
    models = (cache_dir() / "models").resolve()
    if link.is_symlink() and link.resolve().is_relative_to(models):
        return link.resolve()
    return None


def copy_code(source: Path, dest: Path) -> list[Path]:
    """Copy `source`'s files into `dest` (which may already hold dependencies); the files
    copied. The default model link is linked again, not copied."""
    copied_files: list[Path] = []
    model = model_link(source)
    skipped_model = source / "model" if model else None
    for folder, dirs, names in os.walk(source, followlinks=True):
        here = Path(folder)
        dirs[:] = sorted(d for d in dirs if d not in SKIPPED and here / d != skipped_model)
        target = dest / here.relative_to(source)
        target.mkdir(parents=True, exist_ok=True)
        for name in names:
            if name in SKIPPED or name.endswith((".pyc", ".pyo")):
                continue
            copied = target / name
            if copied.exists() or copied.is_symlink():
                copied.unlink()  # the function's own file wins over a dependency's
            shutil.copy2(here / name, copied)
            copied_files.append(copied)
    if model is not None:
        (dest / "model").symlink_to(model, target_is_directory=True)
    return copied_files


def link_tree(source: Path, dest: Path) -> None:
    """Hard-link a cached tree into `dest` (a copy across file systems): the cache is never
    written again once complete, so sharing its files costs nothing and is safe."""
    def link(src: str, dst: str) -> None:
        try:
            os.link(src, dst)
        except OSError:
            shutil.copy2(src, dst)

    shutil.copytree(source, dest, copy_function=link, symlinks=True, dirs_exist_ok=True)
