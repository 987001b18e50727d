"""JWT and Cognito authorizers with tokens minted by the local key, CORS answers, request
validation and API keys: each module alone, on specs built here."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from workbench.errors import WorkbenchError
from workbench.gateway import cors
from workbench.gateway import errors as gw
from workbench.gateway.access import Access
from workbench.gateway.auth.jwt_auth import KeyRing, verify_cognito, verify_jwt
from workbench.gateway.auth.tokens import local_jwks_path, mint
from workbench.gateway.events import build_event
from workbench.gateway.http import HttpRequest, HttpResponse
from workbench.gateway.routing import RouteMatch
from workbench.gateway.validation import validate
from workbench.template import (
    Api,
    Authorizer,
    Cors,
    MockPreflight,
    RequestValidation,
    Route,
    Template,
    openapi,
)

ISSUER = "https://issuer.example.com"
POOL = "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_Pool"
POOL_ISSUER = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Pool"
JWT = Authorizer("Jwt", "jwt", issuer=ISSUER, audiences=("api",))
COGNITO = Authorizer("Pool", "cognito", user_pool_arns=(POOL,))


@pytest.fixture(autouse=True, scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:  # one local key for the module
        patch.setenv("WORKBENCH_CACHE", str(tmp_path_factory.mktemp("cache")))
        yield


def keys() -> KeyRing:
    return KeyRing((local_jwks_path(),), online=False)


def test_jwt_claims_and_scopes() -> None:
    token = mint(issuer=ISSUER, audience="api", scopes=("qa/ask",), claims={"n": 5,
                                                                           "l": ["a", "b"]})
    grant = verify_jwt(JWT, token, ("qa/ask",), keys())
    assert grant.scopes == ("qa/ask",)
    # HTTP APIs pass every claim as a string.
    assert grant.claims["n"] == "5" and grant.claims["l"] == "[a b]"
    assert grant.claims["iss"] == ISSUER


@pytest.mark.parametrize("token_args, error", [
    ({"issuer": "https://other"}, gw.Unauthorized),
    ({"issuer": ISSUER, "audience": "other"}, gw.Unauthorized),
    ({"issuer": ISSUER, "audience": "api", "expires_in_s": -10}, gw.Unauthorized),
    ({"issuer": ISSUER, "audience": "api", "not_before_s": 600}, gw.Unauthorized),
    ({"issuer": ISSUER, "audience": "api", "scopes": ("other",)}, gw.AccessDenied),
])
def test_jwt_refusals(token_args: dict[str, Any], error: type[Exception]) -> None:
    with pytest.raises(error):
        verify_jwt(JWT, mint(**token_args), ("qa/ask",), keys())


def test_jwt_expired_says_so_and_garbage_is_401() -> None:
    with pytest.raises(gw.Unauthorized) as raised:
        verify_jwt(JWT, mint(issuer=ISSUER, audience="api", expires_in_s=-5), (), keys())
    assert ("WWW-Authenticate",
            'Bearer scope="" error="invalid_token" error_description="the token has expired"'
            ) in raised.value.headers
    for garbage in ("not.a.jwt", "", "a.b", "eyJhbGciOiJub25lIn0.e30."):
        with pytest.raises(gw.Unauthorized):
            verify_jwt(JWT, garbage, (), keys())
    client_id_only = mint(issuer=ISSUER, client_id="api")  # access tokens: client_id, no aud
    assert verify_jwt(JWT, client_id_only, (), keys()).kind == "jwt"


def test_cognito_id_and_access_tokens() -> None:
    id_token = mint(issuer=POOL_ISSUER, audience="client", claims={"token_use": "id"},
                    now=1715682612 - 3600, expires_in_s=10 ** 9)
    grant = verify_cognito(COGNITO, id_token, (), keys())
    assert grant.claims["token_use"] == "id"
    assert grant.claims["iat"] == "Tue May 14 09:30:12 UTC 2024"  # dates as AWS prints them
    access = mint(issuer=POOL_ISSUER, client_id="c", scopes=("qa/ask",),
                  claims={"token_use": "access"})
    assert verify_cognito(COGNITO, access, ("qa/ask",), keys()).kind == "cognito"
    with pytest.raises(gw.Unauthorized):  # scopes need an access token
        verify_cognito(COGNITO, id_token, ("qa/ask",), keys())
    with pytest.raises(gw.Unauthorized):  # another pool
        verify_cognito(COGNITO, mint(issuer=ISSUER, claims={"token_use": "id"}), (), keys())
    expired = mint(issuer=POOL_ISSUER, claims={"token_use": "id"}, expires_in_s=-1)
    with pytest.raises(gw.Unauthorized) as raised:
        verify_cognito(COGNITO, expired, (), keys())
    assert json.loads(raised.value.render("rest").body) == {
        "message": "The incoming token has expired"}


def test_a_jwks_file_that_is_missing_or_not_json_is_refused(tmp_path: Path) -> None:
    with pytest.raises(WorkbenchError, match="JWKS file not found"):
        KeyRing((tmp_path / "nope.json",))
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(WorkbenchError, match="not a JWKS"):
        KeyRing((tmp_path / "bad.json",))


def response_headers(response: HttpResponse) -> dict[str, str]:
    return {k.lower(): v for k, v in response.headers}


def test_a_rest_mock_answers_its_literals_and_request_values() -> None:
    mock = MockPreflight(status=204, body="{}\n", headers=(
        ("Access-Control-Allow-Origin", "method.request.header.Origin"),
        ("Access-Control-Allow-Methods", "'GET,OPTIONS'"),
        ("X-Query", "method.request.querystring.q"), ("X-Absent", "method.request.header.No")))
    answer = cors.rest_mock(mock, HttpRequest("OPTIONS", "/x", "q=1", [("Origin", "https://a")],
                                              b""))
    assert (answer.status, answer.body) == (204, b"{}\n")
    assert response_headers(answer) == {
        "content-type": "application/json", "access-control-allow-origin": "https://a",
        "access-control-allow-methods": "GET,OPTIONS", "x-query": "1"}


# What `cdk synth` writes for defaultCorsPreflightOptions with several allowOrigins: the
# first is the literal header, the others are picked from the request by the template.
CDK_PICKS_ORIGIN = "\n".join((
    '#set($origin = $input.params().header.get("Origin"))', '#if($origin == "")',
    '  #set($origin = $input.params().header.get("origin"))', "#end",
    '#if($origin == "https://b.example" || $origin == "https://c.example")',
    "  #set($context.responseOverride.header.Access-Control-Allow-Origin = $origin)", "#end"))


@pytest.mark.parametrize("origin, allowed", [
    ("https://a.example", "https://a.example"), ("https://b.example", "https://b.example"),
    ("https://c.example", "https://c.example"), ("https://evil.example", "https://a.example"),
    (None, "https://a.example")])
def test_a_cdk_preflight_echoes_an_allowed_origin_with_an_empty_204(
        origin: str | None, allowed: str) -> None:
    mock = openapi.mock_preflight("204", {
        "method.response.header.Access-Control-Allow-Origin": "'https://a.example'",
        "method.response.header.Vary": "'Origin'"}, {"application/json": CDK_PICKS_ORIGIN})
    headers = [("Origin", origin)] if origin else []
    answer = cors.rest_mock(mock, HttpRequest("OPTIONS", "/x", "", headers, b""))
    assert (answer.status, answer.body) == (204, b"")  # the template only sets values
    assert response_headers(answer)["access-control-allow-origin"] == allowed
    assert response_headers(answer)["vary"] == "Origin"


HTTP_CORS = Cors(allow_origins=("https://abc", "http://*"), allow_methods=("GET", "POST"),
                 allow_headers=("x-api",), expose_headers=("x-out",), max_age=600,
                 allow_credentials=True)


def preflight(origin: str, method: str = "GET") -> HttpRequest:
    return HttpRequest("OPTIONS", "/x", "", [("Origin", origin),
                                             ("Access-Control-Request-Method", method)], b"")


def test_http_preflight_and_responses() -> None:
    answer = cors.http_preflight(HTTP_CORS, preflight("https://abc"))
    headers = response_headers(answer)
    assert answer.status == 204 and headers["access-control-allow-origin"] == "https://abc"
    assert headers["access-control-allow-methods"] == "GET,POST"
    assert headers["access-control-max-age"] == "600"
    assert headers["access-control-allow-credentials"] == "true"
    assert response_headers(cors.http_preflight(HTTP_CORS, preflight("http://x:1")))[
        "access-control-allow-origin"] == "http://x:1"
    for refused in (preflight("https://evil"), preflight("https://abc", "DELETE")):
        assert not response_headers(cors.http_preflight(HTTP_CORS, refused))
    mine = HttpResponse(200, [("Access-Control-Allow-Origin", "*"), ("X", "1")], b"")
    get = HttpRequest("GET", "/x", "", [("Origin", "https://abc")], b"")
    decorated = response_headers(cors.http_decorate(HTTP_CORS, get, mine))
    assert decorated["access-control-allow-origin"] == "https://abc"  # the function's replaced
    assert decorated["access-control-expose-headers"] == "x-out" and decorated["x"] == "1"
    no_origin = HttpRequest("GET", "/x", "", [], b"")
    assert "access-control-allow-origin" not in response_headers(
        cors.http_decorate(HTTP_CORS, no_origin, mine))


def rest(validation: RequestValidation | None = None, **route: Any) -> RouteMatch:
    return RouteMatch(Route("Api", "rest", "POST", "/items/{id}", "Fn", "1.0",
                            validation=validation, **route),
                      Api("Api", "rest", "Prod", api_keys=("key-1",)), {"id": "1"})


def test_validation_messages() -> None:
    rules = RequestValidation(
        body_schema={"type": "object", "required": ["name"],
                     "properties": {"name": {"type": "string"}}},
        parameters=(("method.request.querystring.qs1", True), ("method.request.header.x-id", True),
                    ("method.request.path.id", True), ("method.request.header.opt", False)))
    good = HttpRequest("POST", "/items/1", "qs1=a", [("X-Id", "1")], b'{"name": "n"}')
    validate(good, rest(rules), rules)
    with pytest.raises(gw.BadRequestParameters) as raised:
        validate(HttpRequest("POST", "/items/1", "", [], b"{}"), rest(rules), rules)
    assert json.loads(raised.value.render("rest").body) == {
        "message": "Missing required request parameters: [x-id, qs1]"}
    for body in (b'{"name": 1}', b"{}", b"not json", b""):
        with pytest.raises(gw.BadRequestBody):
            validate(HttpRequest("POST", "/items/1", "qs1=a", [("X-Id", "1")], body),
                     rest(rules), rules)


def test_api_keys_from_the_template_and_a_file(tmp_path: Path) -> None:
    keys_file = tmp_path / "keys.txt"
    keys_file.write_text("# local keys\nkey-2\n\n")
    match = rest(api_key_required=True)
    template = Template(Path("t"), {}, {"Api": match.api}, (match.route,))
    access = Access(template, None, region="us-east-1", account_id="1",  # type: ignore[arg-type]
                    api_keys=keys_file)

    def check(headers: list[tuple[str, str]]) -> dict[str, Any]:
        request = HttpRequest("POST", "/items/1", "", headers, b"")
        event = build_event(request, match)
        asyncio.run(access.check(request, match, event, []))
        return event

    assert check([("x-api-key", "key-1")])["requestContext"]["identity"]["apiKey"] == "key-1"
    check([("X-API-Key", "key-2")])
    for headers in ([], [("x-api-key", "wrong")]):
        with pytest.raises(gw.InvalidApiKey):
            check(headers)
    assert json.loads(gw.InvalidApiKey().render("rest").body) == {"message": "Forbidden"}
    with pytest.raises(WorkbenchError):
        Access(template, None, region="r", account_id="1",  # type: ignore[arg-type]
               api_keys=tmp_path / "missing.txt")


def test_iam_routes_refuse_unsigned_requests() -> None:
    match = rest(iam=True)
    template = Template(Path("t"), {}, {"Api": match.api}, (match.route,))
    access = Access(template, None, region="us-east-1", account_id="1")  # type: ignore[arg-type]
    unsigned = HttpRequest("POST", "/items/1", "", [], b"")
    with pytest.raises(gw.MissingSignature):
        asyncio.run(access.check(unsigned, match, build_event(unsigned, match), []))
    signature = ("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240101/us-east-1/execute-api/"
                 "aws4_request, SignedHeaders=host;x-amz-date, Signature=" + "a" * 64)
    signed = HttpRequest("POST", "/items/1", "", [("Authorization", signature)], b"")
    event = build_event(signed, match)
    asyncio.run(access.check(signed, match, event, []))
    assert event["requestContext"]["identity"]["accessKey"] == "AKIDEXAMPLE"
