"""Tiny wheels, sdists and shared objects the build tests make for themselves.

Each test gets its own build cache (WORKBENCH_CACHE) and its own pip configuration
(PIP_CONFIG_FILE=/dev/null, a local --find-links folder), so the machine's pip settings
and other tests' caches never decide an outcome.
"""

from __future__ import annotations

import subprocess
import tarfile
import textwrap
import zipfile
from pathlib import Path

import pytest


def isolate_pip(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, *, offline: bool) -> Path:
    """A build cache and pip configuration of the test's own; the --find-links folder."""
    import os

    for name in list(os.environ):
        if name.startswith("PIP_"):
            monkeypatch.delenv(name)
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("PIP_FIND_LINKS", str(wheels))
    monkeypatch.setenv("PIP_DISABLE_PIP_VERSION_CHECK", "1")
    if offline:
        monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("WORKBENCH_CACHE", str(tmp_path / "cache"))
    return wheels


def shared_object(folder: Path, name: str, source: str, *flags: str, cpp: bool = False) -> Path:
    """Compile C (or C++) `source` into folder/name with this machine's gcc (g++)."""
    folder.mkdir(parents=True, exist_ok=True)
    c_file = folder / (name + (".cpp" if cpp else ".c"))
    c_file.write_text(textwrap.dedent(source))
    out = folder / name
    subprocess.run(["g++" if cpp else "gcc", "-shared", "-fPIC", "-o", str(out), str(c_file),
                    *flags], check=True, capture_output=True)
    c_file.unlink()
    return out


def wheel(wheels: Path, name: str, version: str, tag: str, files: dict[str, bytes | Path],
          requires: tuple[str, ...] = ()) -> Path:
    """A wheel `name-version-tag.whl` holding `files` (path in the wheel -> content)."""
    info = f"{name}-{version}.dist-info"
    metadata = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n" + "".join(
        f"Requires-Dist: {r}\n" for r in requires)
    pure = tag.endswith("-any")
    entries = {**{k: v.read_bytes() if isinstance(v, Path) else v for k, v in files.items()},
               f"{info}/METADATA": metadata.encode(),
               f"{info}/WHEEL": (f"Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: "
                                 f"{str(pure).lower()}\nTag: {tag}\n").encode()}
    entries[f"{info}/RECORD"] = "".join(f"{k},,\n" for k in entries).encode() + \
        f"{info}/RECORD,,\n".encode()
    path = wheels / f"{name}-{version}-{tag}.whl"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for entry, data in entries.items():
            zf.writestr(entry, data)
    return path


def heavy_wheel(wheels: Path) -> Path:
    """`heavy==1.0`: a pure wheel that unpacks to 263 MB (over Lambda's unzipped limit
    alone) and imports as `heavy`."""
    path = wheels / "heavy-1.0-py3-none-any.whl"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        with zf.open("heavy/blob.bin", "w", force_zip64=True) as blob:
            for _ in range(263):
                blob.write(bytes(1_000_000))
        info = "heavy-1.0.dist-info"
        zf.writestr("heavy/__init__.py", "")
        zf.writestr(f"{info}/METADATA", "Metadata-Version: 2.1\nName: heavy\nVersion: 1.0\n")
        zf.writestr(f"{info}/WHEEL", "Wheel-Version: 1.0\nRoot-Is-Purelib: true\n"
                                     "Tag: py3-none-any\n")
        zf.writestr(f"{info}/RECORD", f"heavy/blob.bin,,\nheavy/__init__.py,,\n"
                                      f"{info}/METADATA,,\n{info}/WHEEL,,\n{info}/RECORD,,\n")
    return path


def sdist_with_extension(wheels: Path, name: str, version: str) -> Path:
    """An sdist whose only module is a C extension (no wheel exists for it anywhere)."""
    root = wheels.parent / f"sdist-src/{name}-{version}"
    root.mkdir(parents=True)
    (root / "setup.py").write_text(textwrap.dedent(f"""\
        from setuptools import Extension, setup
        setup(name="{name}", version="{version}",
              ext_modules=[Extension("{name}", ["{name}.c"])])
        """))
    (root / f"{name}.c").write_text(textwrap.dedent(f"""\
        #include <Python.h>
        static PyObject *answer(PyObject *self, PyObject *args) {{ return PyLong_FromLong(42); }}
        static PyMethodDef methods[] = {{{{"answer", answer, METH_NOARGS, ""}}, {{0}}}};
        static struct PyModuleDef module = {{PyModuleDef_HEAD_INIT, "{name}", "", -1, methods}};
        PyMODINIT_FUNC PyInit_{name}(void) {{ return PyModule_Create(&module); }}
        """))
    (root / "PKG-INFO").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
    path = wheels / f"{name}-{version}.tar.gz"
    with tarfile.open(path, "w:gz") as tar:
        tar.add(root, arcname=f"{name}-{version}")
    return path


def function_template(root: Path, requirements: str | None, *, runtime: str = "python3.11",
                      architecture: str = "x86_64", layer: str | None = None) -> Path:
    """template.yaml with one function `Fn` (code in root/fn) and optionally a layer `Lib`
    built with BuildMethod `layer` (its requirements in root/lib/requirements.txt)."""
    code = root / "fn"
    code.mkdir(parents=True, exist_ok=True)
    (code / "app.py").write_text("def handler(event, context):\n    return {'ok': True}\n")
    if requirements is not None:
        (code / "requirements.txt").write_text(requirements)
    layers = ""
    resources = ""
    if layer is not None:
        (root / "lib").mkdir(exist_ok=True)
        resources = ("  Lib:\n    Type: AWS::Serverless::LayerVersion\n"
                     "    Properties: {ContentUri: lib}\n"
                     f"    Metadata: {{BuildMethod: {layer}}}\n")
        layers = "      Layers: [!Ref Lib]\n"
    path = root / "template.yaml"
    path.write_text(
        "Transform: AWS::Serverless-2016-10-31\nResources:\n" + resources +
        "  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n"
        f"      CodeUri: fn\n      Handler: app.handler\n      Runtime: {runtime}\n"
        f"      Architectures: [{architecture}]\n" + layers)
    return path
