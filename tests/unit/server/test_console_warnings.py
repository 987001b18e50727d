"""The banner's runtime warnings: one per warning, naming every function it is about."""

from __future__ import annotations

import io
from pathlib import Path

from workbench.runtime.interpreters import Choice, Interpreter
from workbench.runtime.placement import Placement
from workbench.runtime.process import Launch
from workbench.server.console import Console
from workbench.template import FunctionSpec, Template

PYTHON = Interpreter("/usr/bin/python3.13", (3, 13, 0))
NEAREST = "Runtime python3.14 has no Python 3.14 here: running on Python 3.13.0"


def _placement(name: str, runtime: str, warning: str | None) -> Placement:
    spec = FunctionSpec(name, "app.handler", runtime, Path("."))
    return Placement(spec, Launch(PYTHON, ()), Choice(runtime, PYTHON, warning), None)


def test_a_runtime_warning_is_said_once_for_all_its_functions() -> None:
    placements = {"A": _placement("A", "python3.14", NEAREST),
                  "B": _placement("B", "python3.13", None),
                  "C": _placement("C", "python3.14", NEAREST)}
    template = Template(Path("template.yaml"), {n: p.spec for n, p in placements.items()},
                        {}, (), {})
    out = io.StringIO()
    Console(out).banner(template, "http://127.0.0.1:3000", placements=placements)
    warnings = [line for line in out.getvalue().splitlines() if "warning:" in line]
    assert warnings == [f"  warning: A, C: {NEAREST}"]
