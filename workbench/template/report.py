"""Resources the workbench does not emulate, one banner line per resource type."""

from __future__ import annotations

from workbench.template.stack import Stack

# Read by the loaders, or with nothing to emulate (CDK's own metadata).
READ_TYPES = {
    "AWS::Lambda::Function", "AWS::Lambda::LayerVersion", "AWS::Lambda::Alias",
    "AWS::Lambda::Version", "AWS::Lambda::Url", "AWS::ApiGateway::RestApi",
    "AWS::ApiGateway::Resource", "AWS::ApiGateway::Method", "AWS::ApiGateway::Stage",
    "AWS::ApiGateway::Deployment", "AWS::ApiGateway::Authorizer", "AWS::ApiGateway::ApiKey",
    "AWS::ApiGateway::UsagePlanKey", "AWS::ApiGateway::Model",
    "AWS::ApiGateway::RequestValidator", "AWS::ApiGateway::GatewayResponse",
    "AWS::ApiGatewayV2::Api", "AWS::ApiGatewayV2::Route",
    "AWS::ApiGatewayV2::Integration", "AWS::ApiGatewayV2::Stage",
    "AWS::ApiGatewayV2::Authorizer", "AWS::ApiGatewayV2::Deployment",
    "AWS::CloudFormation::Stack", "AWS::CDK::Metadata",
}
# Why a type is not emulated, where the bare type does not say it.
_WHY = {
    "AWS::Lambda::Permission": "invoke permissions are not checked",
    "AWS::IAM::Role": "IAM is not enforced: handlers use your shell's credentials",
    "AWS::IAM::Policy": "IAM is not enforced",
    "AWS::IAM::ManagedPolicy": "IAM is not enforced",
    "AWS::ApiGateway::UsagePlan": "API keys are checked, throttles and quotas are not",
    "AWS::ApiGateway::Account": "no CloudWatch logging role is needed locally",
    "AWS::Lambda::EventSourceMapping": "only HTTP routes and the Invoke API call functions",
    "AWS::ApiGateway::DomainName": "custom domains and mutual TLS: APIs answer on the dev "
                                   "server's own address",
    "AWS::ApiGatewayV2::DomainName": "custom domains and mutual TLS: APIs answer on the dev "
                                     "server's own address",
    "AWS::WAFv2::WebACLAssociation": "WAF rules are not applied",
    "AWS::WAFRegional::WebACLAssociation": "WAF rules are not applied",
}


def unsupported_resources(stack: Stack, by_type: dict[str, list[str]]) -> None:
    """Add the stack's resources of types not emulated to `by_type` (shared by a root
    stack and its nested ones, so each type gets one line)."""
    for logical_id, resource in stack.resources.items():
        kind = str(resource.get("Type"))
        if kind not in READ_TYPES:
            by_type.setdefault(kind, []).append(stack.name(logical_id))


def resource_lines(by_type: dict[str, list[str]]) -> list[str]:
    return [f"not emulated: {kind} {', '.join(ids)}"
            f"{f' ({_WHY[kind]})' if kind in _WHY else ''}"
            for kind, ids in sorted(by_type.items())]
