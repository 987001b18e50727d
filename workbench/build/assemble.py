"""One function or one layer, put together in a staging folder.

A function's folder is its dependencies (linked from the cache) with its code copied on
top, as `sam build` lays out /var/task. A layer with `Metadata: BuildMethod: python3.x`
gets its requirements installed under `python/` with its own files beside them (SAM's
layout for Python layers, /opt/python on Lambda); a layer without a BuildMethod is copied
as it is, and one with `BuildMethod: makefile` is made by its Makefile (`makefile.py`).
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterable
from datetime import datetime, timedelta
from fnmatch import fnmatch
from pathlib import Path

from workbench.build import build_inputs, checks, code, deps, elf, makefile, pip, sizes
from workbench.build.errors import BuildError
from workbench.build.pip import Say
from workbench.build.platforms import Target
from workbench.build.result import BuiltFunction, BuiltLayer
from workbench.template import (
    SUPPORTED_RUNTIMES,
    FunctionSpec,
    LayerSpec,
    Published,
    published_layers,
)


def layer(spec: LayerSpec, stage: Path, *, slim: bool, say: Say) -> BuiltLayer:
    out = stage / spec.logical_id
    method = spec.build_method
    if method is None:
        say(f"==> layer {spec.logical_id}: copying {spec.content_uri}")
        copied = code.copy_code(spec.content_uri, out)
        return BuiltLayer(spec.logical_id, out, _measure(copied, out))
    if method == "makefile":
        say(f"==> layer {spec.logical_id}: makefile build of {spec.content_uri}")
        makefile.make(spec.logical_id, spec.content_uri, out, say)
        return BuiltLayer(spec.logical_id, out, sizes.measure(out))
    if method not in SUPPORTED_RUNTIMES:
        raise BuildError(f"layer {spec.logical_id}: Metadata.BuildMethod {method!r} is not "
                         f"built by the workbench (one of {', '.join(SUPPORTED_RUNTIMES)}, "
                         "makefile, or none to copy the folder as it is)")
    architecture = (spec.compatible_architectures or ("x86_64",))[0]
    target = Target(method, architecture)
    if spec.published is not None:
        return _published(spec, out, target, slim, say)
    say(f"==> layer {spec.logical_id}: {method} build of {spec.content_uri}")
    installed = _dependencies(spec.content_uri, target, slim, say)
    if installed is not None:
        code.link_tree(installed.site, out / "python")
    copied = code.copy_code(spec.content_uri, out / "python", code.SAM_EXCLUDED)
    if installed is not None:
        build_inputs.check_code(copied, installed.removed_tools, f"layer {spec.logical_id}")
    size = _measure(copied, out) + (installed.size if installed else sizes.Size())
    return BuiltLayer(spec.logical_id, out, size, installed.packages if installed else {},
                      tuple(installed.notes if installed else ()),
                      (target.runtime, target.architecture))


def _published(spec: LayerSpec, out: Path, target: Target, slim: bool,
               say: Say) -> BuiltLayer:
    """A stand-in for a layer AWS publishes (`published_layers`): its requirements under
    `python/`, less what the publisher's build deletes, and nothing else."""
    assert spec.published is not None
    source = spec.published.source
    say(f"==> layer {spec.logical_id}: stand-in for {source}, {target.runtime}")
    requirements = spec.content_uri / "requirements.txt"
    cutoff = _release_day(spec.published, spec.content_uri, say)
    try:
        installed = _dependencies(spec.content_uri, target, slim, say, cutoff)
    except BuildError as error:  # named by what the template says, not by the cache file
        raise BuildError(f"layer {spec.logical_id}, the stand-in for {source}: "
                         f"{str(error).removeprefix(f'{requirements}: ')}") from None
    assert installed is not None  # the stand-in's folder is its requirements file
    site = out / "python"
    code.link_tree(installed.site, site)
    for pattern in published_layers.RUNTIME_PROVIDED:
        for path in site.glob(pattern):
            shutil.rmtree(path) if path.is_dir() else path.unlink()
    releases = sorted(path.name.removesuffix(".dist-info").split("-")[1]
                      for path in site.glob("aws_lambda_powertools-*.dist-info"))
    note = (f"layer {spec.logical_id}: aws-lambda-powertools {', '.join(releases)} from "
            f"PyPI stands in for {source}"
            + (f", with the dependencies PyPI had before {cutoff}" if cutoff else "")
            + "; the runtime's boto3 is used, as there")
    packages = {name: size for name, size in installed.packages.items()
                if not any(fnmatch(name, p) for p in published_layers.RUNTIME_PROVIDED)}
    return BuiltLayer(spec.logical_id, out, sizes.measure(out), packages,
                      (*installed.notes, note), (target.runtime, target.architecture))


