"""The SAM template, loaded into typed specs (`workbench.template.specs`).

Only what the emulator needs is read (functions, layers, APIs and their routes); a
property the workbench cannot honour is an error naming the resource and property,
never a silent default. CloudFormation's YAML tags are parsed by cfn-flip.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from cfn_tools import load_yaml

from workbench.config import DEFAULT_ACCOUNT_ID, DEFAULT_REGION
from workbench.errors import TemplateError
from workbench.template.specs import (
    HTTP_METHODS,
    IMPLICIT_HTTP_API,
    IMPLICIT_HTTP_STAGE,
    IMPLICIT_REST_API,
    IMPLICIT_REST_STAGE,
    SUPPORTED_RUNTIMES,
    Api,
    ApiKind,
    FunctionSpec,
    LayerSpec,
    Route,
    Template,
)

_API_RESOURCES: dict[str, ApiKind] = {"AWS::Serverless::Api": "rest",
                                      "AWS::Serverless::HttpApi": "http"}
_API_EVENTS: dict[str, ApiKind] = {"Api": "rest", "HttpApi": "http"}


def load(path: Path | str, *, region: str = DEFAULT_REGION) -> Template:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise TemplateError(str(path), None, None, "no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise TemplateError(str(path), None, None, f"cannot read: {exc}") from None
    try:
        document = load_yaml(text)
    except Exception as exc:  # noqa: BLE001 - yaml raises many types; all mean "not YAML"
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or type(exc).__name__
        raise TemplateError(str(path), None, None, f"not valid YAML{where}: {problem}") from None
    return _Loader(path, document, region).load()


class _Loader:
    def __init__(self, path: Path, document: Any, region: str) -> None:
        if not isinstance(document, dict) or not isinstance(document.get("Resources"), dict):
            raise TemplateError(str(path), None, "Resources", "the template has no Resources map")
        self.path = path
        self.root = path.parent
        self.resources: dict[str, Any] = dict(document["Resources"])
        self.parameters: dict[str, Any] = dict(document.get("Parameters") or {})
        self.globals: dict[str, Any] = dict(document.get("Globals") or {})
        self.region = region
        self.layers: dict[str, LayerSpec] = {}

    def fail(self, resource: str | None, prop: str | None, message: str) -> TemplateError:
        return TemplateError(str(self.path), resource, prop, message)

    def load(self) -> Template:
        apis = self._explicit_apis()
        functions: dict[str, FunctionSpec] = {}
        routes: list[Route] = []
        for logical_id, resource in self.resources.items():
            if _type(resource) == "AWS::Serverless::Function":
                functions[logical_id] = self._function(logical_id, resource)
                routes.extend(self._routes(logical_id, resource, apis))
        if not functions:
            raise self.fail(None, "Resources", "no AWS::Serverless::Function to run")
        return Template(self.path, functions, apis, tuple(routes), dict(self.layers))

    # -- functions -------------------------------------------------------------------

    def _function(self, logical_id: str, resource: dict[str, Any]) -> FunctionSpec:
        props = {**self.globals.get("Function", {}), **(resource.get("Properties") or {})}
        env_globals = (self.globals.get("Function", {}).get("Environment") or {}).get("Variables")
        env_own = ((resource.get("Properties") or {}).get("Environment") or {}).get("Variables")
        environment = {**(env_globals or {}), **(env_own or {})}

        def value(prop: str, default: Any = None) -> Any:
            return self._resolve(props.get(prop, default), logical_id, prop)

        if props.get("PackageType", "Zip") != "Zip":
            raise self.fail(logical_id, "PackageType", "only Zip functions run without Docker")
        runtime = value("Runtime")
        if runtime not in SUPPORTED_RUNTIMES:
            raise self.fail(logical_id, "Runtime", f"{runtime!r} is not a Python runtime "
                            f"({', '.join(SUPPORTED_RUNTIMES)})")
        handler = value("Handler")
        if not isinstance(handler, str) or "." not in handler:
            raise self.fail(logical_id, "Handler", "must be 'module.function'")
        code_uri = self._directory(logical_id, "CodeUri", value("CodeUri"))
        module_file = code_uri / (handler.rsplit(".", 1)[0].replace(".", "/") + ".py")
        module_pkg = module_file.with_suffix("") / "__init__.py"
        if not module_file.is_file() and not module_pkg.is_file():
            raise self.fail(logical_id, "Handler",
                            f"module {handler.rsplit('.', 1)[0]!r} not found in {code_uri}")
        provisioned = value("ProvisionedConcurrencyConfig") or {}
        if not isinstance(provisioned, dict):
            raise self.fail(logical_id, "ProvisionedConcurrencyConfig", "must be a map")
        layers = [self._layer(logical_id, layer) for layer in props.get("Layers") or []]
        architectures = value("Architectures") or ["x86_64"]
        if architectures not in (["x86_64"], ["arm64"]):
            raise self.fail(logical_id, "Architectures", "must be [x86_64] or [arm64]")
        storage = value("EphemeralStorage") or {}
        if not isinstance(storage, dict):
            raise self.fail(logical_id, "EphemeralStorage", "must be a map with Size")
        return FunctionSpec(
            name=logical_id,
            handler=handler,
            runtime=runtime,
            code_uri=code_uri,
            memory_mb=self._int(logical_id, "MemorySize", value("MemorySize", 128), 128, 10240),
            timeout_s=float(self._int(logical_id, "Timeout", value("Timeout", 3), 1, 900)),
            environment={str(k): self._env_value(logical_id, k, v) for k, v in environment.items()},
            layers=tuple(layer.content_uri for layer in layers),
            layer_ids=tuple(layer.logical_id for layer in layers),
            architecture=architectures[0],
            # EphemeralStorage.Size: 512 to 10,240 MB (Lambda API reference).
            ephemeral_storage_mb=self._int(logical_id, "EphemeralStorage.Size",
                                           storage.get("Size", 512), 512, 10240),
            reserved_concurrency=self._optional_int(
                logical_id, "ReservedConcurrentExecutions",
                value("ReservedConcurrentExecutions"), 0),
            provisioned_concurrency=self._int(
                logical_id, "ProvisionedConcurrencyConfig",
                self._resolve(provisioned.get("ProvisionedConcurrentExecutions", 0), logical_id,
                              "ProvisionedConcurrencyConfig"), 0, 10000),
            function_name=value("FunctionName"),
        )

    def _layer(self, function: str, layer: Any) -> LayerSpec:
        ref = layer.get("Ref") if isinstance(layer, dict) else None
        target = self.resources.get(ref) if isinstance(ref, str) else None
        if _type(target) != "AWS::Serverless::LayerVersion":
            raise self.fail(function, "Layers", f"{layer!r} is not a local "
                            "AWS::Serverless::LayerVersion (!Ref it by logical id)")
        assert isinstance(ref, str) and isinstance(target, dict)
        if ref not in self.layers:
            props = target.get("Properties") or {}
            content = self._resolve(props.get("ContentUri"), ref, "ContentUri")
            build_method = (target.get("Metadata") or {}).get("BuildMethod")
            self.layers[ref] = LayerSpec(
                logical_id=ref, content_uri=self._directory(ref, "ContentUri", content),
                build_method=str(build_method) if build_method else None,
                compatible_runtimes=tuple(self._resolve(
                    props.get("CompatibleRuntimes") or [], ref, "CompatibleRuntimes")),
                compatible_architectures=tuple(self._resolve(
                    props.get("CompatibleArchitectures") or [], ref,
                    "CompatibleArchitectures")))
        return self.layers[ref]

    def _directory(self, resource: str, prop: str, raw: Any) -> Path:
        if raw is None:
            raise self.fail(resource, prop, "missing")
        if not isinstance(raw, str):
            raise self.fail(resource, prop, "must be a local directory path")
        directory = (self.root / raw).resolve()
        if not directory.is_dir():
            raise self.fail(resource, prop, f"directory {raw!r} does not exist")
        return directory

    def _env_value(self, function: str, key: Any, raw: Any) -> str:
        value = self._resolve(raw, function, f"Environment.Variables.{key}")
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, (str, int, float)):
            return str(value)
        raise self.fail(function, f"Environment.Variables.{key}", "must be a string")

    # -- APIs and routes -------------------------------------------------------------

    def _explicit_apis(self) -> dict[str, Api]:
        apis: dict[str, Api] = {}
        for logical_id, resource in self.resources.items():
            kind = _API_RESOURCES.get(_type(resource) or "")
            if kind is not None:
                apis[logical_id] = self._api(logical_id, kind, resource.get("Properties") or {})
        return apis

    def _api(self, logical_id: str, kind: ApiKind, props: dict[str, Any]) -> Api:
        merged = {**self.globals.get("Api" if kind == "rest" else "HttpApi", {}), **props}
        default_stage = IMPLICIT_REST_STAGE if kind == "rest" else IMPLICIT_HTTP_STAGE
        stage = self._resolve(merged.get("StageName", default_stage), logical_id, "StageName")
        binary = self._resolve(merged.get("BinaryMediaTypes") or [], logical_id,
                               "BinaryMediaTypes")
        variables = self._resolve(merged.get("Variables") or merged.get("StageVariables") or {},
                                  logical_id, "Variables")
        if not isinstance(binary, list) or not all(isinstance(b, str) for b in binary):
            raise self.fail(logical_id, "BinaryMediaTypes", "must be a list of media types")
        # SAM escapes "/" as "~1" in BinaryMediaTypes (CloudFormation's JSON pointer form).
        binary_types = tuple(b.replace("~1", "/") for b in binary)
        return Api(logical_id, kind, str(stage), binary_types,
                   {str(k): str(v) for k, v in dict(variables).items()})

    def _routes(self, function: str, resource: dict[str, Any],
                apis: dict[str, Api]) -> list[Route]:
        routes = []
        events = (resource.get("Properties") or {}).get("Events") or {}
        for event_id, event in dict(events).items():
            kind = _API_EVENTS.get(str(event.get("Type")))
            if kind is None:
                continue  # S3, SQS, Schedule... events are not HTTP routes
            prop = f"Events.{event_id}"
            props = event.get("Properties") or {}
            api_id = self._api_reference(function, prop, kind, props, apis)
            path = props.get("Path", "$default" if kind == "http" else None)
            method = str(props.get("Method", "ANY" if kind == "http" else "")).upper()
            if not isinstance(path, str) or not (path.startswith("/") or path == "$default"):
                raise self.fail(function, f"{prop}.Path", "must start with '/'")
            if method == "X-AMAZON-APIGATEWAY-ANY-METHOD":
                method = "ANY"
            if method not in HTTP_METHODS:
                raise self.fail(function, f"{prop}.Method", f"unknown HTTP method {method!r}")
            version = str(props.get("PayloadFormatVersion", "2.0" if kind == "http" else "1.0"))
            if version not in ("1.0", "2.0"):
                raise self.fail(function, f"{prop}.PayloadFormatVersion", "must be 1.0 or 2.0")
            _check_path_template(path, self.fail, function, f"{prop}.Path")
            routes.append(Route(api_id, kind, method, path, function, version))  # type: ignore[arg-type]
        return routes

    def _api_reference(self, function: str, prop: str, kind: ApiKind, props: dict[str, Any],
                       apis: dict[str, Api]) -> str:
        ref_prop = "RestApiId" if kind == "rest" else "ApiId"
        ref = props.get(ref_prop)
        if ref is None:
            implicit = IMPLICIT_REST_API if kind == "rest" else IMPLICIT_HTTP_API
            if implicit not in apis:
                apis[implicit] = self._api(implicit, kind, {})
            return implicit
        target = ref.get("Ref") if isinstance(ref, dict) else ref
        if target not in apis or apis[target].kind != kind:
            wanted = "AWS::Serverless::Api" if kind == "rest" else "AWS::Serverless::HttpApi"
            raise self.fail(function, f"{prop}.{ref_prop}", f"{ref!r} is not an {wanted} "
                            "in this template")
        return str(target)

    # -- values ----------------------------------------------------------------------

    def _resolve(self, raw: Any, resource: str, prop: str) -> Any:
        """Resolve the intrinsics a local run can know: Ref to parameters and pseudo
        parameters, and Fn::Sub over them. Anything else is an error, not a guess."""
        if isinstance(raw, dict) and len(raw) == 1:
            (key, arg), = raw.items()
            if key == "Ref":
                return self._ref(arg, resource, prop)
            if key == "Fn::Sub":
                text = arg[0] if isinstance(arg, list) else arg
                extra = arg[1] if isinstance(arg, list) and len(arg) > 1 else {}
                return re.sub(r"\$\{([^}!]+)\}", lambda m: str(
                    self._resolve(extra[m.group(1)], resource, prop) if m.group(1) in extra
                    else self._ref(m.group(1), resource, prop)), str(text))
            if key.startswith("Fn::"):
                raise self.fail(resource, prop, f"{key} cannot be resolved locally; "
                                "use a literal or a Parameter")
        if isinstance(raw, list):
            return [self._resolve(item, resource, prop) for item in raw]
        if isinstance(raw, dict):
            return {k: self._resolve(v, resource, f"{prop}.{k}") for k, v in raw.items()}
        return raw

    def _ref(self, name: Any, resource: str, prop: str) -> Any:
        pseudo = {"AWS::Region": self.region, "AWS::AccountId": DEFAULT_ACCOUNT_ID,
                  "AWS::Partition": "aws", "AWS::StackName": "workbench",
                  "AWS::URLSuffix": "amazonaws.com"}
        if name in pseudo:
            return pseudo[name]
        if name in self.parameters:
            parameter = self.parameters[name] or {}
            if "Default" not in parameter:
                raise self.fail(resource, prop, f"parameter {name!r} has no Default")
            return parameter["Default"]
        if name in self.resources:
            return name  # a resource's Ref is its name/id; the logical id stands in locally
        raise self.fail(resource, prop, f"!Ref {name!r}: no such parameter or resource")

    def _int(self, resource: str, prop: str, raw: Any, low: int, high: int) -> int:
        if isinstance(raw, bool) or not isinstance(raw, (int, str)) or not str(raw).isdigit():
            raise self.fail(resource, prop, f"must be an integer, got {raw!r}")
        number = int(raw)
        if not low <= number <= high:
            raise self.fail(resource, prop, f"must be between {low} and {high}, got {number}")
        return number

    def _optional_int(self, resource: str, prop: str, raw: Any, low: int) -> int | None:
        return None if raw is None else self._int(resource, prop, raw, low, 100000)


def _type(resource: Any) -> str | None:
    return resource.get("Type") if isinstance(resource, dict) else None


def _check_path_template(path: str, fail: Any, resource: str, prop: str) -> None:
    if path == "$default":
        return
    for segment in path.strip("/").split("/"):
        if "{" in segment or "}" in segment:
            if not re.fullmatch(r"\{[A-Za-z0-9_.-]+\+?\}", segment):
                raise fail(resource, prop, f"bad path parameter segment {segment!r}")
    if "+}" in path and not path.rstrip("/").endswith("+}"):
        raise fail(resource, prop, "a greedy {name+} parameter must be the last segment")
