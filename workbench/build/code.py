"""A function's or layer's own files, as they go into the build folder.

Everything under the CodeUri is copied (symbolic links followed, as `sam build` does),
except what never belongs in a package: build output (`.aws-sam`), version control,
virtualenvs and stale bytecode. What `sam build` builds from source also loses what it
leaves out (`SAM_EXCLUDED`); a folder deployed as it is (a layer without a BuildMethod)
keeps it, as `sam deploy` uploads it. The default model link that `workbench models
build` makes beside a handler (`handlers/qa/model`, 90 MB) stays a link: the model is not
part of the package (not measured, not zipped; on AWS it is loaded from S3 at INIT, which
`workbench localstack deploy` sets up), while a local run still finds it beside the code.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable
from fnmatch import fnmatch
from pathlib import Path

from workbench.config import cache_dir

SKIPPED = frozenset({".aws-sam", ".git", ".hg", ".venv", "venv", "__pycache__", ".DS_Store",
                     ".pytest_cache", ".mypy_cache", ".ruff_cache"})
# What `sam build` leaves out of a Python function's or layer's source, folders and files
# alike, at any depth: aws-lambda-builders' python_pip workflow, EXCLUDED_FILES (editor
# folders, test and coverage output, packaging leftovers, environments). Its `*.so` is
# not: that drops a vendored compiled module, an open SAM CLI bug (aws-sam-cli#1024)
# whose function fails at import on AWS; the workbench keeps it and checks its binary.
SAM_EXCLUDED = (".chalice", ".gitignore", ".Python", "*.egg-info", "*.egg", "pip-log.txt",
                "pip-delete-this-directory.txt", "htmlcov", ".tox", ".nox", ".coverage",
                ".cache", ".python-version", ".dmypy.json", ".pyre", ".env", "venv.bak",
                "env.bak", "ENV", "env", ".vscode", ".idea")


def model_link(code_uri: Path) -> Path | None:
    """The default model folder a `model` link in the CodeUri points at, if it is one."""
    link = code_uri / "model"
    models = (cache_dir() / "models").resolve()
    if link.is_symlink() and link.resolve().is_relative_to(models):
        return link.resolve()
    return None


def copy_code(source: Path, dest: Path, excluded: Iterable[str] = ()) -> list[Path]:
    """Copy `source`'s files into `dest` (which may already hold dependencies), less those
    and the folders named by a pattern of `excluded`; the files copied. The default model
    link is linked again, not copied."""
    copied_files: list[Path] = []
    model = model_link(source)
    skipped_model = source / "model" if model else None
    patterns = tuple(excluded)

    def kept(name: str) -> bool:
        return name not in SKIPPED and not any(fnmatch(name, p) for p in patterns)

    for folder, dirs, names in os.walk(source, followlinks=True):
        here = Path(folder)
        dirs[:] = sorted(d for d in dirs if kept(d) and here / d != skipped_model)
        target = dest / here.relative_to(source)
        target.mkdir(parents=True, exist_ok=True)
        for name in names:
            if not kept(name) or name.endswith((".pyc", ".pyo")):
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
