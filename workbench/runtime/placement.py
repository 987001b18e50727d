"""Where a function runs from, and on which interpreter.

Two modes:

- `build` (the default, faithful): the function's Runtime's own Python, and on sys.path only
  its package (the built function folder, or CodeUri until it is built), its layers'
  `python/` folders in template order (as /opt/python), and what AWS's Python runtime
  provides (awslambdaric, boto3, botocore, pip; runtime_libs.py). An undeclared dependency
  fails at INIT with Runtime.ImportModuleError, as on AWS.
- `dev-venv` (fast, unfaithful): the workbench's own Python 3.11 with its virtualenv on the
  path, from the source folders; every package installed for development is importable.
"""

from __future__ import annotations

import dataclasses
import platform
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, NamedTuple

from workbench.build.platforms import MACHINES
from workbench.runtime import interpreters, runtime_libs
from workbench.runtime.interpreters import Choice
from workbench.runtime.process import Launch
from workbench.template import FunctionSpec, Template

Mode = Literal["build", "dev-venv"]
MODES: tuple[Mode, ...] = ("build", "dev-venv")


@dataclass(frozen=True)
class Placement:
    spec: FunctionSpec  # code_uri and layers name what runs (the build, or the sources)
    launch: Launch
    choice: Choice  # the Runtime, the interpreter it got, and a warning if not its own
    runtime_dir: Path | None  # awslambdaric, boto3, botocore, pip for that interpreter (build mode)

    @property
    def mode(self) -> str:
        return self.launch.mode

    @property
    def summary(self) -> str:
        return how_it_ran(self.mode, self.choice.interpreter.label)


def how_it_ran(mode: str, python: str) -> str:
    """`build, Python 3.12.1` / `dev-venv (unfaithful), Python 3.11.7`, for the console."""
    return f"{'dev-venv (unfaithful)' if mode == 'dev-venv' else mode}, {python}"


def python_paths(code: Path, layers: Sequence[Path], runtime: str) -> list[str]:
    """sys.path before the runtime's own libraries, in Lambda's order: the task root, then
    each layer (template order) as /opt/python/lib/pythonX.Y/site-packages and /opt/python."""
    paths = [str(code)]
    for layer in layers:
        paths += [str(layer / "python" / "lib" / runtime / "site-packages"), str(layer / "python")]
    return paths


def place(spec: FunctionSpec, mode: Mode = "build", *, strict: bool = False,
          code: Path | None = None, layers: Sequence[Path] | None = None,
          say: Callable[[str], None] = print) -> Placement:
    """The placement of `spec`; `code`/`layers` are its built folders when it was built."""
    code = code if code is not None else spec.code_uri
    layers = tuple(layers) if layers is not None else spec.layers
    run_spec = dataclasses.replace(spec, code_uri=code, layers=layers)
    if mode == "dev-venv":
        choice = Choice(spec.runtime, interpreters.current())
        paths = tuple(python_paths(code, layers, spec.runtime))
        launch = Launch(choice.interpreter, paths, site=True, mode="dev-venv")
        return Placement(run_spec, launch, choice, None)
    choice = _on_this_machine(interpreters.choose(spec.runtime, strict=strict),
                              spec.architecture)
    runtime_dir = runtime_libs.ensure(choice.interpreter, say)
    paths = (*python_paths(code, layers, spec.runtime), str(runtime_dir))
    launch = Launch(choice.interpreter, paths, runtime_path=(str(runtime_dir),), mode="build")
    return Placement(run_spec, launch, choice, runtime_dir)


def _on_this_machine(choice: Choice, architecture: str) -> Choice:
    """The build is made for the function's architecture, as it deploys; it runs on this
    machine's, where another architecture's compiled modules do not load (no emulation)."""
    machine = platform.machine()
    if MACHINES.get(architecture) in (None, machine):
        return choice
    why = (f"Architectures [{architecture}] on this {machine} machine: the build holds "
           f"{MACHINES[architecture]} binaries, which cannot load here (pure Python runs)")
    return dataclasses.replace(
        choice, warning=f"{choice.warning}; {why}" if choice.warning else why)


class Placed(NamedTuple):
    placements: dict[str, Placement]
    # With keep_going: the functions whose build failed (not placed), each with the
    # build's one-line error.
    not_built: dict[str, str]


def place_all(template: Template, mode: Mode = "build", *, strict: bool = False,
              build: bool = True, keep_going: bool = False,
              say: Callable[[str], None] = print) -> Placed:
    """Every function of the template, placed. In build mode they are built first
    (`workbench.build`: .aws-sam/build as `sam build` lays it out, cached by what each
    part is built from, so an unchanged function costs a fraction of a second) and run
    from there; `build=False` runs the sources themselves, still in isolation. A failed
    build raises its BuildError, or with `keep_going` leaves that function out (unless
    every function failed)."""
    if mode == "dev-venv" or not build or not template.functions:
        return Placed({name: place(spec, mode, strict=strict, say=say)
                       for name, spec in template.functions.items()}, {})
    from workbench.build import build_template

    result = build_template(template, list(template.functions), say=say, keep_going=keep_going)
    built = result.functions
    return Placed({name: place(spec, mode, strict=strict, code=built[name].task_root,
                               layers=built[name].layers, say=say)
                   for name, spec in template.functions.items() if name in built},
                  dict(result.failed))
