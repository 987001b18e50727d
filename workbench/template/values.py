"""Values from outside the template, with SAM CLI's names and formats.

`--parameter-overrides Key=Value ...` (or `ParameterKey=K,ParameterValue=V`), `--env-vars
FILE` (SAM's JSON: a map per function, and `Parameters` for all of them), and the
`samconfig.toml` / `samconfig.yaml` beside the template: the `global` section and the
command's own (`local_start_api`, `local_invoke` ...) of the chosen `--config-env`, as
`sam local` reads them (https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/serverless-sam-cli-config.html).
A flag beats samconfig. Parameters are then checked as CloudFormation checks them.
"""

from __future__ import annotations

import json
import re
import shlex
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from workbench.errors import TemplateError, WorkbenchError
from workbench.template.documents import shown
from workbench.template.intrinsics import PARAMETER_FLAG, Unknown, as_text

CONFIG_NAMES = ("samconfig.toml", "samconfig.yaml", "samconfig.yml")
DEFAULT_CONFIG_ENV = "default"


@dataclass(frozen=True)
class TemplateValues:
    parameter_overrides: dict[str, str] = field(default_factory=dict)
    # function logical id / FunctionName / "Child/Function" / CDK construct id, or
    # "Parameters" for all
    env_vars: dict[str, dict[str, str]] = field(default_factory=dict)
    sources: tuple[Path, ...] = ()  # files they came from (watched by the hot reload)


def gather(template: Path, *, commands: Sequence[str], overrides: Iterable[str] = (),
           env_vars: Path | None = None, config_env: str | None = None,
           config_file: Path | None = None) -> TemplateValues:
    """Flags over the command's samconfig section over its global one. Parameters merge
    key by key (SAM CLI replaces the whole list; a superset of its habit)."""
    sections, sources = _samconfig(template, commands, config_env, config_file)
    config: dict[str, Any] = {}
    parameters: dict[str, str] = {}
    for section in sections:
        config.update(section)
        parameters.update(_config_overrides(section.get("parameter_overrides")))
    parameters.update(parse_overrides(overrides, PARAMETER_FLAG))
    env_file = env_vars or (Path(str(config["env_vars"])) if config.get("env_vars") else None)
    if env_file is not None and not env_file.is_absolute() and env_vars is None:
        env_file = (sources[0].parent if sources else template.parent) / env_file
    variables = read_env_vars(env_file) if env_file is not None else {}
    files = (*sources, *([env_file] if env_file is not None else []))
    return TemplateValues(parameters, variables, tuple(p.resolve() for p in files))


def parse_overrides(items: Iterable[str], where: str) -> dict[str, str]:
    """`Key=Value` or `ParameterKey=Key,ParameterValue=Value`, quoted as a shell would."""
    out: dict[str, str] = {}
    for item in items:
        try:
            tokens = shlex.split(item)
        except ValueError as exc:
            raise WorkbenchError(f"{where}: cannot read {item!s}: {exc}") from None
        for token in tokens:
            long_form = re.fullmatch(r"ParameterKey=([^,]+),ParameterValue=(.*)", token)
            key, sep, value = (long_form.group(1), "=", long_form.group(2)) if long_form else (
                token.partition("="))
            if not sep or not key:
                raise WorkbenchError(f"{where}: '{token}' is not Key=Value")
            out[key] = value
    return out


