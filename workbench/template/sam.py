"""SAM to CloudFormation through AWS's own transform, `aws-sam-translator`.

The translator is what CloudFormation and SAM CLI run: SAM's generated ids
(`ServerlessRestApi`, `<Function>Role`, `<Function>Alias<name>` ...), implicit APIs,
Globals, and `Auth`/`Cors` expanded into OpenAPI. It runs offline: managed policy names
resolve from the map it ships, and nothing here reaches an AWS service. It accepts only
S3 code locations, so each local `CodeUri`/`ContentUri` is handed to it as a placeholder
`s3://workbench-local/<n>` and mapped back afterwards; a missing CodeUri is the
template's own folder (as SAM CLI takes it); a local `DefinitionUri` is read and inlined as
`DefinitionBody` (as SAM CLI does); a local `AWS::Serverless::Application` becomes the
nested `AWS::CloudFormation::Stack` the transform would make of it. The result is cached,
keyed by everything it is built from, so an unchanged template costs no transform.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workbench import config
from workbench.errors import TemplateError
from workbench.template import documents, openapi
from workbench.template.intrinsics import as_text

SAM_TRANSFORM = "AWS::Serverless-2016-10-31"
PLACEHOLDER_BUCKET = "workbench-local"
_NO_VALUE = {"Ref": "AWS::NoValue"}
_FORMAT = 6  # of the cached translation (notes included): bump when what is cached changes
Fail = Callable[[str | None, str | None, str], TemplateError]
Resolve = Callable[[Any, str, str], Any]


@dataclass
class Translated:
    document: dict[str, Any]
    # placeholder S3 key -> (the SAM resource it came from, local path as written)
    code: dict[str, tuple[str, str]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # what was dropped before the transform


def transforms(document: dict[str, Any]) -> list[str]:
    raw = document.get("Transform")
    names = raw if isinstance(raw, list) else [raw] if raw else []
    return [str(n.get("Name")) if isinstance(n, dict) else str(n) for n in names]


def is_sam(document: dict[str, Any]) -> bool:
    """The template asks for the SAM transform, or (as SAM CLI takes it) uses SAM types."""
    resources = document.get("Resources") or {}
    return SAM_TRANSFORM in transforms(document) or any(
        isinstance(r, dict) and str(r.get("Type", "")).startswith("AWS::Serverless::")
        for r in resources.values())


def translate(document: dict[str, Any], *, root: Path, parameters: dict[str, Any],
              region: str, resolve: Resolve, fail: Fail,
              sources: list[Path]) -> Translated:
    known = _typed(document.get("Parameters"), parameters)
    prepared = Translated(json.loads(json.dumps(document)))
    for section in ("Resources", "Globals"):
        if isinstance(prepared.document.get(section), dict):
            prepared.document[section] = _with_parameters(prepared.document[section], known)
    _prepare(prepared, root, resolve, fail, sources)
    key = hashlib.sha256(json.dumps([_FORMAT, prepared.document, known, region, _version()],
                                    sort_keys=True, default=str).encode()).hexdigest()[:24]
    cached = config.cache_dir() / "templates" / f"sam-{key}.json"
    try:
        prepared.document, prepared.notes = json.loads(cached.read_text(encoding="utf-8"))
        return prepared
    except (OSError, ValueError):
        pass
    prepared.document = _run_translator(prepared, known, region, fail)
    cached.parent.mkdir(parents=True, exist_ok=True)
    partial = cached.with_suffix(f".{os.getpid()}.partial")
    partial.write_text(json.dumps([prepared.document, prepared.notes]), encoding="utf-8")
    partial.replace(cached)
    return prepared


def _version() -> str:
    from importlib.metadata import version

    return version("aws-sam-translator")


# Properties the workbench can serve without, tried away (in this order) before a
# resource the transform refuses is dropped whole.
_EXTRAS = ("Cors", "CorsConfiguration", "Auth")
_ROUNDS = 8


def _run_translator(prepared: Translated, parameters: dict[str, Any], region: str,
                    fail: Fail) -> dict[str, Any]:
    """Translate; a resource the transform refuses (as CloudFormation would refuse the
    template) is served without the property at fault, or left out, and reported."""
    for _ in range(_ROUNDS):
        refused = _translate_once(prepared.document, parameters, region, fail)
        if isinstance(refused, dict):
            return refused
        for logical_id, reason in refused:
            resource = prepared.document["Resources"].get(logical_id)
            props = resource.get("Properties") if isinstance(resource, dict) else None
            extra = next((p for p in _EXTRAS if isinstance(props, dict) and p in props), None)
            event = re.search(r"Event with id \[([^\]]+)\]", reason)
            events = props.get("Events") if isinstance(props, dict) else None
            if event and isinstance(events, dict) and event.group(1) in events:
                del events[event.group(1)]
                prepared.notes.append(f"ignored: Events.{event.group(1)} on {logical_id} (the "
                                      f"SAM transform refuses it: {reason})")
            elif extra is not None and isinstance(props, dict):
                del props[extra]
                prepared.notes.append(f"ignored: {extra} on {logical_id} (the SAM transform "
                                      f"refuses it: {reason})")
            elif len(prepared.document["Resources"]) == 1:
                raise fail(None, None, f"the SAM transform refused it: {reason}")
            else:
                prepared.document["Resources"].pop(logical_id, None)
                prepared.notes.append(f"not emulated: {logical_id} (the SAM transform "
                                      f"refuses it: {reason})")
    raise fail(None, None, "the SAM transform refused it after leaving out "
               f"{len(prepared.notes)} resources")


def _translate_once(document: dict[str, Any], parameters: dict[str, Any], region: str,
                    fail: Fail) -> dict[str, Any] | list[tuple[str, str]]:
    """The translated template, or the (resource, reason) pairs it refused."""
    import boto3
    from samtranslator.metrics.metrics import DummyMetricsPublisher, Metrics
    from samtranslator.model.exceptions import ExceptionWithMessage, InvalidDocumentException
    from samtranslator.parser.parser import Parser
    from samtranslator.translator.translator import Translator

    metrics = Metrics("ServerlessTransform", DummyMetricsPublisher())
    translator = Translator(managed_policy_map=None, sam_parser=Parser(),
                            boto_session=boto3.session.Session(region_name=region),
                            metrics=metrics)
    with _quiet_translator():
        try:
            result: dict[str, Any] = translator.translate(
                json.loads(json.dumps(document)), parameter_values=dict(parameters),
                passthrough_metadata=True)
            return result
        except InvalidDocumentException as exc:
            refused = [(str(getattr(cause, "_logical_id", "")), cause.message)
                       for cause in exc.causes]
            if all(logical_id in document.get("Resources", {}) for logical_id, _ in refused):
                return refused
            reasons = "; ".join(reason for _, reason in refused)
            raise fail(None, None, f"the SAM transform refused it: {reasons}") from None
        except ExceptionWithMessage as exc:
            raise fail(None, None, f"the SAM transform refused it: {exc.message}") from None
        finally:
            metrics.publish()


@contextlib.contextmanager
def _quiet_translator() -> Iterator[None]:
    """samtranslator logs warnings about its own set-up ("Feature 'x' not available in
    Feature Toggle Config."), which Python prints to stderr when no handler takes them:
    nothing the user can act on. What it refuses it raises, and that is reported."""
    logger = logging.getLogger("samtranslator")
    level = logger.level
    logger.setLevel(logging.CRITICAL + 1)
    try:
        yield
    finally:
        logger.setLevel(level)


def _typed(declared: Any, parameters: dict[str, Any]) -> dict[str, Any]:
    """The known parameters as the transform takes them: it checks some properties by type
    (BatchSize and TimeoutInMillis numbers, Enabled and CorsConfiguration booleans), which
    CloudFormation's text fails. So a Number parameter's value is a number, and a Default
    that YAML wrote as `true`/`false` a boolean (samtranslator reads a Default so); any
    other value stays text, as StageName and names need. (The resolver keeps the text.)"""
    specs = declared if isinstance(declared, dict) else {}
    out: dict[str, Any] = {}
    for name, value in parameters.items():
        spec = specs.get(name)
        spec = spec if isinstance(spec, dict) else {}
        default = spec.get("Default")
        if isinstance(default, bool) and value == as_text(default):
            out[name] = default
        elif spec.get("Type") == "Number" and isinstance(value, str):
            out[name] = int(value) if re.fullmatch(r"[-+]?\d+", value) else float(value)
        elif isinstance(value, (str, list)):
            out[name] = value
    return out


def _with_parameters(value: Any, known: dict[str, Any]) -> Any:
    """Refs to parameters replaced by their values, as SAM CLI does before the transform
    (the transform itself resolves them only in some properties), and properties and list
    items set to AWS::NoValue removed."""
    if isinstance(value, list):
        return [_with_parameters(v, known) for v in value if v != _NO_VALUE]
    if not isinstance(value, dict):
        return value
    if len(value) == 1 and isinstance(value.get("Ref"), str) and value["Ref"] in known:
        return known[value["Ref"]]
    if len(value) == 1 and str(next(iter(value))).startswith("Fn::"):
        # A function's arguments are no list items: Fn::If [c, x, !Ref AWS::NoValue] keeps
        # its three (NoValue is what it may choose).
        (name, args), = value.items()
        if isinstance(args, list):
            return {name: [_with_parameters(v, known) for v in args]}
    return {k: _with_parameters(v, known) for k, v in value.items() if v != _NO_VALUE}


def _prepare(prepared: Translated, root: Path, resolve: Resolve, fail: Fail,
             sources: list[Path]) -> None:
    document = prepared.document
    document["Transform"] = SAM_TRANSFORM  # the language extensions have run already
    resources = document.get("Resources") or {}
    function_globals = _map(_map(document.get("Globals")).get("Function"))
    if "CodeUri" in function_globals:
        function_globals["CodeUri"] = _placeholder(
            prepared, "Globals", resolve(function_globals["CodeUri"], "Globals", "CodeUri"))
    for logical_id, resource in list(resources.items()):
        if not isinstance(resource, dict):
            continue
        kind = resource.get("Type")
        props = resource.setdefault("Properties", {}) if kind else {}
        if not isinstance(props, dict):
            continue
        if kind == "AWS::Serverless::Function":
            _function_code(prepared, logical_id, props, function_globals, resolve)
        elif kind == "AWS::Serverless::LayerVersion" and "ContentUri" in props:
            props["ContentUri"] = _placeholder(
                prepared, logical_id, resolve(props["ContentUri"], logical_id, "ContentUri"))
        elif kind in ("AWS::Serverless::Api", "AWS::Serverless::HttpApi"):
            _inline_definition(logical_id, props, root, resolve, fail, sources)
        elif kind == "AWS::Serverless::StateMachine" and isinstance(
                props.get("DefinitionUri"), str):
            props["DefinitionUri"] = _placeholder(prepared, logical_id, props["DefinitionUri"])
        elif kind == "AWS::Serverless::Application":
            _application(prepared, logical_id, resource, resolve)
    _events_left_out(prepared)


def _events_left_out(prepared: Translated) -> None:
    """SAM adds an `Api` event's route to a REST API's own DefinitionBody only with
    MergeDefinitions (the transform's `__MANAGE_SWAGGER`), and never to an
    AWS::ApiGateway::RestApi: say so when the API lacks that route, rather than lose it
    silently. An `HttpApi` event's route is always added (samtranslator's
    `HttpApi._add_openapi_integration`)."""
    resources = prepared.document.get("Resources") or {}
    for logical_id, resource in resources.items():
        if not isinstance(resource, dict) or resource.get("Type") != "AWS::Serverless::Function":
            continue
        for event_id, event in _map(_map(resource.get("Properties")).get("Events")).items():
            props = _map(_map(event).get("Properties"))
            ref = props.get("RestApiId", props.get("ApiId"))
            target = ref.get("Ref") if isinstance(ref, dict) else None
            api = resources.get(target) if isinstance(target, str) else None
            if not isinstance(api, dict) or _routed(resources, str(target), props):
                continue
            api_props = _map(api.get("Properties"))
            what = f"Events.{event_id} on {logical_id} ({props.get('Method')} {props.get('Path')}"
            if not str(api.get("Type", "")).startswith("AWS::Serverless::"):
                prepared.notes.append(f"not emulated: {what}: SAM adds no route to {target}, "
                                      f"an {api.get('Type')}; give it a Method there)")
            elif api.get("Type") == "AWS::Serverless::Api" and "DefinitionBody" in api_props \
                    and not api_props.get("MergeDefinitions"):
                prepared.notes.append(f"not emulated: {what}: SAM adds no route to {target}'s "
                                      "own DefinitionBody unless MergeDefinitions is set)")


def _routed(resources: dict[str, Any], api: str, event: dict[str, Any]) -> bool:
    """Does the API itself route the event's method and path (its own, or ANY)?"""
    path = "/" + str(event.get("Path", "")).strip("/")
    routes = _declared_routes(resources, api)
    return (str(event.get("Method", "")).upper(), path) in routes or ("ANY", path) in routes


def _declared_routes(resources: dict[str, Any], api: str) -> set[tuple[str, str]]:
    """(method, path) an API declares: in its OpenAPI body, or as AWS::ApiGateway::Method
    resources on its Resource tree."""
    props = _map(resources[api].get("Properties"))
    body = props.get("DefinitionBody", props.get("Body"))
    paths = body.get("paths") if isinstance(body, dict) else None
    routes = {(openapi.method_of(str(key)), "/" + str(path).strip("/"))
              for path, item in (paths.items() if isinstance(paths, dict) else ())
              if isinstance(item, dict) for key in item}
    for resource in map(_map, resources.values()):
        method = _map(resource.get("Properties"))
        if resource.get("Type") == "AWS::ApiGateway::Method" \
                and method.get("RestApiId") == {"Ref": api}:
            path = _resource_path(resources, api, method.get("ResourceId"), ())
            if path is not None:
                routes.add((str(method.get("HttpMethod", "")).upper(), path))
    return routes


def _resource_path(resources: dict[str, Any], api: str, ref: Any,
                   seen: tuple[str, ...]) -> str | None:
    """The path of an AWS::ApiGateway::Resource named by Ref, or of the API's root
    (Fn::GetAtt RootResourceId); None if it cannot be followed."""
    if ref in ({"Fn::GetAtt": [api, "RootResourceId"]}, {"Fn::GetAtt": f"{api}.RootResourceId"}):
        return "/"
    logical_id = ref.get("Ref") if isinstance(ref, dict) else None
    resource = resources.get(logical_id) if isinstance(logical_id, str) else None
    if not isinstance(resource, dict) or logical_id in seen:
        return None
    props = resource.get("Properties") or {}
    above = _resource_path(resources, api, props.get("ParentId"), (*seen, str(logical_id)))
    return None if above is None else above.rstrip("/") + "/" + str(props.get("PathPart"))


def _function_code(prepared: Translated, logical_id: str, props: dict[str, Any],
                   function_globals: dict[str, Any], resolve: Resolve) -> None:
    image = props.get("PackageType", function_globals.get("PackageType")) == "Image"
    if image and "ImageUri" not in props and "ImageUri" not in function_globals:
        # As published, before `sam build` fills it in from Metadata.DockerTag: the
        # function is not run here either way, but the rest of the template is.
        props["ImageUri"] = f"{logical_id.lower()}:workbench-unbuilt"
    if "CodeUri" in props:
        props["CodeUri"] = _placeholder(prepared, logical_id,
                                        resolve(props["CodeUri"], logical_id, "CodeUri"))
    elif not image and "InlineCode" not in props and "CodeUri" not in function_globals:
        props["CodeUri"] = _placeholder(prepared, logical_id, ".")  # SAM CLI: the template's folder


def _map(value: Any) -> dict[str, Any]:
    """The value if it is a map, else an empty one: the transform refuses a section or
    property of the wrong shape itself, with its own message, once it is reached."""
    return value if isinstance(value, dict) else {}


def _placeholder(prepared: Translated, source: str, uri: Any) -> Any:
    """A local path as the translator accepts it; S3 locations and maps pass unchanged."""
    if not isinstance(uri, str) or uri.startswith("s3://"):
        return uri
    key = str(len(prepared.code))
    prepared.code[key] = (source, uri)
    return f"s3://{PLACEHOLDER_BUCKET}/{key}"


def _inline_definition(logical_id: str, props: dict[str, Any], root: Path, resolve: Resolve,
                       fail: Fail, sources: list[Path]) -> None:
    uri = props.get("DefinitionUri")
    if uri is None or "DefinitionBody" in props:
        return
    uri = resolve(uri, logical_id, "DefinitionUri")
    if not isinstance(uri, str) or uri.startswith("s3://"):
        return  # an S3 location: left to the transform, reported as not emulated later
    path = (root / uri).resolve()
    sources.append(path)
    body = documents.read(path, what="DefinitionUri")
    props["DefinitionBody"] = documents.expand_includes(body, path.parent, fail, (path,), sources)
    del props["DefinitionUri"]


def _application(prepared: Translated, logical_id: str, resource: dict[str, Any],
                 resolve: Resolve) -> None:
    props = resource["Properties"]
    location = resolve(props.get("Location"), logical_id, "Location")
    if isinstance(location, str):
        resource["Type"] = "AWS::CloudFormation::Stack"
        resource["Properties"] = {"TemplateURL": location,
                                  **({"Parameters": props["Parameters"]}
                                     if "Parameters" in props else {})}
        return
    del prepared.document["Resources"][logical_id]
    prepared.notes.append(f"not emulated: AWS::Serverless::Application {logical_id} "
                          "(a Serverless Application Repository app cannot be fetched offline)")
