"""Nested stacks: `AWS::CloudFormation::Stack` (and SAM's `AWS::Serverless::Application`,
which the transform turns into one) with a local `TemplateURL`/`Location`.

The child is loaded with the `Parameters` the parent passes it; its functions, APIs and
routes are mounted under its logical id, as SAM CLI names them (`Child/Function`), and
the parent can read its `Outputs` (`!GetAtt Child.Outputs.Name`).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from workbench.template.stack import Stack

STACK = "AWS::CloudFormation::Stack"
# (child template, parameters given, name prefix, chain of templates above it) -> its stack
LoadChild = Callable[[Path, dict[str, Any], str, tuple[Path, ...]], Stack]


def read(stack: Stack, load_child: LoadChild, chain: tuple[Path, ...]) -> dict[str, Stack]:
    children: dict[str, Stack] = {}
    for logical_id, _ in stack.of_type(STACK):
        url = stack.known(logical_id, "TemplateURL")
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
        children[logical_id] = load_child(path, parameters, stack.name(logical_id) + "/",
                                          (*chain, path))
    stack.output = lambda child, name: output(stack, children, child, name)
    return children


def output(stack: Stack, children: dict[str, Stack], child: str, name: str) -> Any:
    if child not in children:
        raise stack.fail(child, f"Outputs.{name}", "this nested stack is not loaded")
    outputs = children[child].document.get("Outputs") or {}
    if name not in outputs or not isinstance(outputs[name], dict):
        raise stack.fail(child, f"Outputs.{name}", "the nested stack has no such output")
    return children[child].resolver.resolve(outputs[name].get("Value"),
                                            stack.name(child), f"Outputs.{name}")
