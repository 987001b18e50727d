"""`AWS::LanguageExtensions`' `Fn::ForEach`, expanded before any other transform.

`Fn::ForEach::Name: [Identifier, Collection, {OutputKey: OutputValue}]` repeats the
fragment once per item of the collection (a list, or a Ref to a CommaDelimitedList
parameter), replacing `${Identifier}` and `&{Identifier}` (the item with its
non-alphanumeric characters dropped) in keys and strings, and `Ref: Identifier`, as
CloudFormation does (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference-foreach.html).
Loops nest, and may make a resource's properties. The other extensions (Fn::Length,
Fn::ToJsonString, Fn::FindInMap's DefaultValue) are evaluated with the other intrinsics.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from workbench.errors import TemplateError
from workbench.template.documents import shown
from workbench.template.intrinsics import as_text

FOR_EACH = "Fn::ForEach::"
# Logical IDs are alphanumeric (CloudFormation User Guide, resources-section-structure.html).
_LOGICAL_ID = re.compile(r"[A-Za-z0-9]+")
Fail = Callable[[str | None, str | None, str], TemplateError]
Collection = Callable[[Any, str], Any]  # (raw collection, loop name) -> list of strings


def expand(document: dict[str, Any], collection: Collection, fail: Fail) -> dict[str, Any]:
    out = dict(document)
    for section in ("Resources", "Outputs", "Conditions"):
        if isinstance(document.get(section), dict):
            out[section] = _section(document[section], collection, fail)
    if isinstance(out.get("Resources"), dict):
        out["Resources"] = {logical_id: _properties(resource, collection, fail)
                            for logical_id, resource in out["Resources"].items()}
    return out


def _properties(resource: Any, collection: Collection, fail: Fail) -> Any:
    """A resource's Properties may hold loops too, which make properties (as SAM CLI's
    language extensions read them)."""
    if isinstance(resource, dict) and isinstance(resource.get("Properties"), dict):
        return {**resource, "Properties": _section(resource["Properties"], collection, fail)}
    return resource


def _section(mapping: dict[str, Any], collection: Collection, fail: Fail,
             outer: tuple[str, ...] = ()) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in mapping.items():
        if not str(key).startswith(FOR_EACH):  # YAML keys may be numbers
            if key in out:
                raise fail(None, key, f"makes '{key}' twice (a loop and the key itself)")
            out[key] = value
            continue
        identifier, items, fragment = _loop(key, value, collection, fail, outer)
        for item in items:
            replaced = _replace(fragment, identifier, as_text(item))
            for new_key, new_value in _section(replaced, collection, fail,
                                               (*outer, identifier)).items():
                if new_key in out:
                    raise fail(None, key, f"makes '{new_key}' twice")
                if not _LOGICAL_ID.fullmatch(str(new_key)):
                    raise fail(None, key, f"makes '{new_key}': a logical ID or property "
                               "name is alphanumeric")
                out[new_key] = new_value
    return out


def _loop(key: str, value: Any, collection: Collection, fail: Fail,
          outer: tuple[str, ...]) -> tuple[str, list[Any], dict[str, Any]]:
    """A loop's identifier (which no enclosing loop uses), items and fragment."""
    if not (isinstance(value, list) and len(value) == 3 and isinstance(value[0], str)
            and isinstance(value[2], dict)):
        raise fail(None, key, "needs [Identifier, Collection, {OutputKey: OutputValue}]")
    identifier, raw_items, fragment = value
    if identifier in outer:
        raise fail(None, key, f"reuses the identifier {identifier} of a loop around it")
    items = collection(raw_items, key)
    if not isinstance(items, list):
        raise fail(None, key, f"the collection must be a list, got {shown(items)}")
    return identifier, items, fragment


def _replace(value: Any, identifier: str, item: str) -> Any:
    if isinstance(value, str):
        plain = re.sub(r"[^A-Za-z0-9]", "", item)
        return value.replace("${" + identifier + "}", item).replace(
            "&{" + identifier + "}", plain)
    if isinstance(value, list):
        return [_replace(v, identifier, item) for v in value]
    if isinstance(value, dict):
        if value == {"Ref": identifier}:
            return item
        return {_replace(k, identifier, item): _replace(v, identifier, item)
                for k, v in value.items()}
    return value


def simplify_subs(value: Any) -> Any:
    """`Fn::Sub` of a string with nothing left to substitute is that string (what
    CloudFormation's transforms see once a loop filled in its identifier)."""
    if isinstance(value, list):
        return [simplify_subs(v) for v in value]
    if not isinstance(value, dict):
        return value
    if len(value) == 1 and isinstance(value.get("Fn::Sub"), str) and "${" not in value["Fn::Sub"]:
        return value["Fn::Sub"]
    return {k: simplify_subs(v) for k, v in value.items()}
