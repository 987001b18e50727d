"""Nested stacks: `AWS::CloudFormation::Stack` (and SAM's `AWS::Serverless::Application`,
which the transform turns into one) with a local `TemplateURL`/`Location`, or a CDK
`NestedStack`, whose template `cdk synth` writes beside the parent's as an asset
(`Metadata: aws:asset:path`, `aws:asset:property: TemplateURL`; its TemplateURL is the S3
URL `cdk deploy` uploads it to).

The child is loaded with the `Parameters` the parent passes it; its functions, APIs and
routes are mounted under its name, as SAM CLI names them (`Child/Function`): its logical
id, or a CDK nested stack's construct id (samcli/lib/samlib/resource_metadata_normalizer:
`Parent/Orders.NestedStack/Orders.NestedStackResource` is `Orders`). The parent can read
its `Outputs` (`!GetAtt Child.Outputs.Name`).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from workbench.template.stack import Stack, cdk_path

STACK = "AWS::CloudFormation::Stack"
CDK_NESTED_STACK = ".NestedStack"  # the suffix CDK gives a NestedStack's construct
# (child template, parameters given, name prefix, chain of templates above it) -> its stack
LoadChild = Callable[[Path, dict[str, Any], str, tuple[Path, ...]], Stack]


def read(stack: Stack, load_child: LoadChild, chain: tuple[Path, ...]) -> dict[str, Stack]:
    children: dict[str, Stack] = {}
    for logical_id, resource in stack.of_type(STACK):
        url = stack.asset(logical_id, "TemplateURL") or stack.known(logical_id, "TemplateURL")
        if not isinstance(url, str) or "://" in url and not url.startswith("file://"):
            stack.note(f"not emulated: nested stack {stack.name(logical_id)} (TemplateURL "
                       f"{url} is not a local file)")
            continue
        path = (stack.root / url.removeprefix("file://")).resolve()
        if path in chain:
            names = " -> ".join(p.name for p in (*chain[chain.index(path):], path))
            raise stack.fail(logical_id, "TemplateURL", f"nested stacks include each other: "
                             f"{names}")
        if not path.is_file():
            raise stack.fail(logical_id, "TemplateURL", f"no such template: {url}")
        parameters = stack.value(logical_id, "Parameters", {}) or {}
        if not isinstance(parameters, dict):
            raise stack.fail(logical_id, "Parameters", "must map parameter names to values")
        prefix = stack.prefix + child_name(logical_id, resource) + "/"
        children[logical_id] = load_child(path, parameters, prefix, (*chain, path))
    stack.output = lambda child, name: output(stack, children, child, name)
    return children


def child_name(logical_id: str, resource: dict[str, Any]) -> str:
    """What a nested stack's resources are named under: a CDK NestedStack's construct id
    when its `aws:cdk:path` is the parent stack's own `Id.NestedStack/...`, else its
    logical id (SAM CLI's rule, so `sam local` and the workbench take the same names)."""
    path = cdk_path(resource)
    parts = path.split("/") if path else []
    if len(parts) == 3 and parts[1].endswith(CDK_NESTED_STACK):
        return parts[1].removesuffix(CDK_NESTED_STACK) or logical_id
    return logical_id


def output(stack: Stack, children: dict[str, Stack], child: str, name: str) -> Any:
    if child not in children:
        raise stack.fail(child, f"Outputs.{name}", "this nested stack is not loaded")
    outputs = children[child].document.get("Outputs") or {}
    if name not in outputs or not isinstance(outputs[name], dict):
        raise stack.fail(child, f"Outputs.{name}", "the nested stack has no such output")
    return children[child].resolver.resolve(outputs[name].get("Value"),
                                            stack.name(child), f"Outputs.{name}")
