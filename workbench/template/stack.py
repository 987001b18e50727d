"""One CloudFormation stack as the readers see it: its live resources, values and notes.

`Stack` holds the (translated) template, answers Ref and Fn::GetAtt of its resources
the way CloudFormation names deployed things (a function's Ref is its name, its Arn an
ARN; a resource with a name property is called that, else its logical id stands in for
the name AWS would generate), and collects the banner lines of what is not honoured.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workbench.errors import TemplateError
from workbench.template.intrinsics import Resolver, Unknown
from workbench.template.values import TemplateValues

# The property holding the name a resource is given (Ref returns it where noted below).
_NAME_PROPERTY = {
    "AWS::Lambda::Function": "FunctionName", "AWS::DynamoDB::Table": "TableName",
    "AWS::S3::Bucket": "BucketName", "AWS::SQS::Queue": "QueueName",
    "AWS::SNS::Topic": "TopicName", "AWS::IAM::Role": "RoleName",
    "AWS::Kinesis::Stream": "Name", "AWS::Events::EventBus": "Name",
    "AWS::Logs::LogGroup": "LogGroupName", "AWS::StepFunctions::StateMachine":
    "StateMachineName", "AWS::SecretsManager::Secret": "Name", "AWS::SSM::Parameter": "Name",
    "AWS::Lambda::LayerVersion": "LayerName", "AWS::ApiGateway::Model": "Name",
}
# ARN formats, from each service's "Resource types" table in the Service Authorization
# Reference; {n} is the name, {r} the region, {a} the account.
_ARN = {
    "AWS::Lambda::Function": "arn:aws:lambda:{r}:{a}:function:{n}",
    "AWS::DynamoDB::Table": "arn:aws:dynamodb:{r}:{a}:table/{n}",
    "AWS::S3::Bucket": "arn:aws:s3:::{n}",
    "AWS::SQS::Queue": "arn:aws:sqs:{r}:{a}:{n}",
    "AWS::SNS::Topic": "arn:aws:sns:{r}:{a}:{n}",
    "AWS::IAM::Role": "arn:aws:iam::{a}:role/{n}",
    "AWS::Kinesis::Stream": "arn:aws:kinesis:{r}:{a}:stream/{n}",
    "AWS::Events::EventBus": "arn:aws:events:{r}:{a}:event-bus/{n}",
    "AWS::Logs::LogGroup": "arn:aws:logs:{r}:{a}:log-group:{n}:*",
    "AWS::StepFunctions::StateMachine": "arn:aws:states:{r}:{a}:stateMachine:{n}",
    "AWS::SecretsManager::Secret": "arn:aws:secretsmanager:{r}:{a}:secret:{n}",
    "AWS::Lambda::LayerVersion": "arn:aws:lambda:{r}:{a}:layer:{n}:1",
    "AWS::Cognito::UserPool": "arn:aws:cognito-idp:{r}:{a}:userpool/{n}",
}
# Types whose Ref is the ARN rather than the name.
_REF_IS_ARN = {"AWS::SNS::Topic", "AWS::StepFunctions::StateMachine",
               "AWS::SecretsManager::Secret", "AWS::Lambda::LayerVersion"}
# `/functions/${Name.Arn}` in an Fn::Sub text (an alias may follow the Arn).
_SUB_FUNCTION = re.compile(r"/functions/\$\{([A-Za-z0-9]+)\.Arn\}(?::([A-Za-z0-9_-]+)/)?")
# An alias name or a version number (Lambda API reference, Alias.Name: `(?!^[0-9]+$)
# ([a-zA-Z0-9-_]+)`; Version: `[0-9]+`), or $LATEST.
_QUALIFIER = re.compile(r"[A-Za-z0-9_-]+|\$LATEST")
_INVOCATIONS = re.compile(r"/(?:response-streaming-)?invocations$")
Output = Callable[[str, str], Any]  # (nested stack logical id, output name) -> value


@dataclass
class Stack:
    path: Path
    document: dict[str, Any]
    values: TemplateValues
    region: str
    account_id: str
    prefix: str = ""  # "Child/" for a nested stack's resources
    code: dict[str, tuple[str, str]] = field(default_factory=dict)  # SAM placeholders
    notes: list[str] = field(default_factory=list)
    sources: list[Path] = field(default_factory=list)
    resolver: Resolver = field(init=False)
    resources: dict[str, dict[str, Any]] = field(init=False)
    output: Output | None = None
    _function_names: dict[Any, list[str]] | None = field(default=None, init=False)

    @property
    def root(self) -> Path:
        return self.path.parent

    def fail(self, resource: str | None, prop: str | None, message: str) -> TemplateError:
        return TemplateError(str(self.path), self.prefix + resource if resource else None,
                             prop, message)

    def name(self, logical_id: str) -> str:
        return self.prefix + logical_id

    def of_type(self, *types: str) -> Iterator[tuple[str, dict[str, Any]]]:
        for logical_id, resource in self.resources.items():
            if resource.get("Type") in types:
                yield logical_id, resource

    def props(self, logical_id: str) -> dict[str, Any]:
        props = self.resources[logical_id].get("Properties") or {}
        return props if isinstance(props, dict) else {}

    def value(self, logical_id: str, prop: str, default: Any = None) -> Any:
        """A property, resolved; what cannot be known offline stays `Unknown`."""
        raw = self.props(logical_id).get(prop, default)
        return self.resolver.resolve(raw, self.name(logical_id), prop)

    def known(self, logical_id: str, prop: str, default: Any = None) -> Any:
        """A property that must be known to run: an `Unknown` in it is an error."""
        value = self.value(logical_id, prop, default)
        unknown = find_unknown(value)
        if unknown is not None:
            raise self.fail(logical_id, prop, f"cannot be known offline: {unknown}")
        return value

    def asset(self, logical_id: str, prop: str) -> str | None:
        return asset_of(self.resources[logical_id], prop)

    def note(self, line: str) -> None:
        if line not in self.notes:
            self.notes.append(line)

    # -- Ref and Fn::GetAtt of resources ---------------------------------------------

    def attribute(self, logical_id: str, attr: str | None) -> Any:
        resource = self.document["Resources"][logical_id]
        kind = str(resource.get("Type"))
        if attr is None:
            return self._ref(logical_id, kind)
        if kind == "AWS::CloudFormation::Stack" and attr.startswith("Outputs.") and self.output:
            return self.output(logical_id, attr.removeprefix("Outputs."))
        if attr == "Arn" and kind in _ARN:
            return self._arn(logical_id, kind)
        if kind == "AWS::ApiGateway::RestApi" and attr == "RootResourceId":
            return f"{self.name(logical_id)}/"
        if kind == "AWS::ApiGatewayV2::Api" and attr in ("ApiEndpoint", "ApiId"):
            return (self.name(logical_id) if attr == "ApiId" else
                    f"https://{self.name(logical_id)}.execute-api.{self.region}.amazonaws.com")
        if kind == "AWS::SQS::Queue" and attr in ("QueueName", "QueueUrl"):
            return self._name(logical_id, kind) if attr == "QueueName" else self._ref(
                logical_id, kind)
        if attr in ("Name", "TopicName", "StateMachineName") and kind in _NAME_PROPERTY:
            return self._name(logical_id, kind)
        return Unknown(f"Fn::GetAtt {self.name(logical_id)}.{attr} (AWS makes it up at "
                       "deploy time)")

    def _name(self, logical_id: str, kind: str) -> Any:
        prop = _NAME_PROPERTY.get(kind)
        named = self.props(logical_id).get(prop) if prop else None
        if named is None:
            return self.name(logical_id)
        value = self.resolver.resolve(named, self.name(logical_id), prop)
        if kind == "AWS::Lambda::Function" and len(self.shared_names().get(value, ())) > 1:
            return self.name(logical_id)  # a name given twice: each is known by its id
        return value

    def shared_names(self) -> dict[Any, list[str]]:
        """FunctionName -> the functions given it (Lambda would refuse a second one)."""
        if self._function_names is None:
            self._function_names = {}
            names: dict[Any, list[str]] = {}
            for logical_id, _ in self.of_type("AWS::Lambda::Function"):
                raw = self.props(logical_id).get("FunctionName")
                if raw is not None:
                    value = self.resolver.resolve(raw, self.name(logical_id), "FunctionName")
                    if isinstance(value, str):
                        names.setdefault(value, []).append(self.name(logical_id))
            self._function_names = names
        return self._function_names

    def _ref(self, logical_id: str, kind: str) -> Any:
        if kind in _REF_IS_ARN:
            return self._arn(logical_id, kind)
        if kind == "AWS::SQS::Queue":
            name = self._name(logical_id, kind)
            return name if isinstance(name, Unknown) else (
                f"https://sqs.{self.region}.amazonaws.com/{self.account_id}/{name}")
        if kind in ("AWS::Lambda::Alias", "AWS::Lambda::Version"):
            target = self.value(logical_id, "FunctionName")
            if isinstance(target, Unknown) or not isinstance(target, str):
                return target
            arn = target if target.startswith("arn:") else _ARN["AWS::Lambda::Function"].format(
                r=self.region, a=self.account_id, n=target)
            suffix = self.value(logical_id, "Name") if kind == "AWS::Lambda::Alias" else "1"
            return f"{arn}:{suffix}"
        return self._name(logical_id, kind)

    def _arn(self, logical_id: str, kind: str) -> Any:
        name = self._name(logical_id, kind)
        if isinstance(name, Unknown) or (isinstance(name, str) and name.startswith("arn:")):
            return name
        return _ARN[kind].format(r=self.region, a=self.account_id, n=name)


def cdk_path(resource: dict[str, Any]) -> str | None:
    """The construct path `cdk synth` records (`Metadata: aws:cdk:path`), such as
    `Stack/MyFunction/Resource`."""
    metadata = resource.get("Metadata")
    path = metadata.get("aws:cdk:path") if isinstance(metadata, dict) else None
    return path if isinstance(path, str) and path else None


def asset_of(resource: dict[str, Any], prop: str) -> str | None:
    """A CDK asset standing in for `prop`: `Metadata: {aws:asset:path,
    aws:asset:property}`, the path relative to cdk.out (the template's folder)."""
    metadata = resource.get("Metadata")
    if not isinstance(metadata, dict) or metadata.get("aws:asset:property", prop) != prop:
        return None
    path = metadata.get("aws:asset:path")
    return path if isinstance(path, str) else None


def find_unknown(value: Any) -> Unknown | None:
    if isinstance(value, Unknown):
        return value
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, list):
        for item in value:
            found = find_unknown(item)
            if found is not None:
                return found
    return None


