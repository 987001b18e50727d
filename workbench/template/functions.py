"""`AWS::Lambda::Function`, `LayerVersion`, `Alias`/`Version` and `Url` into specs.

SAM functions arrive here translated, so SAM, CDK and hand-written CloudFormation are
read by the same code. A function the workbench cannot run (another runtime, an Image,
code in S3) is listed in `Template.skipped` with the reason; the rest still serve.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from workbench.errors import TemplateError
from workbench.template import code as codes
from workbench.template import published_layers
from workbench.template.documents import shown
from workbench.template.intrinsics import Unknown
from workbench.template.openapi import cors_of
from workbench.template.sam import PLACEHOLDER_BUCKET
from workbench.template.specs import (
    SUPPORTED_RUNTIMES,
    FunctionSpec,
    FunctionUrl,
    LayerSpec,
    cdk_names,
)
from workbench.template.stack import Stack, cdk_path, find_unknown, function_name_in

FUNCTION = "AWS::Lambda::Function"
LAYER = "AWS::Lambda::LayerVersion"
# Read below, or without effect on a local run (names, tags, the execution role: IAM is
# reported once as a resource type).
READ = {"Handler", "Runtime", "Code", "CodeUri", "MemorySize", "Timeout", "Environment",
        "Layers", "ReservedConcurrentExecutions", "Architectures", "EphemeralStorage",
        "FunctionName", "PackageType", "Role", "Description", "Tags", "TenancyConfig",
        "TracingConfig"}


def read(stack: Stack) -> tuple[dict[str, FunctionSpec], dict[str, LayerSpec], dict[str, str]]:
    functions: dict[str, FunctionSpec] = {}
    layers: dict[str, LayerSpec] = {}
    skipped: dict[str, str] = {}
    for logical_id, _ in stack.of_type(FUNCTION):
        name = stack.name(logical_id)
        reason = _not_run(stack, logical_id)
        if reason is not None:
            skipped[name] = reason
            continue
        # Where the code is must be readable (an error; a local folder that is not there
        # is the build's to report), what the function is configured with may be refused
        # alone (CloudFormation would refuse it; the rest still serves).
        code = _code(stack, logical_id)
        own_layers = [_layer(stack, logical_id, item, layers)
                      for item in stack.props(logical_id).get("Layers") or []]
        try:
            functions[name] = _function(stack, logical_id, code,
                                        [layer for layer in own_layers if layer is not None])
        except TemplateError as error:
            wrapper = _wrapper(stack, logical_id)
            skipped[name] = error.detail if wrapper is None else (
                f"its runtime is started by AWS_LAMBDA_EXEC_WRAPPER {wrapper} (a wrapper "
                "script, such as Lambda Web Adapter's), which is not run here")
            continue
        if (wrapper := _wrapper(stack, logical_id)) is not None:
            stack.note(f"not emulated: AWS_LAMBDA_EXEC_WRAPPER {wrapper} on {name} (it runs "
                       "without its wrapper script)")
        for prop in sorted(set(stack.props(logical_id)) - READ):
            stack.note(NOT_RUN_AS_DECLARED.get(prop, "ignored: {prop} on {name}").format(
                prop=prop, name=name))
    return functions, layers, skipped


# Properties left out that change what an invocation does, not only how it is deployed.
NOT_RUN_AS_DECLARED = {
    "DurableConfig": "not emulated: DurableConfig on {name} (Lambda hands a durable "
                     "function's SDK an execution envelope, not the event: its invocations "
                     "fail here)",
}


def _wrapper(stack: Stack, logical_id: str) -> str | None:
    """AWS_LAMBDA_EXEC_WRAPPER, shown: a script (usually a layer's, as Lambda Web Adapter's
    /opt/bootstrap) Lambda runs in place of the runtime (runtimes-modify.html)."""
    wrapper = _declared_variables(stack, logical_id).get("AWS_LAMBDA_EXEC_WRAPPER")
    return shown(wrapper) if wrapper else None


def _declared_variables(stack: Stack, logical_id: str) -> dict[str, Any]:
    """Environment.Variables as the template declares them (not yet turned into text)."""
    declared = stack.value(logical_id, "Environment", {}) or {}
    variables = declared.get("Variables") or {} if isinstance(declared, dict) else {}
    return variables if isinstance(variables, dict) else {}


def _not_run(stack: Stack, logical_id: str) -> str | None:
    props = stack.props(logical_id)
    code = props.get("Code")
    if props.get("PackageType") == "Image" or isinstance(code, dict) and "ImageUri" in code:
        return "an Image function: it needs a container runtime"
    runtime = stack.value(logical_id, "Runtime")
    if runtime not in SUPPORTED_RUNTIMES:
        shown_runtime = shown(runtime) if not isinstance(runtime, Unknown) else str(runtime)
        return (f"Runtime {shown_runtime} is not run here (the workbench runs "
                f"{SUPPORTED_RUNTIMES[0]} .. {SUPPORTED_RUNTIMES[-1]})")
    if isinstance(code, dict) and "S3Bucket" in code and code["S3Bucket"] != PLACEHOLDER_BUCKET \
            and not stack.asset(logical_id, "Code"):
        where = stack.value(logical_id, "Code")
        return f"its code is in S3 ({shown(where)}), which cannot be fetched offline"
    return None


def _function(stack: Stack, logical_id: str, code: codes.Code,
              found: list[LayerSpec]) -> FunctionSpec:
    name = stack.name(logical_id)
    handler = stack.known(logical_id, "Handler")
    if not isinstance(handler, str) or "." not in handler:
        raise stack.fail(logical_id, "Handler", "must be 'module.function'")
    if code.inline is None and code.archive is None and code.folder.is_dir():
        module = handler.rsplit(".", 1)[0].replace(".", "/")
        if not ((code.folder / f"{module}.py").is_file()
                or (code.folder / module / "__init__.py").is_file()):
            raise stack.fail(logical_id, "Handler", f"module '{handler.rsplit('.', 1)[0]}' "
                             f"not found in {code.folder}")
    architectures = stack.known(logical_id, "Architectures", ["x86_64"])
    if architectures not in (["x86_64"], ["arm64"]):
        raise stack.fail(logical_id, "Architectures", "must be [x86_64] or [arm64]")
    storage = stack.known(logical_id, "EphemeralStorage", {}) or {}
    function_name = stack.value(logical_id, "FunctionName")
    return FunctionSpec(
        name=name, handler=handler, runtime=str(stack.value(logical_id, "Runtime")),
        code_uri=code.folder, inline_code=code.inline, code_archive=code.archive,
        cdk_asset=code.asset, cdk_path=cdk_path(stack.resources[logical_id]),
        memory_mb=_int(stack, logical_id, "MemorySize", 128, 128, 10240),
        timeout_s=float(_int(stack, logical_id, "Timeout", 3, 1, 900)),
        environment=environment(stack, logical_id, function_name),
        layers=tuple(layer.content_uri for layer in found),
        layer_ids=tuple(layer.logical_id for layer in found),
        architecture=architectures[0],
        # EphemeralStorage.Size: 512 to 10,240 MB (Lambda API reference).
        ephemeral_storage_mb=_number(stack, logical_id, "EphemeralStorage.Size",
                                     storage.get("Size", 512), 512, 10240),
        reserved_concurrency=(None if "ReservedConcurrentExecutions" not in stack.props(
            logical_id) else _int(stack, logical_id, "ReservedConcurrentExecutions", 0, 0,
                                  100000)),
        provisioned_concurrency=_provisioned(stack, logical_id, name, function_name),
        function_name=function_name if isinstance(function_name, str) else None,
        url=_url(stack, logical_id, name, function_name),
        aliases=_aliases(stack, name, function_name),
        tenant_isolation=_tenancy(stack, logical_id),
        active_tracing=_tracing(stack, logical_id),
    )


def _tenancy(stack: Stack, logical_id: str) -> bool:
    # PER_TENANT is the API's only TenantIsolationMode
    return _mode(stack, logical_id, "TenancyConfig", "TenantIsolationMode",
                 ("PER_TENANT",)) == "PER_TENANT"


def _tracing(stack: Stack, logical_id: str) -> bool:
    # TracingMode (Lambda API reference)
    return _mode(stack, logical_id, "TracingConfig", "Mode",
                 ("Active", "PassThrough")) == "Active"


def _mode(stack: Stack, logical_id: str, prop: str, key: str,
          allowed: tuple[str, ...]) -> str | None:
    """An enum inside a config property (TracingConfig.Mode), None when not set."""
    config = stack.known(logical_id, prop, {}) or {}
    mode = config.get(key) if isinstance(config, dict) else None
    if mode not in (None, *allowed):
        raise stack.fail(logical_id, f"{prop}.{key}",
                         f"must be {' or '.join(allowed)}, got {shown(mode)}")
    return mode


def _code(stack: Stack, logical_id: str) -> codes.Code:
    props = stack.props(logical_id)
    asset = stack.asset(logical_id, "Code")
    if asset is not None:
        return _local(stack, logical_id, "Metadata.aws:asset:path", asset, asset=True)
    raw = props.get("Code", props.get("CodeUri", "."))  # none: the template's folder (SAM CLI)
    prop = "Code" if "Code" in props else "CodeUri"
    if isinstance(raw, dict) and "ZipFile" in raw:
        source = stack.known(logical_id, "Code")["ZipFile"]
        return codes.inline(str(source))
    if isinstance(raw, dict) and raw.get("S3Bucket") == PLACEHOLDER_BUCKET:
        source, path = stack.code[str(raw.get("S3Key"))]
        return _function_code(stack, logical_id, "CodeUri", path)
    path = stack.resolver.resolve(raw, stack.name(logical_id), prop)
    if find_unknown(path) is not None:
        raise stack.fail(logical_id, prop, f"cannot be known offline: {find_unknown(path)}")
    if not isinstance(path, str):
        raise stack.fail(logical_id, prop, "must be a local folder, a .zip, or inline code")
    return _function_code(stack, logical_id, prop, path)


def _function_code(stack: Stack, logical_id: str, prop: str, path: str) -> codes.Code:
    """A function's local CodeUri. One that is not there is left to the build, which
    fails on it in one line (`workbench build`), and `serve` runs the other functions."""
    folder = (stack.root / path).resolve()
    if not folder.exists() and not folder.is_symlink():
        return codes.Code(folder)
    return _local(stack, logical_id, prop, path, asset=False)


def _local(stack: Stack, logical_id: str, prop: str, path: str, asset: bool) -> codes.Code:
    folder = (stack.root / path).resolve()
    if asset and not folder.exists():
        raise stack.fail(logical_id, prop, f"the CDK asset '{path}' does not exist beside the "
                         "template (run `cdk synth` again?)")
    code = codes.local(folder, str(stack.path), stack.name(logical_id), prop, path)
    return replace(code, asset=asset)


def _layer(stack: Stack, function: str, item: Any,
           layers: dict[str, LayerSpec]) -> LayerSpec | None:
    ref = item.get("Ref") if isinstance(item, dict) else None
    if not (isinstance(ref, str) and stack.resources.get(ref, {}).get("Type") == LAYER):
        arn = stack.resolver.resolve(item, stack.name(function), "Layers")
        what = f"({arn})" if isinstance(arn, Unknown) else shown(arn)
        architectures = stack.known(function, "Architectures", ["x86_64"])
        published = published_layers.stand_in(
            arn, str(stack.value(function, "Runtime")),
            architectures[0] if isinstance(architectures, list) and architectures else "x86_64")
        if published is None:
            stack.note(f"not emulated: layer {what} on {stack.name(function)} (only the "
                       "template's own layers and Powertools' are loaded)")
            return None
        assert published.published is not None
        stack.note(f"stood in for: layer {published.published.source} on "
                   f"{stack.name(function)}, by {published.published.requirement} from PyPI")
        return layers.setdefault(published.logical_id, published)
    props = stack.props(ref)
    content = props.get("Content")
    asset = stack.asset(ref, "Content")
    if asset is not None:
        code, source = _local(stack, ref, "Metadata.aws:asset:path", asset, asset=True), ref
    elif isinstance(content, dict) and content.get("S3Bucket") == PLACEHOLDER_BUCKET:
        source, path = stack.code[str(content.get("S3Key"))]
        code = _local(stack, ref, "ContentUri", path, asset=False)
    elif isinstance(stack.value(ref, "Content"), str):
        code, source = _local(stack, ref, "Content", stack.value(ref, "Content"), asset=False), ref
    else:
        stack.note(f"not emulated: layer {stack.name(ref)} (its content is not local)")
        return None
    logical = stack.name(source)
    if logical not in layers:
        metadata = stack.resources[ref].get("Metadata") or {}
        layers[logical] = LayerSpec(
            logical_id=logical, content_uri=code.folder,
            build_method=str(metadata["BuildMethod"]) if metadata.get("BuildMethod") else None,
            compatible_runtimes=tuple(stack.known(ref, "CompatibleRuntimes", []) or []),
            compatible_architectures=tuple(stack.known(ref, "CompatibleArchitectures", [])
                                           or []))
    return layers[logical]


def environment(stack: Stack, logical_id: str, function_name: Any) -> dict[str, str]:
    """The function's variables; SAM CLI's --env-vars supply values for declared names.
    One that cannot be known offline is set to "" and reported: SAM CLI sets it so too,
    and on AWS it has a value, so `os.environ["X"]` must not fail here."""
    name = stack.name(logical_id)
    variables = _declared_variables(stack, logical_id)
    given = dict(stack.values.env_vars.get("Parameters", {}))
    path = cdk_path(stack.resources[logical_id])
    construct_id = cdk_names(path)[-1] if path else None  # SAM CLI takes it too
    for key in (construct_id, logical_id, name, function_name):
        if isinstance(key, str):
            given.update(stack.values.env_vars.get(key, {}))
    out: dict[str, str] = {}
    for key, value in variables.items():
        if key in given:
            out[key] = given[key]
        elif (unknown := find_unknown(value)) is not None:
            flags = f"{unknown.flag} or --env-vars" if unknown.flag else "--env-vars"
            out[key] = ""
            stack.note(f"not known offline: Environment.Variables.{key} on {name}, set to "
                       f"'': {unknown.why}; give it with {flags}")
        else:
            out[key] = _env_text(stack, logical_id, key, value)
    for key in sorted(set(given) - set(variables)):
        if key in stack.values.env_vars.get(logical_id, stack.values.env_vars.get(name, {})):
            stack.note(f"ignored: --env-vars {key} for {name} (the template does not declare "
                       "it; SAM CLI ignores it too)")
    return out


def _env_text(stack: Stack, logical_id: str, key: str, value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, int, float)):
        return str(value)
    raise stack.fail(logical_id, f"Environment.Variables.{key}", "must be a string")


def _provisioned(stack: Stack, logical_id: str, name: str, function_name: Any) -> int:
    """ProvisionedConcurrencyConfig lives on the function's Alias or Version (SAM puts it
    on the Alias it makes for AutoPublishAlias)."""
    total = 0
    for alias, _ in stack.of_type("AWS::Lambda::Alias", "AWS::Lambda::Version"):
        if _targets(stack, alias, "FunctionName", name, function_name):
            config = stack.known(alias, "ProvisionedConcurrencyConfig", {}) or {}
            total = max(total, _number(stack, alias, "ProvisionedConcurrencyConfig",
                                       config.get("ProvisionedConcurrentExecutions", 0), 0,
                                       10000))
    return total


def _aliases(stack: Stack, name: str, function_name: Any) -> tuple[str, ...]:
    names = (stack.value(alias, "Name") for alias, _ in stack.of_type("AWS::Lambda::Alias")
             if _targets(stack, alias, "FunctionName", name, function_name))
    return tuple(sorted(n for n in names if isinstance(n, str)))


def _targets(stack: Stack, logical_id: str, prop: str, name: str, function_name: Any) -> bool:
    target = function_name_in(stack.value(logical_id, prop))
    return target is not None and target in (name, function_name)


def _url(stack: Stack, logical_id: str, name: str, function_name: Any) -> FunctionUrl | None:
    for url_id, _ in stack.of_type("AWS::Lambda::Url"):
        if _targets(stack, url_id, "TargetFunctionArn", name, function_name):
            auth = stack.known(url_id, "AuthType", "NONE")
            mode = stack.known(url_id, "InvokeMode", "BUFFERED")
            if auth not in ("NONE", "AWS_IAM") or mode not in ("BUFFERED", "RESPONSE_STREAM"):
                raise stack.fail(url_id, "AuthType", "must be NONE or AWS_IAM, and InvokeMode "
                                 "BUFFERED or RESPONSE_STREAM")
            cors = stack.known(url_id, "Cors")
            return FunctionUrl(auth, cors_of(cors) if isinstance(cors, dict) else None, mode)
    return None


def _int(stack: Stack, logical_id: str, prop: str, default: int, low: int, high: int) -> int:
    return _number(stack, logical_id, prop, stack.known(logical_id, prop, default), low, high)


def _number(stack: Stack, logical_id: str, prop: str, raw: Any, low: int, high: int) -> int:
    if isinstance(raw, bool) or not isinstance(raw, (int, str)) or not str(raw).isdigit():
        raise stack.fail(logical_id, prop, f"must be an integer, got {shown(raw)}")
    number = int(raw)
    if not low <= number <= high:
        raise stack.fail(logical_id, prop, f"must be between {low} and {high}, got {number}")
    return number