def _release_day(published: Published, folder: Path, say: Say) -> str | None:
    """A pinned release's layer was built when it came out: with the dependencies PyPI had
    then (a day's margin), not today's. Its upload time is read from PyPI once and kept
    beside the stand-in's requirements; None for an unpinned one, or when it cannot be."""
    pinned = published_layers.pinned(published)
    if pinned is None:
        return None
    if not pip.knows("--uploaded-prior-to"):
        say(f"  {pinned[0]} {pinned[1]}: this pip has no --uploaded-prior-to (upgrade pip): "
            "installing today's versions of its dependencies")
        return None
    remembered = folder / "released"
    released = _time(remembered.read_text()) if remembered.is_file() else None
    if released is None:
        released = _time(pip.upload_time(*pinned) or "")
        if released is None:
            say(f"  {pinned[0]} {pinned[1]}: its release time could not be read from PyPI: "
                "installing today's versions of its dependencies")
            return None
        remembered.write_text(f"{released.isoformat()}\n")
    return (released + timedelta(days=1)).isoformat(timespec="seconds")


def _time(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text.strip())
    except ValueError:
        return None


def function(spec: FunctionSpec, layers: list[BuiltLayer], stage: Path, *, slim: bool,
             say: Say) -> BuiltFunction:
    out = stage / spec.name
    if not spec.code_uri.is_dir():
        raise BuildError(f"{spec.name}: its CodeUri {spec.code_uri} does not exist: create "
                         "it, or correct CodeUri in the template")
    target = Target(spec.runtime, spec.architecture)
    as_is = " (a CDK asset: built as it is, as `cdk deploy` uploads it)" if spec.cdk_asset else ""
    say(f"==> {spec.name}: {target.describe()}, code {spec.code_uri}{as_is}")
    installed = None if spec.cdk_asset else _dependencies(spec.code_uri, target, slim, say)
    if installed is not None:
        code.link_tree(installed.site, out)
    copied = code.copy_code(spec.code_uri, out, () if spec.cdk_asset else code.SAM_EXCLUDED)
    out.mkdir(parents=True, exist_ok=True)
    if installed is not None:
        build_inputs.check_code(copied, installed.removed_tools, spec.name)
    _check_own_binaries(spec.name, copied, out, layers, target)
    layer_size = sum((built.size for built in layers), sizes.Size())
    notes = list(installed.notes if installed else ())
    if spec.cdk_asset and (spec.code_uri / "requirements.txt").is_file():
        notes.append("its requirements.txt is not installed: a CDK asset deploys as it is "
                     "(bundle the dependencies into it: Code.fromAsset's bundling, or "
                     "PythonFunction)")
    for built in layers:
        notes += built.notes
    notes += _runtime_only([("", installed.site if installed else None),
                            *((f"layer {b.logical_id}: ", b.path / "python") for b in layers)],
                           target)
    notes += _other_pythons(copied, "its code", target)
    notes += [note for built in layers for note in _other_pythons(
        built.path.rglob("*.cpython-*.so"), f"layer {built.logical_id}", target)]
    notes = list(dict.fromkeys(notes))  # a layer built alike says the same
    return BuiltFunction(
        name=spec.name, task_root=out, layers=tuple(built.path for built in layers),
        runtime=spec.runtime, architecture=spec.architecture, code=_measure(copied, out),
        dependencies=installed.size if installed else sizes.Size(), layer_size=layer_size,
        packages=installed.packages if installed else {}, model=code.model_link(spec.code_uri),
        notes=tuple(notes)).against_limits(layers)


