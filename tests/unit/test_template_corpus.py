"""The template corpus (tests/templates): what each template loads into.

Each case lists every route (method, path, function), the functions that are not run,
and lines that must be among what is reported as not honoured: nothing silently lost.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from workbench import template
from workbench.template import Template
from workbench.template.values import TemplateValues

CORPUS = Path(__file__).parents[1] / "templates"

CASES: dict[str, dict[str, Any]] = {
    "sam/template.yaml": {
        "routes": {("GET", "/items", "Items"), ("GET", "/items/{id}", "Items"),
                   ("ANY", "/files/{proxy+}", "Proxy"), ("ANY", "$default", "Proxy"),
                   ("GET", "/inline", "Inline"), ("POST", "/here", "Here"),
                   ("GET", "/java", "Java"), ("GET", "/container", "Container")},
        "skipped": {"Java": "Runtime 'java21' is not run", "Container": "an Image function"},
        "unsupported": ["ignored: VpcConfig on Items", "not emulated: AWS::DynamoDB::Table Table",
                        "not emulated: AWS::Lambda::EventSourceMapping ItemsQueue",
                        "not emulated: AWS::SQS::Queue Queue"],
    },
    "auth/template.yaml": {
        "routes": {("POST", "/orders", "Orders"), ("GET", "/orders/search", "Orders"),
                   ("GET", "/orders/mine", "Orders"), ("GET", "/orders/keyed", "Orders"),
                   ("GET", "/orders/signed", "Orders"), ("GET", "/health", "Orders"),
                   ("GET", "/profile", "Profile"), ("POST", "/profile", "Profile"),
                   ("GET", "/open", "Profile")},
        "unsupported": ["not known offline: the value of API key RestApiApiKey",
                        "not emulated: AWS::Cognito::UserPool UserPool"],
    },
    "openapi/template.yaml": {
        "routes": {("GET", "/books", "BooksFunction"), ("POST", "/books", "BooksFunction"),
                   ("ANY", "/books/{id}", "BooksFunction"), ("GET", "/search", "SearchFunction"),
                   ("POST", "/books/stream", "BooksFunction"),
                   ("GET", "/search/private", "SearchFunction"),
                   ("GET", "/search/recent", "SearchFunction"),
                   ("ANY", "$default", "SearchFunction")},
        "unsupported": ["not emulated: GET /legacy on Books (HTTP_PROXY integration)",
                        "not emulated: response streaming of POST /books/stream on Books",
                        "not emulated: Events.Extra on BooksFunction (delete /books/extra"],
    },
    "cfn/rest.yaml": {
        "routes": {("GET", "/pets", "PetsFunction"), ("POST", "/pets", "PetsFunction"),
                   ("ANY", "/pets/{petId}", "InlineFunction"), ("GET", "/", "InlineFunction")},
        "skipped": {"NodeFunction": "Runtime 'nodejs22.x' is not run"},
        "unsupported": ["not emulated: MethodSettings on Stage",
                        "not emulated: PATCH /pets/{petId} on Api (MOCK integration; it "
                        "answers 500)",
                        "not emulated: MinimumCompressionSize on Api"],
    },
    "cfn/http.yaml": {
        "routes": {("GET", "/items/{id}", "Function"), ("POST", "/legacy", "Function"),
                   ("ANY", "$default", "Function"), ("GET", "/quick", "QuickFunction")},
        "unsupported": ["not emulated: WEBSOCKET API Socket"],
    },
    "cdk/CorpusStack.template.json": {
        "routes": {("ANY", "/{proxy+}", "Handler886CB40B"), ("ANY", "/", "Handler886CB40B"),
                   ("GET", "/hello", "Handler886CB40B")},
        "unsupported": ["not emulated: AWS::IAM::Role HandlerServiceRoleFCDC14AE"],
    },
    "cdk/SpecStack.template.json": {
        "routes": {("GET", "/spec", "SpecHandlerA1B2C3D4"),
                   ("ANY", "/spec/{proxy+}", "SpecHandlerA1B2C3D4")},
    },
    "cdk/NestingStack.template.json": {
        "routes": {("GET", "/child", "Orders/Handler886CB40B")},
        "functions": {"Handler886CB40B", "Front0087DB4F", "Orders/Handler886CB40B"},
    },
    "nested/parent.yaml": {
        "routes": {("GET", "/orders", "Orders/OrderFunction"),
                   ("ANY", "$default", "Reports/ReportFunction"), ("GET", "/front", "Front"),
                   ("POST", "/orders", "Front")},
        "unsupported": ["not emulated: nested stack Remote (TemplateURL https://",
                        "ignored: POST /orders of Orders/ServerlessRestApi "
                        "(Orders/OrderFunction): shadowed by the same route of "
                        "ServerlessRestApi (Front)"],
    },
    "foreach/template.yaml": {
        "routes": {("GET", "/users", "usersFunction"), ("GET", "/products", "productsFunction")},
        "functions": {"usersFunction", "productsFunction", "euwest1goldFunction",
                      "euwest1freeFunction", "useast2goldFunction", "useast2freeFunction"},
    },
    "zip/template.yaml": {"routes": {("GET", "/zipped", "Zipped")}},
    "tenancy/template.yaml": {
        "routes": {("GET", "/isolated", "Isolated"), ("GET", "/shared", "Shared"),
                   ("GET", "/isolated-http", "Isolated")},
        "unsupported": ["fails as on AWS: GET /isolated-http of ServerlessHttpApi -> Isolated "
                        "(TenancyConfig PER_TENANT): an HTTP API cannot send Lambda a tenant ID",
                        "fails as on AWS when a tenant ID is sent: GET /shared of Api -> Shared"],
    },
}


def _load(name: str) -> Template:
    return template.load(CORPUS / name)


@pytest.mark.parametrize("name", sorted(CASES))
def test_every_route_and_what_is_not_honoured(name: str) -> None:
    case, tpl = CASES[name], _load(name)
    assert {(r.method, r.path, r.function) for r in tpl.routes} == case["routes"]
    assert set(tpl.skipped) == set(case.get("skipped", {}))
    for function, reason in case.get("skipped", {}).items():
        assert reason in tpl.skipped[function]
    for line in case.get("unsupported", []):
        assert any(line in reported for reported in tpl.unsupported), (line, tpl.unsupported)
    if "functions" in case:
        assert set(tpl.functions) == case["functions"]
    for route in tpl.routes:  # every route's API is there, every function runs or is listed
        assert route.api_id in tpl.apis
        assert route.function in tpl.functions or route.function in tpl.skipped
    assert all("\n" not in line and "ODict" not in line for line in tpl.unsupported)


def test_sam_intrinsics_parameters_conditions_and_code() -> None:
    tpl = _load("sam/template.yaml")
    items = tpl.functions["Items"]
    assert items.function_name == "workbench-items-dev"  # Fn::Sub of a pseudo parameter
    assert tpl.functions["Proxy"].function_name == "proxy-b"  # Join, Select, Split
    assert (items.runtime, items.memory_mb, items.timeout_s) == ("python3.14", 256, 7.0)
    assert items.environment == {"CORPUS_STAGE": "dev", "CORPUS_TABLE": "Table",
                                 "CORPUS_FIRST": "alpha", "CORPUS_WHERE": "near"}
    assert "OnlyInProd" not in tpl.functions  # its Condition is false
    inline = tpl.functions["Inline"]
    assert inline.inline_code and (inline.code_uri / "index.py").read_text() == inline.inline_code
    assert tpl.functions["Here"].code_uri == (CORPUS / "sam").resolve()  # no CodeUri
    prod = template.load(CORPUS / "sam/template.yaml",
                         values=template.TemplateValues({"Stage": "prod"}))
    assert "OnlyInProd" in prod.functions and prod.functions["Items"].timeout_s == 20.0


def test_sam_auth_cors_keys_validation_urls_and_aliases() -> None:
    tpl = _load("auth/template.yaml")
    rest, http = tpl.apis["RestApi"], tpl.apis["HttpApi"]
    assert {(a.name, a.kind, a.function) for a in rest.authorizers.values()} == {
        ("TokenAuth", "token", "Authorizer"), ("RequestAuth", "request", "Authorizer"),
        ("Users", "cognito", None)}
    assert rest.authorizers["TokenAuth"].ttl_s == 0
    assert rest.authorizers["RequestAuth"].identity_sources == (
        "method.request.querystring.token",)
    assert rest.cors is not None and rest.cors.allow_origins == ("https://example.com",)
    assert rest.cors.max_age == 600
    # AddDefaultAuthorizerToCorsPreflight defaults to true: preflights run TokenAuth.
    assert rest.preflights["/orders"].authorizer == "TokenAuth"
    routes = {(r.method, r.path): r for r in tpl.routes}
    assert routes["POST", "/orders"].authorizer == "TokenAuth"
    validation = routes["POST", "/orders"].validation
    assert validation is not None and validation.body_required
    assert validation.body_schema is not None and validation.body_schema["required"] == ["item"]
    assert routes["GET", "/orders/mine"].scopes == ("orders/read",)
    assert routes["GET", "/orders/keyed"].api_key_required
    assert routes["GET", "/orders/keyed"].authorizer is None
    assert routes["GET", "/orders/signed"].iam
    assert routes["GET", "/health"].authorizer is None
    assert http.authorizers["Jwt"].issuer == "https://issuer.example.com"
    assert http.authorizers["Jwt"].audiences == ("corpus",)
    lam = http.authorizers["Lambda"]
    assert (lam.kind, lam.payload_version, lam.simple_responses) == ("request", "2.0", True)
    assert routes["GET", "/profile"].authorizer == "Jwt"
    assert routes["GET", "/profile"].scopes == ("profile",)
    assert routes["POST", "/profile"].authorizer == "Lambda"
    assert http.cors is not None and http.cors.allow_methods == ("GET", "POST")
    orders = tpl.functions["Orders"]
    assert orders.provisioned_concurrency == 1  # from the Alias AutoPublishAlias makes
    assert orders.url is not None and orders.url.cors is not None
    assert orders.url.cors.allow_origins == ("*",)


def test_openapi_definitions() -> None:
    tpl = _load("openapi/template.yaml")
    books = tpl.apis["Books"]
    assert (books.stage, books.stage_variables) == ("live", {"shelf": "top"})
    assert books.binary_media_types == ("image/png", "application/pdf")
    routes = {(r.method, r.path): r for r in tpl.routes}
    assert routes["GET", "/books"].validation is not None
    assert routes["GET", "/books"].validation.parameters == (
        ("method.request.querystring.author", True),)
    post = routes["POST", "/books"]
    assert post.api_key_required and post.validation is not None
    assert post.validation.body_schema == {"type": "object", "required": ["title"],
                                           "properties": {"title": {"type": "string"}}}
    assert routes["ANY", "/books/{id}"].iam
    assert routes["GET", "/search"].payload_version == "1.0"
    # REST imports operationId as the method's operationName; an HTTP API's goes nowhere
    assert routes["GET", "/books"].operation_name == "ListBooks"
    assert routes["GET", "/search"].operation_name is None
    assert routes["POST", "/books"].operation_name is None
    assert routes["GET", "/search/private"].authorizer == "jwt"
    assert routes["GET", "/search/private"].scopes == ("search/read",)
    # SAM adds an HttpApi event to the API's own body, and says nothing of it.
    assert not [line for line in tpl.unsupported if "Events.Recent" in line]
    search = tpl.apis["Search"]
    assert search.cors is not None and search.cors.max_age == 60
    assert (CORPUS / "openapi/definitions/search.yaml").resolve() in tpl.sources


def test_hand_written_cloudformation() -> None:
    rest = _load("cfn/rest.yaml")
    api = rest.apis["Api"]
    assert (api.stage, api.stage_variables, api.binary_media_types) == (
        "beta", {"tier": "gold"}, ("image/gif",))
    assert api.api_keys == ("corpus-key-0123456789abcdef",)
    assert rest.functions["PetsFunction"].active_tracing  # TracingConfig: {Mode: Active}
    token = api.authorizers["TokenAuthorizer"]
    assert (token.kind, token.function, token.ttl_s, token.validation_regex) == (
        "token", "AuthorizerFunction", 60, "^[a-z]+$")
    routes = {(r.method, r.path): r for r in rest.routes}
    assert routes["GET", "/pets"].api_key_required
    assert routes["GET", "/pets"].operation_name == "ListPets"
    assert routes["POST", "/pets"].operation_name is None
    assert routes["POST", "/pets"].authorizer == "TokenAuthorizer"
    assert routes["POST", "/pets"].validation is not None
    assert routes["ANY", "/pets/{petId}"].iam
    pets = rest.functions["PetsFunction"]
    assert pets.layer_ids == ("Layer",) and (pets.memory_mb, pets.timeout_s) == (512, 10.0)
    assert rest.layers["Layer"].compatible_runtimes == ("python3.13",)
    http = _load("cfn/http.yaml")
    fn = http.functions["Function"]
    assert (fn.architecture, fn.ephemeral_storage_mb, fn.reserved_concurrency) == (
        "arm64", 1024, 5)
    quick = http.functions["QuickFunction"]
    assert quick.url is not None and quick.url.auth_type == "AWS_IAM"
    assert http.apis["Api"].stage_variables == {"color": "green"}
    routes = {(r.method, r.path): r for r in http.routes}
    assert routes["GET", "/items/{id}"].authorizer == "Jwt"
    assert routes["GET", "/items/{id}"].scopes == ("items",)
    assert routes["POST", "/legacy"].payload_version == "1.0"
    assert http.apis["Api"].authorizers["LambdaAuth"].function == "AuthorizerFunction"


def test_cdk_assets_and_cors_preflight() -> None:
    tpl = _load("cdk/CorpusStack.template.json")
    handler = tpl.functions["Handler886CB40B"]
    assert handler.code_uri == (CORPUS / "cdk/asset.3f1c0de").resolve()
    assert handler.layers == ((CORPUS / "cdk/asset.9a2b7e1").resolve(),)
    cors = tpl.apis["RestApi0C43BF4B"].cors
    assert cors is not None and cors.allow_origins == ("https://example.com",)
    assert tpl.apis["RestApi0C43BF4B"].stage == "prod"


def test_a_cdk_asset_openapi_body_is_read_or_said_missing(tmp_path: Path) -> None:
    tpl = _load("cdk/SpecStack.template.json")
    assert (CORPUS / "cdk/asset.5c7d2e9.yaml").resolve() in tpl.sources  # hot reload
    assert not any("BodyS3Location" in line for line in tpl.unsupported)
    stack = json.loads((CORPUS / "cdk/SpecStack.template.json").read_text())
    stack["Resources"]["SpecApi5E6F7A8B"]["Metadata"]["aws:asset:path"] = "asset.gone.yaml"
    for asset in ("SpecHandlerA1B2C3D4", "SharedLayer1A2B3C4D"):
        metadata = stack["Resources"][asset]["Metadata"]
        metadata["aws:asset:path"] = str(CORPUS / "cdk" / metadata["aws:asset:path"])
    (tmp_path / "Stack.template.json").write_text(json.dumps(stack))
    gone = template.load(tmp_path / "Stack.template.json")
    assert gone.routes == ()
    assert any("BodyS3Location on SpecApi5E6F7A8B (its CDK asset asset.gone.yaml: no such "
               "file" in line for line in gone.unsupported), gone.unsupported


def test_tenant_isolation_and_the_tenant_id_a_rest_integration_maps() -> None:
    tpl = _load("tenancy/template.yaml")
    assert tpl.functions["Isolated"].tenant_isolation
    assert not tpl.functions["Shared"].tenant_isolation
    routes = {(r.method, r.path): r for r in tpl.routes}
    assert routes["GET", "/isolated"].tenant_id_mapping == "method.request.header.x-tenant-id"
    assert routes["GET", "/isolated-http"].tenant_id_mapping is None
    assert not any("TenancyConfig on" in line for line in tpl.unsupported)


def test_nested_stacks_mount_children_with_their_parameters() -> None:
    tpl = _load("nested/parent.yaml")
    child = tpl.functions["Orders/OrderFunction"]
    assert child.environment == {"CORPUS_GREETING": "hello"}
    assert child.function_name == "workbench-orders-fn"
    assert tpl.functions["Reports/ReportFunction"].environment == {"CORPUS_LABEL": "quarterly"}
    # the parent reads the child's Outputs
    assert tpl.functions["Front"].environment == {"CORPUS_ORDERS": "workbench-orders-fn"}
    assert tpl.function("Orders/OrderFunction") is child
    assert (CORPUS / "nested/children/reports.yaml").resolve() in tpl.sources


def test_a_cdk_nested_stack_is_read_from_its_asset_and_named_by_its_construct() -> None:
    tpl = _load("cdk/NestingStack.template.json")
    child = tpl.functions["Orders/Handler886CB40B"]  # as SAM CLI names it: the construct id
    assert child.environment == {"CORPUS_PARENT": "Handler886CB40B"}  # a parameter
    assert tpl.functions["Front0087DB4F"].environment == {  # an output
        "CORPUS_CHILD": "Orders/Handler886CB40B"}
    assert (CORPUS / "cdk/NestingStackOrders2692148B.nested.template.json").resolve() \
        in tpl.sources
    assert not any("nested stack" in line for line in tpl.unsupported), tpl.unsupported


def test_a_type_not_emulated_gets_one_line_for_every_stack() -> None:
    tpl = _load("nested/parent.yaml")
    roles = [line for line in tpl.unsupported if line.startswith("not emulated: AWS::IAM::Role")]
    assert len(roles) == 1, tpl.unsupported
    assert "Orders/OrderFunctionRole" in roles[0] and "FrontRole" in roles[0]


def test_for_each_expands_loops() -> None:
    tpl = _load("foreach/template.yaml")
    assert tpl.functions["usersFunction"].environment == {"CORPUS_NAME": "users",
                                                          "CORPUS_COUNT": "3"}
    assert tpl.functions["useast2freeFunction"].environment == {
        "CORPUS_REGION": "us-east-2", "CORPUS_TIER": "free"}


def test_zip_code_is_extracted() -> None:
    zipped = _load("zip/template.yaml").functions["Zipped"]
    assert zipped.code_archive == (CORPUS / "zip/code.zip").resolve()
    assert (zipped.code_uri / "app.py").is_file()
    assert zipped.watched_paths[0] == zipped.code_archive


def test_env_vars_name_a_cdk_function_by_its_construct_id() -> None:
    values = TemplateValues(env_vars={"Front": {"CORPUS_CHILD": "given"}})  # as SAM CLI
    tpl = template.load(CORPUS / "cdk/NestingStack.template.json", values=values)
    assert tpl.functions["Front0087DB4F"].environment == {"CORPUS_CHILD": "given"}
