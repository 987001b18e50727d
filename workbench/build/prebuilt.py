"""A template that is a build's own output (`.aws-sam/build/template.yaml`, written by
`workbench build` or `sam build`): what it names is already built, so it is taken as it
is, as `sam local` takes it, rather than built again into a build folder of its own.
Sizes and the limits are still reported, from the folders themselves.
"""

from __future__ import annotations

from pathlib import Path

from workbench.build import code, sizes
from workbench.build.pip import Say
from workbench.build.result import BuildResult, BuiltFunction, BuiltLayer
from workbench.template import FunctionSpec, LayerSpec, Template


def is_build_output(template: Template) -> bool:
    folder = template.path.resolve().parent
    return folder.name == "build" and folder.parent.name == ".aws-sam"


def take(template: Template, specs: list[FunctionSpec], say: Say) -> BuildResult:
    root = template.path.resolve().parent
    say(f"==> {template.path} is a build's output: its functions are taken as built")
    layers = {layer_id: _layer(layer_id, _layer_folder(template.layers[layer_id], root, say))
              for spec in specs for layer_id in spec.layer_ids}
    functions = {spec.name: _function(spec, [layers[i] for i in spec.layer_ids], root)
                 for spec in specs}
    return BuildResult(root, template.path.resolve(), functions, layers)


def _layer_folder(spec: LayerSpec, root: Path, say: Say) -> Path:
    """A stand-in for a published layer is beside the functions when the workbench made
    this build (its template still names the published ARN, for `sam deploy`)."""
    if spec.published is None:
        return spec.content_uri
    if (root / spec.logical_id / "python").is_dir():
        return root / spec.logical_id
    say(f"  layer {spec.logical_id}: the stand-in for {spec.published.source} is not in this "
        "build (`workbench build` makes it): the functions run without it")
    return spec.content_uri


def _layer(logical_id: str, folder: Path) -> BuiltLayer:
    packages = sizes.by_distribution(folder / "python") if (folder / "python").is_dir() else {}
    return BuiltLayer(logical_id, folder, sizes.measure(folder),
                      {name: size for name, size in packages.items() if name != "(other)"})


def _function(spec: FunctionSpec, layers: list[BuiltLayer], root: Path) -> BuiltFunction:
    packages = sizes.by_distribution(spec.code_uri)
    own = packages.pop("(other)", sizes.Size())  # what no dist-info lists: the code
    notes = () if spec.code_uri.is_relative_to(root) else (
        f"{spec.code_uri} is outside this build folder: taken as it is",)
    return BuiltFunction(
        name=spec.name, task_root=spec.code_uri, layers=tuple(layer.path for layer in layers),
        runtime=spec.runtime, architecture=spec.architecture, code=own,
        dependencies=sum(packages.values(), sizes.Size()),
        layer_size=sum((layer.size for layer in layers), sizes.Size()), packages=packages,
        model=code.model_link(spec.code_uri), notes=notes).against_limits(layers)
