"""A function on Powertools' public layer, named by ARN as the Powertools docs say, runs
from a build: the real aws-lambda-powertools from PyPI stands in for the layer, without the
boto3 its build deletes, and Powertools sees the Lambda context it sees on AWS."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from tests.cli import workbench
from workbench.runtime.sandboxes import private_tmp_allowed

pytestmark = pytest.mark.functional
APP = Path(__file__).parent / "apps" / "powertools"
LAYER = "AWSLambdaPowertoolsPythonV3-python311-x86_64"
EVENT = {"resource": "/hello", "path": "/hello", "httpMethod": "GET", "headers": {},
         "multiValueHeaders": {}, "queryStringParameters": None, "pathParameters": None,
         "requestContext": {"resourcePath": "/hello", "httpMethod": "GET", "stage": "Prod",
                            "requestId": "r-1", "path": "/Prod/hello"},
         "body": None, "isBase64Encoded": False}


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("powertools") / "app"
    shutil.copytree(APP, root)
    (root / "event.json").write_text(json.dumps(EVENT))
    return root


def _seen(layer: Path) -> Path:
    """Where the function sees a layer's folder: in /opt where the sandbox mounts it there
    as Lambda does (runtime/lambda_paths.py), else as built."""
    return Path("/opt") / layer.name if private_tmp_allowed() else layer


def _invoke(app: Path, template: Path) -> tuple[dict[str, object], str]:
    done = workbench("invoke", "Hello", "--template", str(template), "--build",
                     "--event", str(app / "event.json"))
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1]), done.stdout + done.stderr


def test_the_stand_in_is_built_from_pypi_without_what_the_runtime_has(app: Path) -> None:
    response, output = _invoke(app, app / "template.yaml")
    assert response["statusCode"] == 200
    body = json.loads(str(response["body"]))
    layer = app / ".aws-sam" / "build" / LAYER / "python"
    assert Path(body["powertools"]).is_relative_to(_seen(layer))
    assert not Path(body["boto3"]).is_relative_to(_seen(layer))  # the runtime's, as on Lambda
    assert not list(layer.glob("boto*")) and not list(layer.glob("urllib3*"))
    assert re.search(rf"aws-lambda-powertools 3\.\d+\.\d+ from PyPI stands in for "
                     rf"arn:aws:lambda:us-east-1:017000801446:layer:{LAYER}:18", output)
    # Powertools reads the context awslambdaric hands it: the request id of START.
    request_id = re.search(r"START RequestId: (\S+)", output)
    line = next(json.loads(text) for text in output.splitlines()
                if text.startswith("{") and "hello called" in text)
    assert request_id and line["function_request_id"] == request_id[1]
    assert (line["level"], line["service"], line["cold_start"]) == ("INFO", "hello", True)
    assert line["function_name"] == "Hello"


def test_the_build_output_runs_with_the_stand_in_beside_it(app: Path) -> None:
    built = app / ".aws-sam" / "build" / "template.yaml"
    if not built.is_file():
        _invoke(app, app / "template.yaml")
    assert f"{LAYER}:18" in built.read_text()  # `sam deploy` still gets the published ARN
    response, _ = _invoke(app, built)
    body = json.loads(str(response["body"]))
    assert Path(body["powertools"]).is_relative_to(
        _seen(app / ".aws-sam" / "build" / LAYER / "python"))


def test_a_build_without_the_stand_in_says_so(app: Path, tmp_path: Path) -> None:
    """`sam build` leaves the ARN and makes no stand-in: the build is taken as it is."""
    built = tmp_path / "sam" / ".aws-sam" / "build"
    shutil.copytree(app / "hello", built / "Hello")
    (built / "template.yaml").write_text((app / "template.yaml").read_text().replace(
        "CodeUri: hello", "CodeUri: Hello"))
    done = workbench("invoke", "Hello", "--template", str(built / "template.yaml"),
                     "--event", str(app / "event.json"))
    assert done.returncode == 1  # Runtime.ImportModuleError, as without the layer on AWS
    assert (f"layer {LAYER}: the stand-in for arn:aws:lambda:us-east-1:017000801446:layer:"
            f"{LAYER}:18 is not in this build (`workbench build` makes it)") in done.stderr
    assert "Runtime.ImportModuleError" in done.stdout


def test_a_layer_for_another_python_is_named_when_its_binaries_cannot_load(
        app: Path, tmp_path: Path) -> None:
    """A V3 layer is built for the Python its name gives; Lambda attaches it to a function on
    another runtime, where (python3.12's glibc 2.34 on python3.11's 2.26) it cannot load."""
    other = tmp_path / "other"
    shutil.copytree(app, other, ignore=shutil.ignore_patterns(".aws-sam"))
    template = other / "template.yaml"
    template.write_text(template.read_text().replace("-python311-x86_64:", "-python312-x86_64:"))
    done = workbench("build", "--template", str(template))
    assert done.returncode == 2
    assert ("Hello: layer AWSLambdaPowertoolsPythonV3-python312-x86_64, built for python3.12 "
            "x86_64, on python3.11 x86_64: python/") in done.stderr
    assert "needs GLIBC_2.34, newer than the 2.26 of python3.11's" in done.stderr


def test_a_release_that_is_not_on_pypi_is_one_line_naming_the_parameter(
        tmp_path: Path) -> None:
    (tmp_path / "fn").mkdir()
    (tmp_path / "fn" / "app.py").write_text("def handler(event, context):\n    return 1\n")
    (tmp_path / "template.yaml").write_text(
        "Resources:\n  Fn:\n    Type: AWS::Lambda::Function\n    Properties:\n"
        "      Code: fn\n      Handler: app.handler\n      Runtime: python3.12\n      Layers:"
        " ['{{resolve:ssm:/aws/service/powertools/python/x86_64/python3.12/3.99.0}}']\n")
    done = workbench("build", "--template", str(tmp_path / "template.yaml"))
    assert done.returncode == 2 and done.stderr.count("\n") == 1
    assert done.stderr.startswith(
        "workbench: layer AWSLambdaPowertoolsPythonV3-python312-x86_64-3_99_0, the stand-in "
        "for the SSM parameter /aws/service/powertools/python/x86_64/python3.12/3.99.0: "
        "aws-lambda-powertools==3.99.0 has no wheel")
    assert "earlier)" in done.stderr  # the newest versions, not all of them


def test_a_pinned_release_gets_the_dependencies_of_its_day(tmp_path: Path) -> None:
    """Powertools 3.2.0's layer was built on 2024-10-22, with pydantic 2.9.2: today's
    pydantic breaks some of that release's event handler, as the example app showed."""
    (tmp_path / "fn").mkdir()
    (tmp_path / "fn" / "app.py").write_text(
        "import pydantic\n\ndef handler(event, context):\n    return pydantic.VERSION\n")
    (tmp_path / "template.yaml").write_text(
        "Resources:\n  Fn:\n    Type: AWS::Lambda::Function\n    Properties:\n"
        "      Code: fn\n      Handler: app.handler\n      Runtime: python3.12\n      Layers:"
        " ['{{resolve:ssm:/aws/service/powertools/python/x86_64/python3.12/3.2.0}}']\n")
    done = workbench("invoke", "Fn", "--template", str(tmp_path / "template.yaml"))
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == "2.9.2"
    assert "with the dependencies PyPI had before 2024-10-23T09:03:11+00:00" in done.stderr
