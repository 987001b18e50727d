"""CloudFormation's intrinsic functions and conditions, resolved as far as offline allows.

`Resolver.resolve` walks a value and evaluates Ref, Fn::Sub (both forms), Fn::GetAtt,
Fn::Join, Fn::Select, Fn::Split, Fn::FindInMap, Fn::If with Conditions (Fn::Equals, And,
Or, Not), Fn::GetAZs, Fn::Base64, Fn::Length, Fn::ToJsonString, AWS::NoValue and the
pseudo parameters (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference.html).
What truly cannot be known offline (Fn::ImportValue, `{{resolve:...}}`, a parameter
without a value, an attribute AWS makes up at deploy time) becomes an `Unknown` that
says why and which flag supplies it: the reader that needs the value turns it into an
error, one that does not need it never notices. Nothing is guessed.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from workbench.errors import TemplateError
from workbench.template.documents import shown

PARAMETER_FLAG = "--parameter-overrides"


@dataclass(frozen=True)
class Unknown:
    """A value that cannot be known offline."""

    why: str  # "Fn::ImportValue 'SharedVpc'", "parameter 'Stage' has no value"
    flag: str | None = None  # the flag that supplies it, with its form
    ssm: str | None = None  # the SSM parameter it would be read from

    def __str__(self) -> str:
        return self.why + (f" (give it with {self.flag})" if self.flag else "")


class _NoValue:
    """AWS::NoValue: the property or list item is removed."""


NO_VALUE = _NoValue()
_CONDITION_SHAPES = {"Fn::Equals": "[value, value]", "Fn::Not": "[condition]",
                     "Fn::And": "a list of conditions", "Fn::Or": "a list of conditions"}
_SUB = re.compile(r"\$\{([^}]*)\}")
_DYNAMIC = re.compile(r"\{\{resolve:([a-z-]+):([^}]*)\}\}")
Fail = Callable[[str | None, str | None, str], TemplateError]
# (logical id, attribute or None for Ref) -> value
Attribute = Callable[[str, str | None], Any]


class Resolver:
    def __init__(self, *, fail: Fail, parameters: Mapping[str, Any], pseudo: Mapping[str, Any],
                 conditions: Mapping[str, Any], mappings: Mapping[str, Any],
                 resource_ids: set[str], attribute: Attribute, region: str,
                 overrides: Mapping[str, str]) -> None:
        for section, value in (("Conditions", conditions), ("Mappings", mappings)):
            if not isinstance(value, Mapping):  # the template's own, as written
                raise fail(None, section, f"must be a map of names, not {shown(value)}")
        self.fail = fail
        self.parameters = parameters
        self.pseudo = pseudo
        self.raw_conditions = conditions
        self.mappings = mappings
        self.resource_ids = resource_ids
        self.attribute = attribute
        self.region = region
        self.overrides = overrides
        self._conditions: dict[str, bool] = {}
        self._evaluating: list[str] = []

    # -- conditions ----------------------------------------------------------------

    def condition(self, name: Any, resource: str | None = None) -> bool:
        if not isinstance(name, str) or name not in self.raw_conditions:
            raise self.fail(resource, "Condition", f"no condition named {shown(name)}")
        if name in self._conditions:
            return self._conditions[name]
        if name in self._evaluating:
            cycle = " -> ".join([*self._evaluating[self._evaluating.index(name):], name])
            raise self.fail(None, "Conditions", f"conditions refer to each other: {cycle}")
        self._evaluating.append(name)
        try:
            value = self._truth(self.raw_conditions[name], name)
        finally:
            self._evaluating.pop()
        self._conditions[name] = value
        return value

    def _truth(self, raw: Any, name: str) -> bool:
        if isinstance(raw, dict) and len(raw) == 1:
            (key, arg), = raw.items()
            if key == "Condition":
                # aws-sam-translator nests one, {"Condition": {"Condition": "X"}}, when it
                # adds a resource's Condition to a conditional EventInvokeConfig destination.
                if isinstance(arg, dict) and set(arg) == {"Condition"}:
                    return self._truth(arg, name)
                return self.condition(arg)
            if key in ("Fn::And", "Fn::Or") and isinstance(arg, list):
                values = [self._truth(item, name) for item in arg]
                return all(values) if key == "Fn::And" else any(values)
            if key == "Fn::Not" and isinstance(arg, list) and len(arg) == 1:
                return not self._truth(arg[0], name)
            if key == "Fn::Equals" and isinstance(arg, list) and len(arg) == 2:
                left, right = (self.resolve(v, None, f"Conditions.{name}") for v in arg)
                for side in (left, right):
                    if isinstance(side, Unknown):
                        raise self.fail(None, f"Conditions.{name}", f"depends on {side}")
                return as_text(left) == as_text(right)
            if key in _CONDITION_SHAPES:  # resolving it would come back here
                raise self.fail(None, f"Conditions.{name}",
                                f"{key} needs {_CONDITION_SHAPES[key]}, got {shown(arg)}")
        value = self.resolve(raw, None, f"Conditions.{name}")
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        raise self.fail(None, f"Conditions.{name}", f"is not a condition: {shown(raw)}")

    # -- values --------------------------------------------------------------------

    def resolve(self, raw: Any, resource: str | None, prop: str | None) -> Any:
        if isinstance(raw, list):
            items = [self.resolve(v, resource, prop) for v in raw]
            return [v for v in items if v is not NO_VALUE]
        if isinstance(raw, str):
            return self._dynamic(raw)
        if not isinstance(raw, dict):
            return raw
        if len(raw) == 1:
            (key, arg), = raw.items()
            function = _FUNCTIONS.get(key)
            if function is not None:
                return function(self, arg, resource, prop)
        out = {}
        for key, value in raw.items():
            resolved = self.resolve(value, resource, f"{prop}.{key}" if prop else key)
            if resolved is not NO_VALUE:
                out[key] = resolved
        return out

    def _dynamic(self, text: str) -> Any:
        """`{{resolve:ssm:name}}` and friends: only from the user's overrides."""
        match = _DYNAMIC.search(text)
        if match is None:
            return text
        key = match.group(2)
        if key in self.overrides:
            return self._dynamic(text[:match.start()] + self.overrides[key] + text[match.end():])
        return Unknown(f"the dynamic reference {match.group(0)}",
                       f"{PARAMETER_FLAG} '{key}=VALUE'",
                       key if match.group(1) == "ssm" and match.group(0) == text else None)

    def ref(self, name: Any, resource: str | None, prop: str | None) -> Any:
        if not isinstance(name, str):
            raise self.fail(resource, prop, f"Ref needs a name, got {shown(name)}")
        if name == "AWS::NoValue":
            return NO_VALUE
        if name in self.pseudo:
            return self.pseudo[name]
        if name in self.parameters:
            return self.parameters[name]
        if name in self.resource_ids:
            return self.attribute(name, None)
        return Unknown(f"Ref {name}: no such parameter or resource in the template")

    def get_att(self, arg: Any, resource: str | None, prop: str | None) -> Any:
        if isinstance(arg, str) and "." in arg:
            arg = arg.split(".", 1)
        if not (isinstance(arg, list) and len(arg) == 2 and isinstance(arg[0], str)):
            raise self.fail(resource, prop, f"Fn::GetAtt needs [resource, attribute], got "
                            f"{shown(arg)}")
        target = arg[0]
        attr = self.resolve(arg[1], resource, prop)
        if target not in self.resource_ids:
            return Unknown(f"Fn::GetAtt {target}.{attr}: no such resource in the template")
        if not isinstance(attr, str):
            raise self.fail(resource, prop, f"Fn::GetAtt {target}: attribute must be a name")
        return self.attribute(target, attr)

    def sub(self, arg: Any, resource: str | None, prop: str | None) -> Any:
        listed = isinstance(arg, list) and len(arg) in (1, 2)
        text, names = (arg[0], arg[1] if len(arg) > 1 else {}) if listed else (arg, {})
        if not isinstance(text, str) or not isinstance(names, dict):
            raise self.fail(resource, prop, f"Fn::Sub needs a string, got {shown(arg)}")
        values = {k: self.resolve(v, resource, prop) for k, v in names.items()}
        unknown: list[Unknown] = []

        def one(match: re.Match[str]) -> str:
            name = match.group(1).strip()
            if name.startswith("!"):
                return "${" + name[1:] + "}"  # ${!Literal} stays literal
            if name in values:
                value = values[name]
            elif "." in name and name.split(".", 1)[0] in self.resource_ids:
                value = self.get_att(name, resource, prop)
            else:
                value = self.ref(name, resource, prop)
            if isinstance(value, Unknown):
                unknown.append(value)
                return ""
            return as_text(value)

        result = _SUB.sub(one, text)
        return unknown[0] if unknown else self._dynamic(result)

    def join(self, arg: Any, resource: str | None, prop: str | None) -> Any:
        if not (isinstance(arg, list) and len(arg) == 2 and isinstance(arg[0], str)):
            raise self.fail(resource, prop, f"Fn::Join needs [delimiter, list], got {shown(arg)}")
        items = self.resolve(arg[1], resource, prop)
        if isinstance(items, Unknown):
            return items
        if not isinstance(items, list):
            raise self.fail(resource, prop, "Fn::Join needs a list to join")
        for item in items:
            if isinstance(item, Unknown):
                return item
        return arg[0].join(as_text(item) for item in items)

    def select(self, arg: Any, resource: str | None, prop: str | None) -> Any:
        if not (isinstance(arg, list) and len(arg) == 2):
            raise self.fail(resource, prop, f"Fn::Select needs [index, list], got {shown(arg)}")
        index, items = (self.resolve(v, resource, prop) for v in arg)
        if isinstance(items, Unknown) or isinstance(index, Unknown):
            return items if isinstance(items, Unknown) else index
        if not isinstance(items, list) or not str(index).isdigit():
            raise self.fail(resource, prop, "Fn::Select needs a number and a list")
        if int(index) >= len(items):
            raise self.fail(resource, prop, f"Fn::Select index {index} is past the end of "
                            f"a list of {len(items)}")
        return items[int(index)]

    def split(self, arg: Any, resource: str | None, prop: str | None) -> Any:
        if not (isinstance(arg, list) and len(arg) == 2 and isinstance(arg[0], str)):
            raise self.fail(resource, prop, f"Fn::Split needs [delimiter, text], got {shown(arg)}")
        text = self.resolve(arg[1], resource, prop)
        if isinstance(text, Unknown):
            return text
        if not isinstance(text, str):
            raise self.fail(resource, prop, "Fn::Split needs text to split")
        return text.split(arg[0])

    def find_in_map(self, arg: Any, resource: str | None, prop: str | None) -> Any:
        if not (isinstance(arg, list) and len(arg) in (3, 4)):
            raise self.fail(resource, prop, "Fn::FindInMap needs [map, key, key]")
        keys = [self.resolve(v, resource, prop) for v in arg[:3]]
        for key in keys:
            if isinstance(key, Unknown):
                return key
        top = self.mappings.get(as_text(keys[0]))
        found = top.get(as_text(keys[1])) if isinstance(top, dict) else None
        if isinstance(found, dict) and as_text(keys[2]) in found:
            return self.resolve(found[as_text(keys[2])], resource, prop)
        if len(arg) == 4 and isinstance(arg[3], dict) and "DefaultValue" in arg[3]:
            return self.resolve(arg[3]["DefaultValue"], resource, prop)  # LanguageExtensions
        raise self.fail(resource, prop, "Fn::FindInMap: no "
                        f"{'/'.join(as_text(k) for k in keys)} in Mappings")

    def if_(self, arg: Any, resource: str | None, prop: str | None) -> Any:
        if not (isinstance(arg, list) and len(arg) == 3):
            raise self.fail(resource, prop, "Fn::If needs [condition, then, else]")
        chosen = arg[1] if self.condition(arg[0], resource) else arg[2]
        return self.resolve(chosen, resource, prop)

    def condition_value(self, arg: Any, resource: str | None, prop: str | None) -> Any:
        return self.condition(arg, resource)

    def get_azs(self, arg: Any, resource: str | None, prop: str | None) -> Any:
        region = self.resolve(arg, resource, prop) or self.region
        return [f"{region}{zone}" for zone in "abc"]

    def base64(self, arg: Any, resource: str | None, prop: str | None) -> Any:
        text = self.resolve(arg, resource, prop)
        if isinstance(text, Unknown):
            return text
        return base64.b64encode(as_text(text).encode()).decode()

    def length(self, arg: Any, resource: str | None, prop: str | None) -> Any:
        items = self.resolve(arg, resource, prop)
        if isinstance(items, Unknown):
            return items
        if not isinstance(items, list):
            raise self.fail(resource, prop, "Fn::Length needs a list")
        return len(items)

    def to_json(self, arg: Any, resource: str | None, prop: str | None) -> Any:
        value = self.resolve(arg, resource, prop)
        return value if isinstance(value, Unknown) else json.dumps(value, separators=(",", ":"))

    def import_value(self, arg: Any, resource: str | None, prop: str | None) -> Any:
        name = self.resolve(arg, resource, prop)
        if isinstance(name, str) and name in self.overrides:
            return self.overrides[name]
        return Unknown(f"Fn::ImportValue {shown(name)} (another stack's export)",
                       f"{PARAMETER_FLAG} '{name}=VALUE'")


