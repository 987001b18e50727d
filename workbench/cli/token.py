"""`workbench token`: mint a test JWT offline, signed with the workbench's local key.

The dev server's JWT (HTTP API) and Cognito (REST) authorizers trust that key, so a token
minted for the authorizer's issuer and audience passes them as a real one would:

    workbench token --authorizer MyJwtAuth --scope qa/ask
    TOKEN=$(workbench token --issuer https://id.example --audience api)
    curl -H "Authorization: Bearer $TOKEN" ...
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from workbench import config
from workbench.errors import WorkbenchError


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("token", help="mint a test JWT for JWT/Cognito authorizers")
    parser.add_argument("--authorizer", metavar="NAME",
                        help="take issuer and audience from this authorizer of the template")
    parser.add_argument("--template", type=Path, help="SAM template (default template.yaml)")
    parser.add_argument("--issuer", help="iss claim")
    parser.add_argument("--audience", help="aud claim (an ID token's app client id)")
    parser.add_argument("--client-id", dest="client_id",
                        help="client_id claim (a Cognito access token, which has no aud)")
    parser.add_argument("--scope", action="append", default=[], dest="scopes",
                        help="a scope (repeatable)")
    parser.add_argument("--sub", default="test-user", help="sub claim (default test-user)")
    parser.add_argument("--expires-in", type=float, default=3600, dest="expires_in",
                        metavar="S", help="seconds until exp; negative: already expired")
    parser.add_argument("--claim", action="append", default=[], metavar="NAME=VALUE",
                        help="another claim; VALUE is JSON when it parses, else text")
    parser.add_argument("--jwks", action="store_true",
                        help="print the path of the JWKS that verifies these tokens instead")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from workbench.gateway.auth.tokens import local_jwks_path, mint

    if args.jwks:
        print(local_jwks_path())
        return 0
    issuer, audience, client_id = args.issuer, args.audience, args.client_id
    extra: dict[str, Any] = {}
    if args.authorizer:
        issuer, audience, client_id, extra = _from_template(args, issuer, audience, client_id)
    if not issuer:
        raise WorkbenchError("token: give --issuer, or --authorizer NAME of the template")
    claims = {**extra, **dict(_claim(c) for c in args.claim)}
    print(mint(issuer=issuer, audience=audience, client_id=client_id,
               scopes=tuple(args.scopes), subject=args.sub, expires_in_s=args.expires_in,
               claims=claims))
    return 0


def _from_template(args: argparse.Namespace, issuer: str | None, audience: str | None,
                   client_id: str | None) -> tuple[str | None, str | None, str | None,
                                                   dict[str, Any]]:
    from workbench import template as templates
    from workbench.gateway.auth.tokens import cognito_issuer

    settings = config.settings(template=args.template)
    loaded = templates.load(settings.template, region=settings.region)
    found = [a for api in loaded.apis.values() for name, a in api.authorizers.items()
             if name == args.authorizer]
    if not found or found[0].kind not in ("jwt", "cognito"):
        raise WorkbenchError(f"token: no JWT or Cognito authorizer {args.authorizer!r} "
                             f"in {settings.template}")
    authorizer = found[0]
    if authorizer.kind == "jwt":
        return (issuer or authorizer.issuer, audience or next(iter(authorizer.audiences), None),
                client_id, {})
    if authorizer.refused is not None:
        raise WorkbenchError(f"token: authorizer {args.authorizer!r} cannot be used: "
                             f"{authorizer.refused}")
    pool_issuer = issuer or cognito_issuer(authorizer.user_pool_arns[0])
    # A Cognito ID token without scopes; an access token when scopes are asked for.
    use = "access" if args.scopes else "id"
    return pool_issuer, audience if use == "id" else None, client_id, {"token_use": use}


def _claim(text: str) -> tuple[str, Any]:
    name, sep, value = text.partition("=")
    if not sep or not name:
        raise WorkbenchError(f"token: --claim wants NAME=VALUE, not {text!r}")
    try:
        return name, json.loads(value)
    except ValueError:
        return name, value
