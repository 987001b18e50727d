"""The template corpus served by a real `workbench serve`: every route answers through
the function the template routes it to, a function that is not run answers as a failed
integration, and the CLI refuses bad templates in one line with exit code 2."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.servers import lambda_client, serve
from workbench import template
from workbench.pytest_plugin import ServerProcess, start_server, wait_for
from workbench.template.values import gather

pytestmark = pytest.mark.functional
CORPUS = Path(__file__).parents[1] / "templates"
# Template, and the flags it is served with.
SERVED = {
    "sam/template.yaml": (),
    "auth/template.yaml": (),
    "openapi/template.yaml": (),
    "cfn/rest.yaml": (),
    "cfn/http.yaml": (),
    "cdk/CorpusStack.template.json": (),
    "cdk/SpecStack.template.json": (),
    "cdk/NestingStack.template.json": (),
    "nested/parent.yaml": (),
    "foreach/template.yaml": (),
    "zip/template.yaml": (),
    "values/template.yaml": ("--config-env", "staging",
                             "--parameter-overrides", "shared-vpc-id=vpc-7"),
}


@pytest.fixture(scope="module", params=sorted(SERVED))
def served(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
           ) -> Iterator[tuple[template.Template, ServerProcess]]:
    name = request.param
    flags = SERVED[name]
    values = gather(
        CORPUS / name, commands=template.SERVE_COMMANDS,
        overrides=[flags[3]] if "--parameter-overrides" in flags else (),
        config_env="staging" if "--config-env" in flags else None)
    loaded = template.load(CORPUS / name, values=values)
    for running in serve(tmp_path_factory, CORPUS / name, *flags):
        yield loaded, running


def _concrete(path: str) -> str:
    """A request path for a route's path template."""
    if path == "$default":
        return "/anything/else"
    return re.sub(r"\{[^}]+\+\}", "a/b", re.sub(r"\{[^}+]+\}", "7", path))


def _guarded(tpl: template.Template, route: template.Route) -> bool:
    return bool(route.authorizer or route.iam or route.api_key_required or route.validation)


def test_every_route_answers_through_its_function(
        served: tuple[template.Template, ServerProcess]) -> None:
    tpl, server = served
    assert tpl.routes
    with httpx.Client(base_url=server.url, timeout=60) as http:
        for route in tpl.routes:
            method = "GET" if route.method == "ANY" else route.method
            response = http.request(method, _concrete(route.path))
            where = f"{route.method} {route.path} of {route.api_id}"
            if route.function in tpl.skipped:
                # API Gateway's answer when the integration fails.
                assert response.status_code == (502 if route.kind == "rest" else 500), where
            elif _guarded(tpl, route):
                assert response.status_code in (400, 401, 403), where  # the gateway's checks
            else:
                assert response.status_code == 200, (where, response.text, server.output())
                spec = tpl.functions[route.function]
                assert (spec.function_name or spec.name) in response.text, where


def test_the_banner_lists_what_is_not_run_and_not_honoured(
        served: tuple[template.Template, ServerProcess]) -> None:
    tpl, server = served
    output = server.output()
    for name, reason in tpl.skipped.items():
        assert f"not run: {name}: {reason}" in output
    for line in tpl.unsupported:
        assert line in output


def test_nested_functions_answer_the_invoke_api_by_their_path(
        tmp_path_factory: pytest.TempPathFactory) -> None:
    for server in serve(tmp_path_factory, CORPUS / "nested/parent.yaml"):
        lam = lambda_client(server)
        answer = lam.invoke(FunctionName="Orders/OrderFunction", Payload=b"{}")
        assert "workbench-orders-fn" in answer["Payload"].read().decode()


def test_cdk_functions_answer_by_their_construct_id_and_an_ambiguous_one_is_404(
        tmp_path_factory: pytest.TempPathFactory) -> None:
    for server in serve(tmp_path_factory, CORPUS / "cdk/NestingStack.template.json"):
        lam = lambda_client(server)
        for name in ("Front", "NestingStack/Front/Resource"):
            answer = lam.invoke(FunctionName=name, Payload=b"{}")
            assert "Front0087DB4F" in answer["Payload"].read().decode()
        with httpx.Client(base_url=server.url, timeout=60) as http:
            refused = http.post("/2015-03-31/functions/Handler/invocations", content=b"{}")
            assert refused.status_code == 404 and "is ambiguous" in refused.text
            assert http.get("/_workbench/logs/Handler").status_code == 404
            assert http.get("/_lambda_url/Handler/").status_code == 404
    listed = workbench("functions", "--template", str(CORPUS / "cdk/NestingStack.template.json"))
    assert "Front0087DB4F (NestingStack/Front)  app.handler" in listed.stdout  # its names


