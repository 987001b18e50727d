"""The SAM template loader: what it reads, and one clear message for what it cannot use."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench import template
from workbench.errors import TemplateError
from workbench.template.stack import function_name_in, route_target_in

APPS = Path(__file__).parents[1] / "functional" / "apps"
ROOT = Path(__file__).parents[2]


def test_reads_functions_globals_layers_and_parameters() -> None:
    tpl = template.load(APPS / "template.yaml")
    echo = tpl.functions["Echo"]
    assert (echo.handler, echo.runtime, echo.memory_mb, echo.timeout_s) == (
        "app.handler", "python3.11", 256, 3.0)
    assert echo.code_uri == (APPS / "behaviours").resolve()
    assert echo.layers == ((APPS / "layer").resolve(),)
    assert echo.environment == {"GREETING": "hello from the template"}
    assert tpl.functions["Limited"].reserved_concurrency == 1
    assert tpl.functions["Warm"].provisioned_concurrency == 1
    # SAM's Globals add list items to the function's own (Layers: [] keeps the global one).
    assert tpl.functions["Broken"].layers == ((APPS / "layer").resolve(),)


def test_reads_apis_and_routes() -> None:
    tpl = template.load(APPS / "template.yaml")
    api = tpl.apis["Api"]
    assert (api.kind, api.stage) == ("rest", "dev")
    assert api.binary_media_types == ("image/png", "application/octet-stream")
    assert api.stage_variables == {"color": "blue"}
    assert tpl.apis["ServerlessHttpApi"].stage == "$default"
    routes = {(r.function, r.method, r.path, r.kind, r.payload_version) for r in tpl.routes}
    assert ("Echo", "ANY", "/files/{proxy+}", "rest", "1.0") in routes
    assert ("Echo", "GET", "/items/{id}", "rest", "1.0") in routes
    assert ("HttpEcho", "ANY", "/v2/echo", "http", "2.0") in routes


def test_the_project_template_loads() -> None:
    tpl = template.load(ROOT / "template.yaml")
    assert set(tpl.functions) == {"NerFunction", "QaFunction"}
    assert {(r.method, r.path) for r in tpl.routes} == {("POST", "/ner"), ("POST", "/qa")}


def test_function_lookup_by_name_and_arn() -> None:
    tpl = template.load(APPS / "template.yaml")
    assert tpl.function("Echo") is tpl.functions["Echo"]
    assert tpl.function("arn:aws:lambda:us-east-1:123456789012:function:Echo") is not None
    assert tpl.function("Nope") is None


FUNCTION = """
Transform: AWS::Serverless-2016-10-31
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
{props}
"""
GOOD = {"CodeUri": "code", "Handler": "app.handler", "Runtime": "python3.11"}


def _code(tmp_path: Path) -> None:
    (tmp_path / "code").mkdir()
    (tmp_path / "code" / "app.py").write_text("def handler(e, c): return e\n")


def _write(tmp_path: Path, change: dict[str, object]) -> Path:
    _code(tmp_path)
    props = {**GOOD, **change}
    lines = "\n".join(f"      {k}: {v}" for k, v in props.items() if v is not None)
    (tmp_path / "template.yaml").write_text(FUNCTION.format(props=lines))
    return tmp_path / "template.yaml"


@pytest.mark.parametrize("change, message", [
    ({"PackageType": "Image"}, "Runtime, Handler, Layers cannot be present when PackageType"),
])
def test_unusable_templates_name_the_resource_and_property(
        tmp_path: Path, change: dict[str, object], message: str) -> None:
    path = _write(tmp_path, change)
    with pytest.raises(TemplateError) as error:
        template.load(path)
    assert message in str(error.value)
    assert str(error.value).startswith(str(path)) and "\n" not in str(error.value)


def test_a_codeuri_that_is_not_there_is_left_to_the_build(tmp_path: Path) -> None:
    # `workbench build` fails on it in one line; `serve` runs the other functions.
    spec = template.load(_write(tmp_path, {"CodeUri": "nowhere"})).functions["Fn"]
    assert spec.code_uri == (tmp_path / "nowhere").resolve()


@pytest.mark.parametrize("change, reason", [
    ({"CodeUri": None}, "property Handler: module 'app' not found"),  # CodeUri: the folder
    ({"Handler": "missing.handler"}, "property Handler: module 'missing' not found"),
    ({"Handler": "nodot"}, "property Handler: must be 'module.function'"),
    ({"Runtime": "nodejs20.x"}, "Runtime 'nodejs20.x' is not run here"),
    ({"MemorySize": 64}, "property MemorySize: must be between 128 and 10240, got 64"),
    ({"MemorySize": "lots"}, "property MemorySize: must be an integer, got 'lots'"),
    ({"Timeout": 901}, "property Timeout: must be between 1 and 900"),
    ({"ReservedConcurrentExecutions": -1}, "property ReservedConcurrentExecutions"),
    ({"Tracing": "Sometimes"}, "property TracingConfig.Mode: must be Active or PassThrough"),
    # Lambda Web Adapter (serverless-patterns): Handler run.sh, run by the layer's script
    ({"Handler": "run.sh", "Environment": "{Variables: {AWS_LAMBDA_EXEC_WRAPPER: /opt/bootstrap}}"},
     "its runtime is started by AWS_LAMBDA_EXEC_WRAPPER '/opt/bootstrap' (a wrapper script"),
])
def test_a_function_that_cannot_run_is_skipped_with_its_reason(
        tmp_path: Path, change: dict[str, object], reason: str) -> None:
    tpl = template.load(_write(tmp_path, change))
    assert reason in tpl.skipped["Fn"] and "Fn" not in tpl.functions


@pytest.mark.parametrize("tracing, active", [("Active", True), ("PassThrough", False),
                                             (None, False)])
def test_active_tracing_is_read_from_sams_tracing(tmp_path: Path, tracing: str | None,
                                                  active: bool) -> None:
    tpl = template.load(_write(tmp_path, {"Tracing": tracing}))
    assert tpl.functions["Fn"].active_tracing is active
    assert not any("TracingConfig" in line for line in tpl.unsupported)


@pytest.mark.parametrize("change, line", [
    ({"Layers": "[!Ref Missing]"}, "not emulated: layer (Ref Missing: no such parameter"),
    ({"Environment": "{Variables: {X: !GetAtt Other.Arn}}"},
     "not known offline: Environment.Variables.X on Fn, set to '': Fn::GetAtt Other.Arn"),
    ({"Events": "{E: {Type: Api, Properties: {Path: nope, Method: get}}}"},
     "not emulated: route GET nope on ServerlessRestApi (a path must start with '/')"),
    ({"Events": "{E: {Type: Api, Properties: {Path: /x, Method: fetch}}}"},
     "not emulated: FETCH /x on ServerlessRestApi (not an HTTP method)"),
    ({"Events": "{E: {Type: Api, Properties: {Path: '/{a+}/b', Method: get}}}"},
     "a greedy {name+} parameter must be the last segment"),
    ({"VpcConfig": "{SubnetIds: [a], SecurityGroupIds: [b]}"}, "ignored: VpcConfig on Fn"),
    ({"DurableConfig": "{ExecutionTimeout: 900}"},
     "not emulated: DurableConfig on Fn (Lambda hands a durable function's SDK an execution"),
    ({"Environment": "{Variables: {AWS_LAMBDA_EXEC_WRAPPER: /opt/otel-instrument}}"},
     "not emulated: AWS_LAMBDA_EXEC_WRAPPER '/opt/otel-instrument' on Fn (it runs without"),
    ({"Events": "{E: {Type: Api, Properties: {Path: /x, Method: get, RestApiId: !Ref Nope}}}"},
     "ignored: Events.E on Fn (the SAM transform refuses it: Resource with id [Fn] is invalid. "
     "Event with id [E] is invalid. RestApiId must be a valid reference"),
])
def test_what_is_not_honoured_is_reported(tmp_path: Path, change: dict[str, object],
                                          line: str) -> None:
    tpl = template.load(_write(tmp_path, change))
    assert any(line in reported for reported in tpl.unsupported), tpl.unsupported


def test_a_variable_not_known_offline_is_set_empty_as_sam_cli_sets_it(tmp_path: Path) -> None:
    path = _write(tmp_path, {"Environment": "{Variables: {BUCKET: !Ref Bucket, "
                                            "KEY: !GetAtt Other.Arn, KNOWN: ok}}"})
    path.write_text("Parameters: {Bucket: {Type: String}}\n" + path.read_text())
    tpl = template.load(path)
    assert tpl.functions["Fn"].environment == {"BUCKET": "", "KEY": "", "KNOWN": "ok"}
    lines = [line for line in tpl.unsupported if "Environment.Variables" in line]
    assert len(lines) == 2 and all("set to ''" in line for line in lines), lines


@pytest.mark.parametrize("text, message", [
    ("Resources: [", "not valid YAML or JSON at line 1"),
    ("just a string", "the template has no Resources map"),
    ("Resources: {}", "no function to run"),
])
def test_unreadable_templates(tmp_path: Path, text: str, message: str) -> None:
    (tmp_path / "template.yaml").write_text(text)
    with pytest.raises(TemplateError, match=message):
        template.load(tmp_path / "template.yaml")


def test_missing_and_binary_files(tmp_path: Path) -> None:
    with pytest.raises(TemplateError, match="no such file"):
        template.load(tmp_path / "absent.yaml")
    (tmp_path / "bad.yaml").write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(TemplateError, match="cannot read"):
        template.load(tmp_path / "bad.yaml")


HTTP_API_AUTH = """
Transform: AWS::Serverless-2016-10-31
Resources:
  Api:
    Type: AWS::Serverless::HttpApi
    Properties:
      Auth:
        DefaultAuthorizer: Lambda
        Authorizers:
          Lambda:
            FunctionArn: {arn}
            AuthorizerPayloadFormatVersion: "{version}"
            EnableSimpleResponses: {simple}
            Identity: {{Headers: [header]}}
  Auth:
    Type: AWS::Serverless::Function
    Properties: {{CodeUri: code, Handler: app.handler, Runtime: python3.11}}
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: code
      Handler: app.handler
      Runtime: python3.11
      Events:
        Get: {{Type: HttpApi, Properties: {{ApiId: !Ref Api, Path: /x, Method: get}}}}