def function_name_in(uri: Any) -> str | None:
    """The function an integration URI or ARN names: `arn:aws:apigateway:...:lambda:path/
    2015-03-31/functions/<function ARN>/invocations` (or `2021-11-15/.../response-streaming-
    invocations`, API Gateway's streaming integration: developer guide,
    response-transfer-mode-lambda.html), a function ARN, or a plain name.
    An unevaluated `Fn::Sub` (an OpenAPI file no transform reads) names `${Function.Arn}`,
    as SAM CLI reads it."""
    target = route_target_in(uri)
    return None if target is None else target.split(":", 1)[0]


def route_target_in(uri: Any) -> str | None:
    """The function an integration URI names, with the alias or version it names after a
    colon (`Fn:live`, the function ARN `...:function:Fn:live` that SAM's AutoPublishAlias
    integrates): Lambda runs that qualifier, and the invoked ARN ends with it. A qualifier
    from a stage variable (`${stageVariables.alias}`) cannot be known offline: dropped."""
    if isinstance(uri, dict) and set(uri) == {"Fn::Sub"}:
        text = uri["Fn::Sub"][0] if isinstance(uri["Fn::Sub"], list) else uri["Fn::Sub"]
        found = _SUB_FUNCTION.search(str(text))
        return ":".join(filter(None, found.groups())) if found else None
    if not isinstance(uri, str):
        return None
    if "/functions/" in uri:
        uri = _INVOCATIONS.sub("", uri.split("/functions/", 1)[1])
    if ":function:" in uri:
        name, _, qualifier = uri.split(":function:", 1)[1].partition(":")
        return f"{name}:{qualifier}" if _QUALIFIER.fullmatch(qualifier) else name
    return uri if uri and ":" not in uri else None