def read_env_vars(path: Path) -> dict[str, dict[str, str]]:
    """SAM CLI's --env-vars JSON: {"Function": {"NAME": "value"}, "Parameters": {...}}."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise WorkbenchError(f"{path}: no such file (--env-vars)") from None
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise WorkbenchError(f"{path}: not a JSON file of environment variables "
                             f"({type(exc).__name__})") from None
    if not isinstance(document, dict):
        raise WorkbenchError(f"{path}: must map function names to variables (--env-vars)")
    out: dict[str, dict[str, str]] = {}
    for function, variables in document.items():
        if not isinstance(variables, dict):
            raise WorkbenchError(f"{path}: '{function}' must map variable names to values")
        out[function] = {str(k): _env_text(v) for k, v in variables.items()}
    return out


def _env_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value) if not isinstance(value, (dict, list)) else (
        json.dumps(value))


def _samconfig(template: Path, commands: Sequence[str], config_env: str | None,
               config_file: Path | None) -> tuple[list[dict[str, Any]], list[Path]]:
    path = config_file or next((template.parent / name for name in CONFIG_NAMES
                                if (template.parent / name).is_file()), None)
    if path is None:
        return [], []
    try:
        text = path.read_text(encoding="utf-8")
        document = tomllib.loads(text) if path.suffix == ".toml" else yaml.safe_load(text)
    except FileNotFoundError:
        raise WorkbenchError(f"{path}: no such file (--config-file)") from None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, yaml.YAMLError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise WorkbenchError(f"{path}: not a valid samconfig file: {first}") from None
    env = config_env or DEFAULT_CONFIG_ENV
    if not isinstance(document, dict) or not isinstance(document.get(env, {}), dict):
        raise WorkbenchError(f"{path}: not a samconfig file (environments of sections)")
    if config_env is not None and env not in document:
        raise WorkbenchError(f"{path}: no environment '{env}' (--config-env)")
    sections = []
    for command in ("global", *commands):
        section = document.get(env, {}).get(command) or {}
        parameters = (section.get("parameters") or {}) if isinstance(section, dict) else None
        if not isinstance(parameters, dict):
            raise WorkbenchError(f"{path}: [{env}.{command}] must be a table with a "
                                 "parameters table")
        sections.append(parameters)
    return sections, [path]


def _config_overrides(value: Any) -> dict[str, str]:
    """samconfig's parameter_overrides: `K=V ...` text, a list of such texts, or a map
    (SAM CLI takes one, a list value joined by commas, as a CommaDelimitedList's)."""
    if isinstance(value, dict):
        return {str(key): _override_text(item) for key, item in value.items()}
    items = [] if value is None else value if isinstance(value, list) else [value]
    if not all(isinstance(item, str) for item in items):
        raise WorkbenchError(f"samconfig: parameter_overrides must be 'K=V ...' text, a list "
                             f"of it or a map, not {shown(value)}")
    return parse_overrides(items, "samconfig")


def _override_text(item: Any) -> str:
    if isinstance(item, list):
        return ",".join(as_text(v) for v in item)
    return "" if item is None else as_text(item)


# -- CloudFormation parameters ---------------------------------------------------------

def parameter_values(path: Path, declared: Mapping[str, Any],
                     given: Mapping[str, Any]) -> dict[str, Any]:
    """Each declared parameter's value (given > Default), checked against its Type and
    constraints as CloudFormation checks them at deploy time; one without a value, or
    read from SSM, is `Unknown` (an error only where something needs it)."""
    values: dict[str, Any] = {}
    for name, spec in declared.items():
        spec = spec if isinstance(spec, dict) else {}
        kind = str(spec.get("Type", "String"))
        flag = f"{PARAMETER_FLAG} {name}=VALUE"
        if name in given:
            raw = given[name]
        elif "Default" in spec:
            raw = spec["Default"]
            if kind.startswith("AWS::SSM::Parameter::Value<"):
                values[name] = Unknown(f"parameter {name} is read from the SSM parameter "
                                       f"'{raw}'", flag, str(raw))
                continue
        else:
            values[name] = Unknown(f"parameter {name} has no Default", flag)
            continue
        values[name] = _checked(path, name, kind, spec, raw)
    return values


def _checked(path: Path, name: str, kind: str, spec: dict[str, Any], raw: Any) -> Any:
    def fail(message: str) -> TemplateError:
        return TemplateError(str(path), None, f"Parameters.{name}", message)

    is_list = kind == "CommaDelimitedList" or kind.startswith("List<")
    if isinstance(raw, list) and not is_list:
        raise fail(f"a {kind} parameter's value is text, not the list {shown(raw)}")
    # CloudFormation's values are text: YAML's `Default: true` is "true", not True.
    if isinstance(raw, list):
        items = [as_text(v) for v in raw]
    else:
        text = as_text(raw)
        items = [v.strip() for v in text.split(",")] if is_list else [text]
    numeric = kind in ("Number", "List<Number>")
    for item in items:
        if numeric and not re.fullmatch(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?", item):
            raise fail(f"'{item}' is not a number (Type {kind})")
        broken = _broken(item, numeric, spec)
        if broken is not None:
            raise fail(broken)
    return items if is_list else items[0]


def _number(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _broken(item: str, numeric: bool, spec: dict[str, Any]) -> str | None:
    """What constraint of the parameter the value breaks, said as CloudFormation would."""
    allowed = spec.get("AllowedValues")
    if isinstance(allowed, list) and item not in [as_text(v) for v in allowed]:
        return f"'{item}' is not one of {', '.join(as_text(v) for v in allowed)} (AllowedValues)"
    pattern = spec.get("AllowedPattern")
    try:
        matches = not isinstance(pattern, str) or re.fullmatch(pattern, item) is not None
    except re.error as exc:
        return f"AllowedPattern {shown(pattern)} is not a pattern ({exc})"
    if not matches:
        return str(spec.get("ConstraintDescription")
                   or f"'{item}' does not match AllowedPattern {pattern}")
    bounds: dict[str, float] = {"MinLength": len(item), "MaxLength": len(item)}
    if numeric:
        bounds.update(MinValue=float(item), MaxValue=float(item))
    for key, actual in bounds.items():
        if key in spec:
            limit = _number(spec[key])
            if limit is None:
                return f"{key} must be a number, not {shown(spec[key])}"
            if (actual < limit) if key.startswith("Min") else (actual > limit):
                return f"'{item}' breaks {key} {spec[key]}"
    return None
