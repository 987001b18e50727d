"""What the runtime folder holds: the pins, and the interpreter's own pip when it has one."""

from __future__ import annotations

from pathlib import Path

from workbench.runtime import runtime_libs
from workbench.runtime.interpreters import Interpreter


def interpreter_in(prefix: Path, *wheels: str) -> Interpreter:
    (prefix / "bin").mkdir(parents=True)
    (prefix / "bin" / "python3.11").touch()
    bundled = prefix / "lib" / "python3.11" / "ensurepip" / "_bundled"
    bundled.mkdir(parents=True)
    for wheel in wheels:
        (bundled / wheel).touch()
    return Interpreter(str(prefix / "bin" / "python3.11"), (3, 11, 7))


def test_the_pip_wheel_of_the_interpreters_ensurepip_is_installed_too(tmp_path: Path) -> None:
    python = interpreter_in(tmp_path / "a", "pip-23.2.1-py3-none-any.whl",
                            "setuptools-65.5.0-py3-none-any.whl")
    assert runtime_libs.bundled_pip(python) == Path(
        tmp_path / "a/lib/python3.11/ensurepip/_bundled/pip-23.2.1-py3-none-any.whl")


def test_without_ensurepip_the_runtime_has_no_pip_and_its_own_folder(tmp_path: Path) -> None:
    without = interpreter_in(tmp_path / "b")
    with_pip = interpreter_in(tmp_path / "c", "pip-23.2.1-py3-none-any.whl")
    assert runtime_libs.bundled_pip(without) is None
    # the folder is keyed by what goes in: another pip (or none) is another folder
    assert runtime_libs.folder(without) != runtime_libs.folder(with_pip)
