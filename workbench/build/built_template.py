"""`.aws-sam/build/template.yaml`: the template as `sam build` writes it, valid from its
new folder, so `sam deploy`, `sam local` and the workbench take it unchanged.

- Each built function and layer points at its build folder (`CodeUri`/`Code`,
  `ContentUri`/`Content`, and a CDK asset's `aws:asset:path`).
- A nested stack with a local template (`AWS::Serverless::Application` `Location`,
  `AWS::CloudFormation::Stack` `TemplateURL`) is written the same way into
  `<StackLogicalId>/template.yaml`, beside its built functions, and the parent points there.
- Every other local path is made relative to the new folder: the properties `aws
  cloudformation package` uploads, `AWS::Include` Locations anywhere, CDK asset paths,
  Globals. S3 and HTTP locations and absolute paths stay as they are.

The YAML is read and written with cfn-flip, which keeps CloudFormation's short tags; only
those paths change. The typed specs are `workbench.template`'s.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from cfn_tools import dump_yaml, load_yaml

from workbench.template import nested
from workbench.template.stack import asset_of

# The properties holding local paths: those `aws cloudformation package` uploads (AWS CLI
# reference, https://docs.aws.amazon.com/cli/latest/reference/cloudformation/package.html)
# and SAM's own (https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-specification-resources-and-properties.html).
# A dotted name is a nested property; "*" is any key.
LOCAL_PATHS: dict[str, tuple[str, ...]] = {
    "AWS::Serverless::Function": ("CodeUri",),
    "AWS::Serverless::LayerVersion": ("ContentUri",),
    "AWS::Serverless::Api": ("DefinitionUri",),
    "AWS::Serverless::HttpApi": ("DefinitionUri",),
    "AWS::Serverless::StateMachine": ("DefinitionUri",),
    "AWS::Serverless::Application": ("Location",),
    "AWS::Serverless::GraphQLApi": ("SchemaUri", "Functions.*.CodeUri",
                                    "Resolvers.*.*.CodeUri"),
    "AWS::Lambda::Function": ("Code",),
    "AWS::Lambda::LayerVersion": ("Content",),
    "AWS::ApiGateway::RestApi": ("BodyS3Location",),
    "AWS::ApiGatewayV2::Api": ("BodyS3Location",),
    "AWS::AppSync::GraphQLSchema": ("DefinitionS3Location",),
    "AWS::AppSync::Resolver": ("RequestMappingTemplateS3Location",
                               "ResponseMappingTemplateS3Location", "CodeS3Location"),
    "AWS::AppSync::FunctionConfiguration": ("RequestMappingTemplateS3Location",
                                            "ResponseMappingTemplateS3Location",
                                            "CodeS3Location"),
    "AWS::ElasticBeanstalk::ApplicationVersion": ("SourceBundle",),
    "AWS::CloudFormation::Stack": ("TemplateURL",),
    "AWS::CloudFormation::StackSet": ("TemplateURL",),
    "AWS::CloudFormation::ModuleVersion": ("ModulePackage",),
    "AWS::CloudFormation::ResourceVersion": ("SchemaHandlerPackage",),
    "AWS::Glue::Job": ("Command.ScriptLocation",),
    "AWS::StepFunctions::StateMachine": ("DefinitionS3Location",),
    "AWS::CodeCommit::Repository": ("Code.S3",),
}
# What a build folder replaces, for the resources the build makes.
BUILT = {"AWS::Serverless::Function": "CodeUri", "AWS::Lambda::Function": "Code",
         "AWS::Serverless::LayerVersion": "ContentUri", "AWS::Lambda::LayerVersion": "Content"}
STACKS = {"AWS::Serverless::Application": "Location", "AWS::CloudFormation::Stack": "TemplateURL"}
GLOBALS = {"Function": "AWS::Serverless::Function", "Api": "AWS::Serverless::Api",
           "HttpApi": "AWS::Serverless::HttpApi", "StateMachine": "AWS::Serverless::StateMachine"}
TEMPLATE_METADATA = {"AWS::ServerlessRepo::Application": ("LicenseUrl", "ReadmeUrl")}
ASSET_PATH = "aws:asset:path"  # CDK's local asset, relative to the template (cdk.out)
FOR_EACH = "Fn::ForEach::"
Move = Callable[[Any], Any]


def write(source: Path, build_dir: Path, built: set[str]) -> Path:
    """Write `build_dir/template.yaml` for the template `source`; `built` holds the names
    of what was built into `build_dir` (nested ones as `Child/Function`)."""
    return _write(source.resolve(), build_dir.resolve(), built, (source.resolve(),))


def _write(source: Path, out_dir: Path, built: set[str], chain: tuple[Path, ...]) -> Path:
    document: Any = load_yaml(source.read_text(encoding="utf-8"))
    move = _mover(source.parent, out_dir)
    resources = document.get("Resources") if isinstance(document, dict) else None
    for logical_id, resource in (resources or {}).items():
        if str(logical_id).startswith(FOR_EACH):
            _for_each(resource, move)
        elif isinstance(resource, dict) and \
                not _nested(logical_id, resource, source, out_dir, built, chain):
            _relocate(resource, move)
            _point_at_build(logical_id, resource, built)
    for section, resource_type in GLOBALS.items():
        properties = ((document.get("Globals") or {}) if isinstance(document, dict)
                      else {}).get(section)
        if isinstance(properties, dict):
            _move_properties(properties, LOCAL_PATHS[resource_type], move)
    for metadata_type, names in TEMPLATE_METADATA.items():
        metadata = ((document.get("Metadata") or {}) if isinstance(document, dict)
                    else {}).get(metadata_type)
        if isinstance(metadata, dict):
            _move_properties(metadata, names, move)
    _includes(document, move)
    out = out_dir / "template.yaml"
    out_dir.mkdir(parents=True, exist_ok=True)
    partial = out.with_name("template.yaml.partial")
    partial.write_text(dump_yaml(document), encoding="utf-8")
    partial.replace(out)
    return out


def _mover(root: Path, out_dir: Path) -> Move:
    """A relative path from `root` made relative to `out_dir`; anything else unchanged."""
    def move(raw: Any) -> Any:
        if not isinstance(raw, str) or raw.startswith(("s3://", "http://", "https://")):
            return raw
        scheme = "file://" if raw.startswith("file://") else ""
        path = raw.removeprefix(scheme)
        if not path or os.path.isabs(path):
            return raw
        return scheme + os.path.relpath(os.path.normpath(root / path), out_dir)
    return move


def _relocate(resource: dict[str, Any], move: Move) -> None:
    properties = resource.get("Properties")
    names = LOCAL_PATHS.get(str(resource.get("Type")), ())
    if isinstance(properties, dict) and names and properties.get("PackageType") != "Image":
        _move_properties(properties, names, move)
    metadata = resource.get("Metadata")
    if isinstance(metadata, dict) and ASSET_PATH in metadata:
        metadata[ASSET_PATH] = move(metadata[ASSET_PATH])


def _move_properties(properties: dict[str, Any], names: tuple[str, ...], move: Move) -> None:
    for name in names:
        *parents, leaf = name.split(".")
        for holder in _holders(properties, parents):
            if leaf in holder:
                holder[leaf] = move(holder[leaf])


def _holders(value: Any, parents: list[str]) -> Iterator[dict[str, Any]]:
    """The dicts a dotted path's parents lead to ("*" stands for every key)."""
    if not isinstance(value, dict):
        return
    if not parents:
        yield value
        return
    head, rest = parents[0], parents[1:]
    children = value.values() if head == "*" else [value.get(head)]
    for child in children:
        yield from _holders(child, rest)


