"""The SAM template loader: what it reads, and one clear message for what it cannot use."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench import template
from workbench.errors import TemplateError

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
    assert tpl.functions["Broken"].layers == ()  # a function's own Layers: [] wins


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
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
{props}
"""
GOOD = {"CodeUri": "code", "Handler": "app.handler", "Runtime": "python3.11"}


@pytest.mark.parametrize("change, message", [
    ({"CodeUri": None}, "resource Fn, property CodeUri: missing"),
    ({"CodeUri": "nowhere"}, "property CodeUri: directory 'nowhere' does not exist"),
    ({"Handler": "missing.handler"}, "property Handler: module 'missing' not found"),
    ({"Handler": "nodot"}, "property Handler: must be 'module.function'"),
    ({"Runtime": "nodejs20.x"}, "property Runtime: 'nodejs20.x' is not a Python runtime"),
    ({"MemorySize": 64}, "property MemorySize: must be between 128 and 10240, got 64"),
    ({"MemorySize": "lots"}, "property MemorySize: must be an integer"),
    ({"Timeout": 901}, "property Timeout: must be between 1 and 900"),
    ({"ReservedConcurrentExecutions": -1}, "property ReservedConcurrentExecutions"),
    ({"Layers": "[!Ref Missing]"}, "property Layers"),
    ({"Environment": "{Variables: {X: !GetAtt Other.Arn}}"},
     "property Environment.Variables.X: Fn::GetAtt cannot be resolved locally"),
    ({"Environment": "{Variables: {X: !Ref Nope}}"}, "!Ref 'Nope': no such parameter"),
    ({"Events": "{E: {Type: Api, Properties: {Path: nope, Method: get}}}"},
     "property Events.E.Path: must start with '/'"),
    ({"Events": "{E: {Type: Api, Properties: {Path: /x, Method: fetch}}}"},
     "property Events.E.Method: unknown HTTP method 'FETCH'"),
    ({"Events": "{E: {Type: Api, Properties: {Path: '/{a+}/b', Method: get}}}"},
     "greedy"),
    ({"Events": "{E: {Type: Api, Properties: {Path: /x, Method: get, RestApiId: !Ref Nope}}}"},
     "property Events.E.RestApiId"),
    ({"PackageType": "Image"}, "property PackageType: only Zip functions"),
])
def test_unusable_templates_name_the_resource_and_property(
        tmp_path: Path, change: dict[str, object], message: str) -> None:
    (tmp_path / "code").mkdir()
    (tmp_path / "code" / "app.py").write_text("def handler(e, c): return e\n")
    props = {**GOOD, **change}
    lines = "\n".join(f"      {k}: {v}" for k, v in props.items() if v is not None)
    (tmp_path / "template.yaml").write_text(FUNCTION.format(props=lines))
    with pytest.raises(TemplateError) as error:
        template.load(tmp_path / "template.yaml")
    assert message in str(error.value)
    assert str(error.value).startswith(str(tmp_path / "template.yaml"))


@pytest.mark.parametrize("text, message", [
    ("Resources: [", "not valid YAML at line 1"),
    ("just a string", "the template has no Resources map"),
    ("Resources: {}", "no AWS::Serverless::Function"),
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