"""


@pytest.mark.parametrize("arn, version, simple, why", [
    ("!GetAtt Auth.Arn", "1.0", "true",
     "EnableSimpleResponses needs AuthorizerPayloadFormatVersion 2.0"),
    ("\"iofaqio'hfw;iqauh\"", "2.0", "false", "its function iofaqio'hfw;iqauh is not in "
     "the template"),
    ("arn:aws:lambda:us-east-1:123456789012:function:Elsewhere", "2.0", "true",
     "its function Elsewhere is not in the template"),
])
def test_an_authorizer_api_gateway_could_not_use_is_said(
        tmp_path: Path, arn: str, version: str, simple: str, why: str) -> None:
    _code(tmp_path)
    (tmp_path / "template.yaml").write_text(HTTP_API_AUTH.format(arn=arn, version=version,
                                                                 simple=simple))
    tpl = template.load(tmp_path / "template.yaml")
    assert f"not emulated: authorizer Lambda on Api ({why}; its routes answer 500)" in \
        tpl.unsupported


def test_a_valid_authorizer_is_not_mentioned(tmp_path: Path) -> None:
    _code(tmp_path)
    (tmp_path / "template.yaml").write_text(HTTP_API_AUTH.format(
        arn="!GetAtt Auth.Arn", version="2.0", simple="true"))
    assert not [line for line in template.load(tmp_path / "template.yaml").unsupported
                if "authorizer" in line]


def test_a_cloudformation_authorizer_with_an_unknown_payload_version_is_said(
        tmp_path: Path) -> None:
    _code(tmp_path)
    (tmp_path / "template.yaml").write_text("""