def _point_at_build(logical_id: str, resource: dict[str, Any], built: set[str]) -> None:
    prop = BUILT.get(str(resource.get("Type")))
    if prop is None or logical_id not in built:
        return
    properties = resource.setdefault("Properties", {})
    if not isinstance(properties, dict):
        return
    code = properties.get(prop)
    # Inline code (InlineCode, Code.ZipFile) stays inline, as `sam build` leaves it.
    if "InlineCode" in properties or isinstance(code, dict) and "ZipFile" in code:
        return
    properties[prop] = logical_id
    metadata = resource.get("Metadata")
    if isinstance(metadata, dict) and ASSET_PATH in metadata:
        metadata[ASSET_PATH] = logical_id  # the path CDK-aware readers take first


def _nested(logical_id: str, resource: dict[str, Any], source: Path, out_dir: Path,
            built: set[str], chain: tuple[Path, ...]) -> bool:
    """A nested stack's local template, written for its own build folder; False when the
    resource is not one (its paths are then moved like any other)."""
    prop = STACKS.get(str(resource.get("Type")))
    properties = resource.get("Properties")
    if prop is None or not isinstance(properties, dict):
        return False
    asset = asset_of(resource, prop)
    raw = asset or properties.get(prop)
    if not isinstance(raw, str) or "://" in raw.removeprefix("file://"):
        return False
    child = (source.parent / raw.removeprefix("file://")).resolve()
    if not child.is_file() or child in chain:
        return False  # the loader says why
    name = nested.child_name(logical_id, resource)
    inside = {built_name.removeprefix(f"{name}/") for built_name in built
              if built_name.startswith(f"{name}/")}
    _write(child, out_dir / name, inside, (*chain, child))
    properties[prop] = f"{name}/template.yaml"
    if asset is not None:  # the path CDK-aware readers take first
        resource["Metadata"][ASSET_PATH] = properties[prop]
    return True



def _for_each(value: Any, move: Move) -> None:
    """`Fn::ForEach::Name: [variable, collection, {resources}]`, loops within loops: their
    paths move like any other (the loop's functions are built, but the template keeps one
    CodeUri for them all, so it keeps pointing at the sources)."""
    if not isinstance(value, list) or len(value) != 3 or not isinstance(value[2], dict):
        return
    for key, resource in value[2].items():
        if str(key).startswith(FOR_EACH):
            _for_each(resource, move)
        elif isinstance(resource, dict):
            _relocate(resource, move)


def _includes(value: Any, move: Move) -> None:
    """Every `AWS::Include` Location, wherever the transform is used."""
    if isinstance(value, list):
        for item in value:
            _includes(item, move)
        return
    if not isinstance(value, dict):
        return
    for key, item in value.items():
        transforms = item if isinstance(item, list) else [item]
        if key in ("Fn::Transform", "Transform"):
            for transform in transforms:
                parameters = transform.get("Parameters") if isinstance(transform, dict) else None
                if _is_include(transform) and isinstance(parameters, dict) \
                        and "Location" in parameters:
                    parameters["Location"] = move(parameters["Location"])
        _includes(item, move)


def _is_include(transform: Any) -> bool:
    return isinstance(transform, dict) and transform.get("Name") == "AWS::Include"