def workbench(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "workbench.cli", *args], capture_output=True,
                          text=True, timeout=120, stdin=subprocess.DEVNULL)


@pytest.mark.parametrize("name, message", [
    ("not-yaml.yaml", "not valid YAML or JSON at line 5"),
    ("not-json.json", "not valid YAML or JSON at line 1"),
    ("condition-cycle.yaml", "conditions refer to each other: A -> B -> C -> A"),
    ("nested-cycle.yaml", "nested stacks include each other: nested-cycle.yaml -> "
                          "nested-cycle-child.yaml -> nested-cycle.yaml"),
    ("nested-missing.yaml", "no such template: children/absent.yaml"),
    ("parameter-type.yaml", "property Parameters.Memory: 'lots' is not a number"),
    ("parameter-allowed.yaml", "'qa' is not one of dev, prod (AllowedValues)"),
    ("cdk-asset-missing.template.json", "the CDK asset 'asset.0ff1ce' does not exist"),
])
def test_bad_templates_are_one_line_and_exit_2(name: str, message: str) -> None:
    done = workbench("functions", "--template", str(CORPUS / "bad" / name))
    assert done.returncode == 2 and done.stdout == ""
    assert message in done.stderr and len(done.stderr.splitlines()) == 1, done.stderr
    assert "ODict" not in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize("flags, message", [
    (("--parameter-overrides", "Stage=qa"), "'qa' is not one of dev, staging, prod"),
    (("--parameter-overrides", "Size=big"), "'big' is not a number (Type Number)"),
    (("--parameter-overrides", "NoEquals"), "'NoEquals' is not Key=Value"),
    (("--config-env", "nowhere"), "no environment 'nowhere' (--config-env)"),
    (("--env-vars", "/no/such/env.json"), "no such file (--env-vars)"),
])
def test_bad_values_are_one_line_and_exit_2(flags: tuple[str, ...], message: str) -> None:
    done = workbench("functions", "--template", str(CORPUS / "values/template.yaml"), *flags)
    assert done.returncode == 2 and message in done.stderr, done.stderr
    assert len(done.stderr.splitlines()) == 1


def test_functions_json_carries_values_skipped_and_unsupported() -> None:
    done = workbench("functions", "--template", str(CORPUS / "values/template.yaml"),
                     "--config-env", "staging", "--json")
    assert done.returncode == 0, done.stderr
    listing = json.loads(done.stdout)
    (values,) = listing["functions"]
    assert values["memory_mb"] == 512  # Size from the staging section of samconfig.toml
    assert any("Fn::ImportValue 'shared-vpc-id'" in line and "--parameter-overrides" in line
               for line in listing["unsupported"])
    assert any("--env-vars CORPUS_UNDECLARED" in line for line in listing["unsupported"])
    sam = json.loads(workbench("functions", "--template", str(CORPUS / "sam/template.yaml"),
                               "--json").stdout)
    assert "Java" in sam["skipped"] and "ignored: VpcConfig on Items" in sam["unsupported"]


def test_invoking_a_function_that_is_not_run_says_why() -> None:
    done = workbench("invoke", "Java", "--template", str(CORPUS / "sam/template.yaml"))
    assert done.returncode == 2
    assert "Java is not run: Runtime 'java21' is not run here" in done.stderr


def test_template_hot_reload_keeps_the_last_good_template(tmp_path: Path) -> None:
    shutil.copytree(CORPUS / "code", tmp_path / "code")
    path = tmp_path / "template.yaml"
    route = ("        E{n}:\n          Type: HttpApi\n"
             "          Properties: {{Path: /r{n}, Method: get}}\n")
    head = ("Transform: AWS::Serverless-2016-10-31\nResources:\n  Fn:\n"
            "    Type: AWS::Serverless::Function\n    Properties:\n      CodeUri: code\n"
            "      Handler: app.handler\n      Runtime: python3.12\n      Events:\n")
    path.write_text(head + route.format(n=1))
    server = start_server(path, tmp_path / "serve.log")
    try:
        with httpx.Client(base_url=server.url, timeout=30) as http:
            assert http.get("/r1").status_code == 200
            assert http.get("/r2").status_code == 404
            path.write_text(head + route.format(n=1) + route.format(n=2))
            wait_for(lambda: http.get("/r2").status_code == 200, what="the new route")
            path.write_text(head + "        E3: [broken")
            wait_for(lambda: "template not reloaded" in server.output(), what="the error")
            line = next(x for x in server.output().splitlines() if "not reloaded" in x)
            assert "not valid YAML" in line
            assert http.get("/r2").status_code == 200  # the last good template serves
            path.write_text(head + route.format(n=3))
            wait_for(lambda: http.get("/r3").status_code == 200, what="the fixed template")
            assert http.get("/r1").status_code == 404
    finally:
        server.stop()
