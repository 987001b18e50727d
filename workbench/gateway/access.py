"""What API Gateway checks between the route and the integration, in its order: an
AWS_IAM signature, the route's authorizer, the API key, then request validation. Each
refusal is the gateway error AWS answers with; a grant fills `requestContext.authorizer`
(and `identity`) of the event the function receives.
"""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from workbench.errors import WorkbenchError
from workbench.gateway import errors as gw
from workbench.gateway.auth.identity import Grant, authorizer_context, identity_values
from workbench.gateway.auth.jwt_auth import KeyRing, bearer, verify_cognito, verify_jwt
from workbench.gateway.auth.lambda_authorizer import Invoker, LambdaAuthorizers
from workbench.gateway.auth.policy import method_arn
from workbench.gateway.auth.sigv4 import iam_authorizer, rest_identity, signer
from workbench.gateway.auth.tokens import local_jwks_path
from workbench.gateway.events import api_id, short_id
from workbench.gateway.http import HttpRequest
from workbench.gateway.routing import RouteMatch
from workbench.gateway.validation import validate
from workbench.runtime.types import InvocationResult
from workbench.template import Authorizer, Template


class Access:
    def __init__(self, template: Template, invoker: Invoker, *, region: str, account_id: str,
                 jwks: Path | None = None, api_keys: Path | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.region, self.account_id = region, account_id
        self.lambdas = LambdaAuthorizers(invoker, clock)
        self._keys: KeyRing | None = None
        self._jwks = jwks
        # Keys the user names are valid on every API; the template's only on the APIs
        # their usage plans (or StageKeys) tie them to.
        self.api_keys = read_api_keys(api_keys) if api_keys is not None else set()
        if jwks is not None:
            self.keys()  # a missing or broken JWKS file is refused at start

    def keys(self) -> KeyRing:
        if self._keys is None:
            files = (local_jwks_path(), *((self._jwks,) if self._jwks else ()))
            self._keys = KeyRing(files)
        return self._keys

    async def check(self, request: HttpRequest, match: RouteMatch, event: dict[str, Any],
                    ran: list[InvocationResult]) -> None:
        """Raise the gateway error AWS answers with, or fill `event`. Every authorizer
        invocation is appended to `ran`, refused or not."""
        route, context = match.route, event["requestContext"]
        if route.iam:
            _check_signature(request, context, self.account_id)
        grant = None
        if route.authorizer is not None:
            authorizer = match.api.authorizers.get(route.authorizer)
            if authorizer is None:
                raise gw.AuthorizerConfiguration()
            grant = await self._authorize(authorizer, request, match, event, ran)
            context["authorizer"] = authorizer_context(grant, event)
        if route.api_key_required:
            self._check_api_key(request, match, grant, context)
        if route.validation is not None and route.kind == "rest":
            validate(request, match, route.validation)

    async def _authorize(self, authorizer: Authorizer, request: HttpRequest, match: RouteMatch,
                         event: dict[str, Any], ran: list[InvocationResult]) -> Grant:
        if authorizer.kind in ("token", "request"):
            arn = method_arn(self.region, self.account_id, api_id(match.api), match.api.stage,
                             request.method.upper(), unquote(request.raw_path))
            return await self.lambdas.authorize(authorizer, request, match, event, arn, ran)
        default = ("$request.header.Authorization" if authorizer.kind == "jwt"
                   else "method.request.header.Authorization")
        found = identity_values(authorizer.identity_sources[:1] or (default,), request, match,
                                event["requestContext"])
        if found is None:
            raise gw.Unauthorized()
        token = bearer(found[0])
        if authorizer.kind == "jwt":
            verify = functools.partial(verify_jwt, authorizer, token, match.route.scopes,
                                       self.keys())
        else:
            verify = functools.partial(verify_cognito, authorizer, token, match.route.scopes,
                                       self.keys())
        # A key not in the JWKS files is fetched from the issuer: never on the event loop.
        return await asyncio.to_thread(verify)

    def _check_api_key(self, request: HttpRequest, match: RouteMatch, grant: Grant | None,
                       context: dict[str, Any]) -> None:
        # ApiKeyRequired: a key of the API's usage plans, from the x-api-key header or
        # (ApiKeySourceType AUTHORIZER) the authorizer's usageIdentifierKey; else 403.
        key = (grant.usage_key if grant else None) if match.api.api_key_source == "AUTHORIZER" \
            else request.header("x-api-key")
        if not key or (key not in self.api_keys and key not in match.api.api_keys):
            raise gw.InvalidApiKey()
        identity = context.get("identity")
        if isinstance(identity, dict):
            identity["apiKey"] = key
            identity["apiKeyId"] = api_id_of_key(key)


def api_id_of_key(key: str) -> str:
    return short_id(f"apikey/{key}", 10)


def read_api_keys(path: Path) -> set[str]:
    """API key values, one a line (blank lines and `#` comments skipped)."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise WorkbenchError(f"{path}: API keys file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise WorkbenchError(f"{path}: cannot read API keys: {exc}") from None
    return {line.strip() for line in lines if line.strip() and not line.startswith("#")}


def _check_signature(request: HttpRequest, context: dict[str, Any], account_id: str) -> None:
    access_key = signer(request)
    if access_key is None:
        raise gw.MissingSignature()
    if isinstance(context.get("identity"), dict):  # REST (payload 1.0): who signed
        context["identity"].update(rest_identity(access_key, account_id))
    else:
        context["authorizer"] = iam_authorizer(access_key, account_id)