def _dependencies(source: Path, target: Target, slim: bool, say: Say,
                  uploaded_prior_to: str | None = None) -> deps.Installed | None:
    requirements = source / "requirements.txt"
    if not requirements.is_file():
        say("  dependencies: none (no requirements.txt)")
        return None
    return deps.ensure(requirements, target, slimmed=slim, say=say,
                       uploaded_prior_to=uploaded_prior_to)


def _check_own_binaries(name: str, copied: list[Path], root: Path, layers: list[BuiltLayer],
                        target: Target) -> None:
    """The dependencies were checked when installed; binaries in the code and in layers are
    checked here, against the whole function: a layer built for another runtime or
    architecture installs, but its binaries may not load on this function's."""
    roots = [root, *(b.path for b in layers)]
    groups = [("", {path for path in copied if elf.is_elf(path)})]
    for built in layers:
        context = ""
        if built.built_for is not None and built.built_for != (target.runtime,
                                                               target.architecture):
            context = (f"layer {built.logical_id}, built for {' '.join(built.built_for)}, "
                       f"on {target.runtime} {target.architecture}: ")
        groups.append((context, set(elf.elf_files(built.path))))
    for context, files in groups:
        if not files:
            continue
        problems = checks.check(roots, target, only=files).problems
        if problems:
            more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
            raise BuildError(f"{name}: {context}{problems[0]}{more}")


_ABI_TAG = re.compile(r"\.cpython-(\d+)")


def _other_pythons(files: Iterable[Path], what: str, target: Target) -> list[str]:
    """Extension modules built for another CPython than the function's: they pass the
    ELF checks but Lambda's Python does not import them (a Makefile or a copied folder
    built with the host's pip; a requirements.txt build installs the runtime's own)."""
    wanted = target.abi.removeprefix("cp")
    found: dict[str, set[str]] = {}
    for path in files:
        tag = _ABI_TAG.search(path.name) if path.name.endswith(".so") else None
        if tag is not None and tag.group(1) != wanted:
            version = f"{tag.group(1)[0]}.{tag.group(1)[1:]}"
            found.setdefault(version, set()).add(path.name.split(".")[0])
    return [f"{what} holds binary modules for CPython {version} ({', '.join(sorted(names))})"
            f": {target.runtime} cannot import them, here or on Lambda"
            for version, names in sorted(found.items())]


def _runtime_only(sites: list[tuple[str, Path | None]], target: Target) -> list[str]:
    """Extension modules built for the runtime's CPython alone, in the function's
    dependencies and its layers: Lambda loads them, but a local run on another Python (the
    nearest one here, when the runtime's is missing) cannot import them. One line for the
    function, however many places hold them."""
    if target.interpreter() is not None:
        return []
    tag = f".cpython-{target.abi.removeprefix('cp')}-"
    found = []
    for where, site in sites:
        tops = sorted({path.relative_to(site).parts[0].split(".")[0]
                       for path in site.rglob(f"*{tag}*.so")}) if site else []
        if tops:
            found.append(where + ", ".join(tops))
    if not found:
        return []
    return [f"binary modules built for CPython {target.python_version} alone, in "
            f"{'; '.join(found)}: Lambda loads them; run here on another Python, those "
            "without a pure-Python fallback fail to import"]


def _measure(files: list[Path], root: Path) -> sizes.Size:
    total = sizes.Size()
    for path in files:
        total += sizes.file_size(path, str(path.relative_to(root)))
    return total