Resources:
  Fn:
    Type: AWS::Lambda::Function
    Properties: {Code: code, Handler: app.handler, Runtime: python3.11}
  Api:
    Type: AWS::ApiGatewayV2::Api
    Properties: {Name: a, ProtocolType: HTTP}
  Auth:
    Type: AWS::ApiGatewayV2::Authorizer
    Properties:
      ApiId: !Ref Api
      AuthorizerType: REQUEST
      AuthorizerPayloadFormatVersion: "3.0"
      AuthorizerUri: !Sub "arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/\\
        functions/${Fn.Arn}/invocations"
      IdentitySource: [$request.header.header]
      Name: Auth
""")
    assert ("not emulated: authorizer Auth on Api (AuthorizerPayloadFormatVersion '3.0': "
            "API Gateway takes 1.0 or 2.0; its routes answer 500)") in \
        template.load(tmp_path / "template.yaml").unsupported


def test_no_function_left_says_why_the_transform_refused_one(tmp_path: Path) -> None:
    # The API is translated; the function is refused and left out, leaving nothing to run.
    path = _write(tmp_path, {"Runtime": None, "Events": "{E: {Type: HttpApi}}"})
    path.write_text(path.read_text() + "  Api:\n    Type: AWS::Serverless::HttpApi\n")
    with pytest.raises(TemplateError) as error:
        template.load(path)
    assert str(error.value).endswith(
        "no function to run (AWS::Serverless::Function or AWS::Lambda::Function): Fn (the SAM "
        "transform refuses it: Resource with id [Fn] is invalid. Runtime and Handler needs to "
        "be present when PackageType is of type `Zip`)")


@pytest.mark.parametrize(("uri", "target"), [
    ("arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
     "arn:aws:lambda:us-east-1:123456789012:function:Fn:live/invocations", "Fn:live"),
    ("arn:aws:lambda:us-east-1:123456789012:function:Fn:7", "Fn:7"),
    ("arn:aws:lambda:us-east-1:123456789012:function:Fn", "Fn"),
    # A stage variable picks the alias on AWS: not known offline, the function runs.
    ("arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:"
     "us-east-1:123456789012:function:Fn:${stageVariables.alias}/invocations", "Fn"),
    ({"Fn::Sub": "arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/"
                 "${Fn.Arn}:live/invocations"}, "Fn:live"),
    ({"Fn::Sub": "arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/"
                 "${Fn.Arn}/invocations"}, "Fn"),
])
def test_a_route_keeps_the_alias_its_integration_names(uri: object, target: str) -> None:
    assert route_target_in(uri) == target
    assert function_name_in(uri) == "Fn"
