"""Docker-free Lambda builds: each function and layer as it would deploy.

The flow of `build_template`, for the functions asked for (all by default):
  layers     each layer they use, once, in template order (`assemble.layer`)
  functions  dependencies installed for the function's platform, checked and slimmed
             (`deps`, cached by what they are built from), its code on top
             (`assemble.function`)
  sizes      the function with its layers against Lambda's 262,144,000-byte limit
  swap       everything was built in a staging folder; only now does it replace
             `.aws-sam/build/<LogicalId>/`, and `.aws-sam/build/template.yaml` is written
             (`built_template`: every path in it valid from there); the folder it replaces
             is moved aside, not deleted, so an invocation still running from it (a hot
             reload's) finishes on its own code, as on Lambda (`_retire`)
A template that is itself a build's output (`.aws-sam/build/template.yaml`) is taken as
built (`prebuilt`), as `sam local` takes it.
A failure anywhere raises `BuildError` (one line) and leaves the previous build as it was;
with `keep_going` (what `serve` asks for) a function whose build (or one of its layers')
fails is left out instead, its one-line error in `BuildResult.failed`, and the others are
swapped in; only when none builds is that an error.
A function over Lambda's size limit is still built (it runs here), with `problems` set.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

import psutil

from workbench.build import assemble, built_template, deps, prebuilt
from workbench.build.errors import BuildError
from workbench.build.pip import Say
from workbench.build.result import BuildResult, BuiltFunction, BuiltLayer
from workbench.template import FunctionSpec, Template

__all__ = ["BuildError", "BuildResult", "BuiltFunction", "BuiltLayer", "build_template",
           "default_build_dir"]


def default_build_dir(template: Template) -> Path:
    return template.path.parent.resolve() / ".aws-sam" / "build"


def build_template(template: Template, functions: Iterable[str] | None = None, *,
                   slim: bool = True, say: Say = print,
                   build_dir: Path | None = None, keep_going: bool = False) -> BuildResult:
    specs = _selected(template, functions)
    if build_dir is None and prebuilt.is_build_output(template):
        result = prebuilt.take(template, specs, say)
        _report(result, say)
        return result
    build_dir = (build_dir or default_build_dir(template)).resolve()
    build_dir.mkdir(parents=True, exist_ok=True)
    deps.remove_stale(build_dir, ".staging-")
    deps.remove_stale(build_dir, RETIRED)
    stage = build_dir / f".staging-{os.getpid()}"
    shutil.rmtree(stage, ignore_errors=True)
    stage.mkdir()
    try:
        layers: dict[str, BuiltLayer | BuildError] = {}
        built: dict[str, BuiltFunction] = {}
        failed: dict[str, str] = {}
        for spec in specs:
            try:
                built[spec.name] = _function(template, spec, layers, stage, slim, say)
            except BuildError as error:
                if not keep_going:
                    raise
                failed[spec.name] = str(error)
        if failed and not built:
            raise _nothing_built(failed)
        result = _swap(template, stage, build_dir, built,
                       {i: layer for i, layer in layers.items()
                        if isinstance(layer, BuiltLayer)}, failed)
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    _report(result, say)
    return result


def _function(template: Template, spec: FunctionSpec, layers: dict[str, BuiltLayer | BuildError],
              stage: Path, slim: bool, say: Say) -> BuiltFunction:
    """One function, with its layers: each layer is built once (and fails once) for all
    the functions that use it."""
    own = []
    for layer_id in spec.layer_ids:
        if layer_id not in layers:
            try:
                layers[layer_id] = assemble.layer(template.layers[layer_id], stage,
                                                  slim=slim, say=say)
            except BuildError as error:
                layers[layer_id] = error
        layer = layers[layer_id]
        if isinstance(layer, BuildError):
            raise layer
        own.append(layer)
    return assemble.function(spec, own, stage, slim=slim, say=say)


def _nothing_built(failed: dict[str, str]) -> BuildError:
    """Every function's build failed: one line (the error itself when there is one)."""
    if len(failed) == 1:
        return BuildError(next(iter(failed.values())))
    return BuildError("no function could be built: " +
                      "; ".join(f"{name}: {error}" for name, error in failed.items()))


def _report(result: BuildResult, say: Say) -> None:
    for function in result.functions.values():
        say(f"==> {function.summary()}")
        for note in function.notes:
            say(f"  {note}")
        for problem in function.problems:
            say(f"  error: {problem}")


def _selected(template: Template, names: Iterable[str] | None) -> list[FunctionSpec]:
    if names is None:
        return list(template.functions.values())
    specs = []
    for name in names:
        spec = template.function(name)
        if spec is None:
            raise BuildError(f"{template.path}: no function {name!r} (functions: "
                             f"{', '.join(template.functions)})")
        specs.append(spec)
    return specs or list(template.functions.values())


RETIRED = ".retired-"  # + this process's pid: the build folders it replaced


def _retire(final: Path, build_dir: Path) -> None:
    """Move a replaced build folder aside: a process running from it keeps its working
    directory and files. Those no process runs from any more are deleted (and, by
    `deps.remove_stale`, those of a process that is gone)."""
    if not final.is_dir() or final.is_symlink():
        return
    retired = build_dir / f"{RETIRED}{os.getpid()}"
    retired.mkdir(exist_ok=True)
    for old in retired.iterdir():
        if not _in_use(old):
            shutil.rmtree(old, ignore_errors=True)
    name = final.relative_to(build_dir).as_posix().replace("/", "__")
    final.rename(retired / f"{name}-{time.time_ns()}")


def _in_use(folder: Path) -> bool:
    """Whether a process works in `folder`: a Lambda runtime's cwd is its task root. By
    inode, so a sandbox's bind mount of the folder counts too."""
    try:
        wanted = folder.stat()
    except OSError:
        return False
    proc = Path("/proc/self").exists()  # else (macOS) the cwd by path
    for process in psutil.process_iter():
        try:
            found = os.stat(f"/proc/{process.pid}/cwd" if proc else process.cwd())
        except (OSError, psutil.Error):
            continue
        if (found.st_dev, found.st_ino) == (wanted.st_dev, wanted.st_ino):
            return True
    return False


def _swap(template: Template, stage: Path, build_dir: Path,
          functions: dict[str, BuiltFunction], layers: dict[str, BuiltLayer],
          failed: dict[str, str]) -> BuildResult:
    """Move the staged folders into place; the result names their final paths."""
    def place(logical_id: str) -> Path:
        final = build_dir / logical_id
        if final.is_symlink() or final.is_file():
            final.unlink()
        _retire(final, build_dir)
        final.parent.mkdir(parents=True, exist_ok=True)  # a nested "Child/Function"
        (stage / logical_id).rename(final)
        return final

    moved_layers = {i: replace(layer, path=place(i)) for i, layer in layers.items()}
    moved = {name: replace(f, task_root=place(name),
                           layers=tuple(moved_layers[i].path
                                        for i in template.functions[name].layer_ids))
             for name, f in functions.items()}
    path = built_template.write(template.path, build_dir, set(moved) | set(moved_layers))
    return BuildResult(build_dir, path, moved, moved_layers, failed)
