"""JWT authorizers (HTTP APIs) and Cognito user pool authorizers (REST APIs), verified
with PyJWT against a JWKS: the files the user points at (`--jwks`), the workbench's own
test key (`workbench token`), or, for a key found in neither, the issuer's published JWKS
when the machine is online.

HTTP API JWT (developer guide, http-api-jwt-authorizer.html, "Validating JWTs"): the token
(a `Bearer ` prefix allowed) must be signed by an RSA key of the issuer, `iss` must be the
issuer, `aud` or else `client_id` one of the audiences, `exp`, `nbf` and `iat` in order;
a route with scopes needs one of them in `scope`/`scp` (else 403). Claims reach the
function as strings. Cognito (apigateway-integrate-with-cognito.html): `iss` must be one
of the user pools; without scopes an ID token is expected, with scopes an access token
holding one; an expired token is 401 "The incoming token has expired".
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jwt

from workbench.errors import WorkbenchError
from workbench.gateway import errors as gw
from workbench.gateway.auth.identity import Grant
from workbench.gateway.auth.tokens import cognito_issuer
from workbench.template import Authorizer

ALGORITHMS = ["RS256", "RS384", "RS512"]
# HTTP APIs say why a token was refused in WWW-Authenticate (RFC 6750).
_INVALID = 'Bearer scope="" error="invalid_token" error_description="{}"'


class KeyRing:
    """Public keys by key id, from JWKS files read once, and issuers' JWKS when online."""

    def __init__(self, files: tuple[Path, ...], *, online: bool = True) -> None:
        self._keys: dict[str, jwt.PyJWK] = {}
        for path in files:
            for key in _read_jwks(path).keys:
                if key.key_id:
                    self._keys[key.key_id] = key
        self.online = online
        self._clients: dict[str, jwt.PyJWKClient] = {}

    def key_for(self, token: str, issuer: str) -> Any:
        kid = jwt.get_unverified_header(token).get("kid")
        if isinstance(kid, str) and kid in self._keys:
            return self._keys[kid].key
        if not self.online or not issuer.startswith("https://"):
            raise jwt.InvalidKeyError(f"no key {kid!r} in the JWKS")
        client = self._clients.setdefault(issuer, jwt.PyJWKClient(
            f"{issuer.rstrip('/')}/.well-known/jwks.json", timeout=5))
        return client.get_signing_key_from_jwt(token).key


def _read_jwks(path: Path) -> jwt.PyJWKSet:
    try:
        return jwt.PyJWKSet.from_json(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise WorkbenchError(f"{path}: JWKS file not found") from None
    except (OSError, UnicodeDecodeError, ValueError, jwt.PyJWKSetError) as exc:
        raise WorkbenchError(f"{path}: not a JWKS (JSON with a 'keys' list): {exc}") from None


def bearer(value: str) -> str:
    return value[7:].strip() if value[:7].lower() == "bearer " else value.strip()


def verify_jwt(authorizer: Authorizer, token: str, scopes: tuple[str, ...],
               keys: KeyRing) -> Grant:
    issuer = authorizer.issuer or ""
    claims = _decode(token, issuer, keys, http=True)
    audience = claims.get("aud", claims.get("client_id"))
    audiences = audience if isinstance(audience, list) else [audience]
    if authorizer.audiences and not set(map(str, audiences)) & set(authorizer.audiences):
        raise gw.Unauthorized(headers=(("WWW-Authenticate", _INVALID.format(
            "the token does not have a valid audience")),))
    granted = _scopes(claims)
    if scopes and not set(scopes) & set(granted):
        raise gw.AccessDenied(headers=(("WWW-Authenticate", (
            f'Bearer scope="{" ".join(scopes)}" error="insufficient_scope" '
            'error_description="the token does not have the required scope"')),))
    return Grant("jwt", claims={k: _claim_text(v) for k, v in claims.items()},
                 scopes=tuple(granted) or None)


def verify_cognito(authorizer: Authorizer, token: str, scopes: tuple[str, ...],
                   keys: KeyRing) -> Grant:
    if authorizer.refused is not None:
        raise gw.AuthorizerConfiguration()  # the banner says why
    try:
        issuer = jwt.decode(token, options={"verify_signature": False}).get("iss")
    except jwt.PyJWTError:
        raise gw.Unauthorized() from None
    pools = {cognito_issuer(p) for p in authorizer.user_pool_arns}
    if not isinstance(issuer, str) or issuer not in pools:
        raise gw.Unauthorized()
    claims = _decode(token, issuer, keys, http=False)
    use = claims.get("token_use")
    if scopes:
        if use != "access" or not set(scopes) & set(_scopes(claims)):
            raise gw.Unauthorized()
    elif use not in ("id", None):
        raise gw.Unauthorized()
    return Grant("cognito", claims={k: _cognito_text(k, v) for k, v in claims.items()})


def _decode(token: str, issuer: str, keys: KeyRing, *, http: bool) -> dict[str, Any]:
    try:
        key = keys.key_for(token, issuer)
        claims: dict[str, Any] = jwt.decode(
            token, key, algorithms=ALGORITHMS, issuer=issuer,
            options={"verify_aud": False, "require": ["exp", "iss"]})
    except jwt.ExpiredSignatureError:
        if http:
            raise gw.Unauthorized(headers=(("WWW-Authenticate", _INVALID.format(
                "the token has expired")),)) from None
        raise gw.Unauthorized("The incoming token has expired") from None
    except (jwt.PyJWTError, ValueError, KeyError):
        raise gw.Unauthorized(headers=(("WWW-Authenticate", _INVALID.format(
            "the token is not valid")),) if http else ()) from None
    iat = claims.get("iat")
    if isinstance(iat, (int, float)) and iat > time.time() + 60:
        raise gw.Unauthorized()  # issued in the future
    return claims


def _scopes(claims: dict[str, Any]) -> list[str]:
    value = claims.get("scope", claims.get("scp", ""))
    return value.split() if isinstance(value, str) else [str(s) for s in value or []]


def _claim_text(value: Any) -> str:
    # HTTP APIs pass every claim as a string; a list as "[a b]".
    if isinstance(value, list):
        return "[" + " ".join(map(str, value)) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else json.dumps(value)


def _cognito_text(name: str, value: Any) -> str:
    # REST's Cognito claims are strings too; exp and iat read as dates, as Java prints them.
    if name in ("exp", "iat") and isinstance(value, (int, float)):
        return datetime.fromtimestamp(value, UTC).strftime("%a %b %d %H:%M:%S UTC %Y")
    return _claim_text(value)
