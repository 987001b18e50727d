"""The flow of loading a template, one stack at a time:

read the file (YAML/JSON, AWS::Include) -> parameters (overrides, checks) -> Fn::ForEach
-> the SAM transform when the template asks for it -> live resources (Conditions) ->
nested stacks -> functions and layers -> APIs and routes -> what is not honoured.
SAM, CDK output and hand-written CloudFormation meet at the transform's output, so the
readers after it see only CloudFormation and OpenAPI.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from workbench.config import DEFAULT_ACCOUNT_ID, DEFAULT_REGION, Settings
from workbench.errors import TemplateError
from workbench.template import apis, documents, functions, language, nested, sam
from workbench.template.intrinsics import Resolver
from workbench.template.report import resource_lines, unsupported_resources
from workbench.template.specs import Api, FunctionSpec, LayerSpec, Route, Template
from workbench.template.stack import Stack, find_unknown
from workbench.template.values import TemplateValues, gather, parameter_values

LANGUAGE_EXTENSIONS = "AWS::LanguageExtensions"
# The samconfig sections the dev server reads: it is `sam local start-api` and
# `start-lambda` at once.
SERVE_COMMANDS = ("local_start_lambda", "local_start_api")


@dataclass
class _Loaded:
    functions: dict[str, FunctionSpec] = field(default_factory=dict)
    layers: dict[str, LayerSpec] = field(default_factory=dict)
    apis: dict[str, Api] = field(default_factory=dict)
    routes: list[Route] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    sources: list[Path] = field(default_factory=list)
    # resource type not emulated -> its resources, of every stack
    not_emulated: dict[str, list[str]] = field(default_factory=dict)


def load(path: Path | str, *, region: str = DEFAULT_REGION,
         values: TemplateValues | None = None,
         account_id: str = DEFAULT_ACCOUNT_ID) -> Template:
    path = Path(path)
    values = values or TemplateValues()
    loaded = _Loaded()
    _stack(loaded, path.resolve(), values.parameter_overrides, "", (path.resolve(),), values,
           region, account_id, shown_path=path)
    if not loaded.functions and not loaded.skipped:
        # A function the SAM transform refused is the likeliest reason: say its reason.
        refused = [note.removeprefix("not emulated: ") for note in loaded.notes
                   if "(the SAM transform refuses it" in note]
        raise TemplateError(str(path), None, "Resources", "no function to run "
                            "(AWS::Serverless::Function or AWS::Lambda::Function)"
                            + (f": {refused[0]}" if refused else ""))
    routes, shadowed = apis.shadowing(loaded.routes)
    notes = list(dict.fromkeys([*loaded.notes, *shadowed,
                                *apis.tenancy_notes(routes, loaded.functions),
                                *resource_lines(loaded.not_emulated)]))
    sources = tuple(dict.fromkeys([*loaded.sources, *values.sources]))
    template = Template(path, loaded.functions, loaded.apis, tuple(routes), loaded.layers,
                        tuple(notes), loaded.skipped, sources)
    return replace(template, unsupported=(*notes, *apis.authorizer_notes(template)))


def load_settings(settings: Settings, commands: tuple[str, ...] = ("local_start_api",)
                  ) -> Template:
    """The template with the values the settings name (flags, samconfig sections of
    `commands`, as `sam local <command>` reads them)."""
    values = gather(settings.template, commands=commands,
                    overrides=settings.parameter_overrides, env_vars=settings.env_vars,
                    config_env=settings.config_env, config_file=settings.config_file)
    return load(settings.template, region=settings.region, values=values,
                account_id=settings.account_id)


def _stack(loaded: _Loaded, path: Path, given: dict[str, Any], prefix: str,
           chain: tuple[Path, ...], values: TemplateValues, region: str, account_id: str,
           shown_path: Path | None = None) -> Stack:
    where = str(shown_path or path)

    def fail(resource: str | None, prop: str | None, message: str) -> TemplateError:
        return TemplateError(where, resource, prop, message)

    sources = [path]
    document = documents.read(Path(where))
    if not isinstance(document, dict) or not isinstance(document.get("Resources"), dict):
        raise fail(None, "Resources", "the template has no Resources map")
    document = documents.expand_includes(document, path.parent, fail, (path,), sources)
    parameters = parameter_values(Path(where), document.get("Parameters") or {}, given)
    pseudo = _pseudo(region, account_id, prefix)
    before = _resolver(document, parameters, pseudo, fail, region, values,
                       lambda logical_id, attr: logical_id)
    strict = _strict(before, fail)
    if LANGUAGE_EXTENSIONS in sam.transforms(document):
        document = language.simplify_subs(language.expand(
            document, lambda raw, key: strict(raw, None, key), fail))
    notes: list[str] = []
    code: dict[str, tuple[str, str]] = {}
    if sam.is_sam(document):
        translated = sam.translate(document, root=path.parent, parameters=parameters,
                                   region=region, resolve=strict, fail=fail, sources=sources)
        document, code, notes = translated.document, translated.code, translated.notes
        if prefix:  # the transform's notes name the child's own logical ids
            notes = [f"{note} [in {prefix.rstrip('/')}]" for note in notes]
    stack = Stack(Path(where), document, values, region, account_id, prefix, code, notes, sources)
    stack.resolver = _resolver(document, parameters, pseudo, fail, region, values,
                               stack.attribute)
    stack.resources = {
        logical_id: resource for logical_id, resource in document["Resources"].items()
        if isinstance(resource, dict) and resource.get("Type") != "AWS::CDK::Metadata"
        and ("Condition" not in resource or
                                           stack.resolver.condition(resource["Condition"],
                                                                    prefix + logical_id))}
    nested.read(stack, lambda child, params, child_prefix, child_chain: _stack(
        loaded, child, params, child_prefix, child_chain, values, region, account_id),
        chain)
    _read(loaded, stack)
    return stack


def _read(loaded: _Loaded, stack: Stack) -> None:
    found, layers, skipped = functions.read(stack)
    loaded.functions.update(found)
    loaded.layers.update(layers)
    loaded.skipped.update(skipped)
    by_name = {}
    for logical_id, _ in stack.of_type(functions.FUNCTION):
        name = stack.name(logical_id)
        physical = stack.value(logical_id, "FunctionName")
        by_name[name] = name
        if isinstance(physical, str) and len(stack.shared_names().get(physical, ())) == 1:
            by_name[physical] = name
    for physical, names in stack.shared_names().items():
        if len(names) > 1:
            stack.note(f"not emulated: FunctionName {physical} given to {', '.join(names)} "
                       "(Lambda names are unique; each is routed by its logical id)")
    for draft in apis.read(stack):
        api, routes = apis.finish(draft, by_name, loaded.skipped, stack)
        loaded.apis[api.logical_id] = api
        loaded.routes.extend(routes)
    unsupported_resources(stack, loaded.not_emulated)
    loaded.notes.extend(stack.notes)
    loaded.sources.extend(stack.sources)


def _pseudo(region: str, account_id: str, prefix: str) -> dict[str, Any]:
    # The pseudo parameters (CloudFormation User Guide, "Pseudo parameters reference").
    name = "workbench" + ("-" + prefix.strip("/").replace("/", "-") if prefix else "")
    return {"AWS::Region": region, "AWS::AccountId": account_id, "AWS::Partition": "aws",
            "AWS::StackName": name, "AWS::URLSuffix": "amazonaws.com",
            "AWS::StackId": f"arn:aws:cloudformation:{region}:{account_id}:stack/{name}/local",
            "AWS::NotificationARNs": []}


def _resolver(document: dict[str, Any], parameters: dict[str, Any], pseudo: dict[str, Any],
              fail: Any, region: str, values: TemplateValues, attribute: Any) -> Resolver:
    return Resolver(fail=fail, parameters=parameters, pseudo=pseudo,
                    conditions=document.get("Conditions") or {},
                    mappings=document.get("Mappings") or {},
                    resource_ids=set(document.get("Resources") or {}), attribute=attribute,
                    region=region, overrides=values.parameter_overrides)


def _strict(resolver: Resolver, fail: Any) -> Any:
    def resolve(raw: Any, resource: str | None, prop: str) -> Any:
        value = resolver.resolve(raw, resource, prop)
        unknown = find_unknown(value)
        if unknown is not None:
            raise fail(resource, prop, f"cannot be known offline: {unknown}")
        return value
    return resolve
