"""JWT authorizers (HTTP API) and Cognito user pool authorizers (REST) declared in a SAM
template (apps/access/jwt.yaml), over HTTP against a real dev server, with tokens from
the `workbench_token` fixture, `workbench token`, and a key of the user's own (--jwks).

AWS's rules: developer guide, http-api-jwt-authorizer.html ("Validating JWTs": signature,
iss, aud or client_id, exp, nbf, iat, scope) and apigateway-integrate-with-cognito.html
(ID tokens without scopes, access tokens with them; an expired token's message).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.cli import workbench
from tests.servers import answer, serve
from workbench.pytest_plugin import ServerProcess

pytestmark = pytest.mark.functional
TEMPLATE = Path(__file__).parent / "apps" / "access" / "jwt.yaml"
ISSUER = "https://id.example.com"
POOL_ISSUER = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Pool"
UNAUTHORIZED = (401, {"message": "Unauthorized"})
OWN_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(OWN_KEY.public_key()))
    jwks = tmp_path_factory.mktemp("jwks") / "jwks.json"
    jwks.write_text(json.dumps({"keys": [public | {"kid": "own-key", "use": "sig"}]}))
    yield from serve(tmp_path_factory, TEMPLATE, "--jwks", str(jwks))



def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_a_jwt_grants_and_its_claims_reach_the_function(
        http: httpx.Client, workbench_token: Callable[..., str]) -> None:
    assert answer(http.get("/orders")) == UNAUTHORIZED
    token = workbench_token(issuer=ISSUER, audience="orders-api", scopes=("orders/read",),
                            claims={"tier": 3, "groups": ["a", "b"]})
    event = http.get("/orders", headers=bearer(token)).json()
    jwt_context = event["requestContext"]["authorizer"]["jwt"]
    # HTTP APIs pass every claim as a string (a list as "[a b]").
    assert jwt_context["claims"]["iss"] == ISSUER and jwt_context["claims"]["tier"] == "3"
    assert jwt_context["claims"]["groups"] == "[a b]"
    assert jwt_context["scopes"] == ["orders/read"]
    # Without the Bearer prefix, and with client_id instead of aud (Cognito access tokens).
    assert http.get("/orders", headers={"Authorization": token}).status_code == 200
    access = workbench_token(issuer=ISSUER, client_id="orders-api")
    assert http.get("/orders", headers=bearer(access)).status_code == 200
    assert http.get("/health").status_code == 200  # Authorizer: NONE


def test_a_route_with_scopes_needs_one_of_them(http: httpx.Client,
                                               workbench_token: Callable[..., str]) -> None:
    reader = workbench_token(issuer=ISSUER, audience="orders-api", scopes=("orders/read",))
    refused = http.post("/orders", headers=bearer(reader))
    assert answer(refused) == (403, {"message": "Forbidden"})
    assert 'error="insufficient_scope"' in refused.headers["www-authenticate"]
    writer = workbench_token(issuer=ISSUER, audience="orders-api",
                             scopes=("orders/read", "orders/write"))
    assert http.post("/orders", headers=bearer(writer)).status_code == 200


def tampered(token: str) -> str:
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    forged = base64.urlsafe_b64encode(json.dumps(claims | {"sub": "admin"}).encode())
    return f"{header}.{forged.decode().rstrip('=')}.{signature}"


def unsigned(claims: dict[str, Any]) -> str:
    return jwt.encode(claims, None, algorithm="none")  # type: ignore[arg-type]


@pytest.mark.parametrize("make", [
    lambda mint: "not-a-jwt",
    lambda mint: "a.b.c",
    lambda mint: mint(issuer=ISSUER, audience="orders-api", expires_in_s=-30),
    lambda mint: mint(issuer=ISSUER, audience="orders-api", not_before_s=600),
    lambda mint: mint(issuer="https://other.example.com", audience="orders-api"),
    lambda mint: mint(issuer=ISSUER, audience="another-api"),
    lambda mint: tampered(mint(issuer=ISSUER, audience="orders-api")),
    lambda mint: unsigned({"iss": ISSUER, "aud": "orders-api", "exp": 4102444800}),
], ids=["malformed", "three-junk-parts", "expired", "not-yet-valid", "wrong-issuer",
        "wrong-audience", "bad-signature", "alg-none"])
def test_a_bad_jwt_is_a_401(http: httpx.Client, workbench_token: Callable[..., str],
                            make: Callable[[Callable[..., str]], str]) -> None:
    response = http.get("/orders", headers=bearer(make(workbench_token)))
    assert answer(response) == UNAUTHORIZED
    assert 'error="invalid_token"' in response.headers["www-authenticate"]


def test_a_key_of_the_users_own_jwks(http: httpx.Client) -> None:
    token = jwt.encode({"iss": ISSUER, "aud": "orders-api", "exp": 4102444800, "sub": "u"},
                       OWN_KEY, algorithm="RS256", headers={"kid": "own-key"})
    assert http.get("/orders", headers=bearer(token)).status_code == 200


def test_cognito_id_and_access_tokens(http: httpx.Client,
                                      workbench_token: Callable[..., str]) -> None:
    assert answer(http.get("/profile")) == UNAUTHORIZED
    minted = workbench("token", "--authorizer", "Pool", "--template", str(TEMPLATE),
                       "--claim", "token_use=id", "--claim", "email=dana@example.com")
    assert minted.returncode == 0, minted.stderr
    event = http.get("/profile", headers={"Authorization": minted.stdout.strip()}).json()
    claims = event["requestContext"]["authorizer"]["claims"]
    assert claims["iss"] == POOL_ISSUER and claims["email"] == "dana@example.com"
    assert claims["exp"].endswith(" UTC " + claims["exp"][-4:])  # a date, as REST sends it
    # A route with AuthorizationScopes wants an access token holding one of them.
    id_token = workbench_token(issuer=POOL_ISSUER, claims={"token_use": "id"})
    assert answer(http.get("/admin", headers={"Authorization": id_token})) == UNAUTHORIZED
    access = workbench_token(issuer=POOL_ISSUER, scopes=("admin/read",),
                             claims={"token_use": "access"})
    assert http.get("/admin", headers={"Authorization": access}).status_code == 200


@pytest.mark.parametrize("make, message", [
    (lambda mint: mint(issuer=POOL_ISSUER, expires_in_s=-5, claims={"token_use": "id"}),
     "The incoming token has expired"),
    (lambda mint: mint(issuer="https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Other",
                       claims={"token_use": "id"}), "Unauthorized"),
    (lambda mint: "eyJub3Q.a.jwt", "Unauthorized"),
], ids=["expired", "another-pool", "malformed"])
def test_a_bad_cognito_token_is_a_401(http: httpx.Client, workbench_token: Callable[..., str],
                                      make: Callable[[Callable[..., str]], str],
                                      message: str) -> None:
    response = http.get("/profile", headers={"Authorization": make(workbench_token)})
    assert answer(response) == (401, {"message": message})


@pytest.mark.parametrize("content", [None, "{not json"], ids=["missing", "not-json"])
def test_a_jwks_file_that_is_missing_or_broken_is_refused_at_start(
        tmp_path: Path, content: str | None) -> None:
    jwks = tmp_path / "jwks.json"
    if content is not None:
        jwks.write_text(content)
    done = workbench("serve", "--template", str(TEMPLATE), "--port", "0", "--jwks", str(jwks),
                     timeout=120)
    assert done.returncode == 2
    [line] = done.stderr.strip().splitlines()
    assert str(jwks) in line and ("not found" in line or "not a JWKS" in line)


def test_the_banner_tells_each_issuer_and_how_to_mint(server: ServerProcess) -> None:
    banner = server.output()
    assert (f"Authorizer Pool of Rest (cognito): issuer {POOL_ISSUER}; a test token: "
            "`workbench token --authorizer Pool`") in banner
    assert f"Authorizer Jwt of Http (jwt): issuer {ISSUER};" in banner
