"""What a function's build says about binary modules it holds: one line for each thing,
whether they come from its own dependencies or from its layers."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench.build import assemble
from workbench.build.platforms import Target
from workbench.build.result import BuiltLayer
from workbench.build.sizes import Size
from workbench.template import FunctionSpec


def _layer(root: Path, name: str, *files: str) -> BuiltLayer:
    for file in files:
        (root / name / "python" / file).parent.mkdir(parents=True, exist_ok=True)
        (root / name / "python" / file).write_bytes(b"")
    return BuiltLayer(name, root / name, Size())


def test_modules_only_the_runtime_imports_are_one_line(tmp_path: Path) -> None:
    if Target("python3.14", "x86_64").interpreter() is not None:
        pytest.skip("this machine has a Python 3.14")
    (tmp_path / "code").mkdir()
    (tmp_path / "code" / "app.py").write_text("def handler(e, c): return e\n")
    layers = [_layer(tmp_path, "Cffi", "_cffi_backend.cpython-314-x86_64-linux-gnu.so"),
              _layer(tmp_path, "Fast", "fast/_speed.cpython-314-x86_64-linux-gnu.so")]
    spec = FunctionSpec("Fn", "app.handler", "python3.14", tmp_path / "code")
    built = assemble.function(spec, layers, tmp_path / "stage", slim=False, say=lambda _: None)
    lines = [n for n in built.notes if "built for CPython 3.14 alone" in n]
    assert lines == ["binary modules built for CPython 3.14 alone, in layer Cffi: _cffi_backend; "
                     "layer Fast: fast: Lambda loads them; run here on another Python, those "
                     "without a pure-Python fallback fail to import"]