def _not_offline(key: str) -> Callable[[Resolver, Any, str | None, str | None], Any]:
    def unknown(self: Resolver, arg: Any, resource: str | None, prop: str | None) -> Any:
        return Unknown(f"{key} {shown(arg)} (not evaluated offline)")
    return unknown


def _equals(self: Resolver, arg: Any, resource: str | None, prop: str | None) -> Any:
    return self._truth({"Fn::Equals": arg}, prop or "")


def _logic(key: str) -> Callable[[Resolver, Any, str | None, str | None], Any]:
    def evaluate(self: Resolver, arg: Any, resource: str | None, prop: str | None) -> Any:
        return self._truth({key: arg}, prop or "")
    return evaluate


_FUNCTIONS: dict[str, Callable[[Resolver, Any, str | None, str | None], Any]] = {
    "Ref": Resolver.ref,
    "Fn::Sub": Resolver.sub,
    "Fn::GetAtt": Resolver.get_att,
    "Fn::Join": Resolver.join,
    "Fn::Select": Resolver.select,
    "Fn::Split": Resolver.split,
    "Fn::FindInMap": Resolver.find_in_map,
    "Fn::If": Resolver.if_,
    "Condition": Resolver.condition_value,
    "Fn::Equals": _equals,
    "Fn::And": _logic("Fn::And"),
    "Fn::Or": _logic("Fn::Or"),
    "Fn::Not": _logic("Fn::Not"),
    "Fn::GetAZs": Resolver.get_azs,
    "Fn::Base64": Resolver.base64,
    "Fn::Length": Resolver.length,
    "Fn::ToJsonString": Resolver.to_json,
    "Fn::ImportValue": Resolver.import_value,
    "Fn::Cidr": _not_offline("Fn::Cidr"),
    "Fn::Transform": _not_offline("Fn::Transform"),
}


def as_text(value: Any) -> str:
    """A resolved scalar as CloudFormation renders it inside a string."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(as_text(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value)
    return str(value)

