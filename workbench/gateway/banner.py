"""What the gateway tells at start: each Function URL, and each thing of the template's
access controls that it checks only in part, so nothing is left out in silence (what the
template holds that is not emulated at all is `console.template_lines`)."""

from __future__ import annotations

from workbench.gateway.auth.tokens import cognito_issuer
from workbench.gateway.function_urls import base_path
from workbench.template import Template


def lines(template: Template, base_url: str) -> list[str]:
    out = [f"  Function URL of {spec.name}: {base_url}{base_path(spec)} "
           f"(AuthType {spec.url.auth_type})"
           for spec in template.functions.values() if spec.url is not None]
    routes = template.routes
    iam_urls = [s for s in template.functions.values()
                if s.url is not None and s.url.auth_type == "AWS_IAM"]
    if iam_urls or any(r.iam for r in routes):
        out.append("  not emulated: AWS_IAM signature validity (an unsigned request is refused "
                   "with 403; a signed one is not checked against IAM)")
    if any(r.api_key_required for r in routes) and not any(
            api.api_keys for api in template.apis.values()):
        out.append("  ApiKeyRequired: the template gives no ApiKey Value, so only keys from "
                   "--api-keys FILE are accepted (403 Forbidden otherwise)")
    for api in template.apis.values():
        for name, authorizer in api.authorizers.items():
            if authorizer.kind in ("jwt", "cognito") and authorizer.refused is None:
                issuers = [authorizer.issuer] if authorizer.issuer else [
                    cognito_issuer(pool) for pool in authorizer.user_pool_arns]
                out.append(f"  Authorizer {name} of {api.logical_id} ({authorizer.kind}): "
                           f"issuer {', '.join(issuers)}; a test token: `workbench token "
                           f"--authorizer {name}`")
    if any(line.startswith("  Authorizer ") for line in out):
        out.append("  JWT/Cognito keys: --jwks FILE, the workbench's own, or the issuer's JWKS "
                   "when online")
    out += [f"  not emulated: VTL directives in the {kind} gateway response of {api.logical_id} "
            "(only its $context and $stageVariables references are filled in)"
            for api in template.apis.values() for kind, response in api.gateway_responses.items()
            if any("#" in body for body in response.templates.values())]
    return out
