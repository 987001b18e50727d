"""What `workbench localstack deploy` publishes: each function's build, dependencies and all."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.functional.build_helpers import function_template, heavy_wheel, isolate_pip
from workbench.localstack.deploy import Deployment
from workbench.runtime.sandboxes import private_tmp_allowed

pytestmark = pytest.mark.localstack
POWERTOOLS = Path(__file__).parents[1] / "functional" / "apps" / "powertools"


def test_the_handlers_deploy_as_their_builds_through_s3(handlers: Deployment,
                                                       aws: Callable[[str], Any]) -> None:
    lam = aws("lambda")
    for logical_id in ("NerFunction", "QaFunction"):  # both fit, both over 50 MB zipped
        found = lam.get_function(FunctionName=handlers.functions[logical_id])
        assert found["Configuration"]["CodeSize"] > 52_428_800, logical_id
        assert not found["Code"]["Location"].startswith("file://")  # a .zip, not a folder


def test_a_function_over_the_unzipped_limit_runs_its_build_in_place(
        localstack_deploy: Callable[[Path], Deployment], aws: Callable[[str], Any],
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    heavy_wheel(isolate_pip(monkeypatch, tmp_path, offline=True))
    path = function_template(tmp_path / "app", "heavy==1.0\n")
    (tmp_path / "app" / "fn" / "app.py").write_text(
        "import heavy\n\ndef handler(event, context):\n    return heavy.__file__\n")
    deployed = localstack_deploy(path)
    lam = aws("lambda")
    name = deployed.functions["Fn"]
    built = path.parent / ".aws-sam" / "build" / "Fn"
    assert lam.get_function(FunctionName=name)["Code"]["Location"] == f"file://{built}"
    answer = lam.invoke(FunctionName=name, Payload=b"{}")
    assert "FunctionError" not in answer, answer["Payload"].read()
    # The build runs, at /var/task where the sandbox mounts it as Lambda does.
    task_root = Path("/var/task") if private_tmp_allowed() else built
    assert json.loads(answer["Payload"].read()) == str(task_root / "heavy" / "__init__.py")


def test_the_powertools_stand_in_is_published_as_the_functions_layer(
        localstack_deploy: Callable[[Path], Deployment], aws: Callable[[str], Any],
        tmp_path: Path) -> None:
    app = tmp_path / "powertools"
    shutil.copytree(POWERTOOLS, app)
    deployed = localstack_deploy(app / "template.yaml")
    lam = aws("lambda")
    name = deployed.functions["Hello"]
    layers = lam.get_function(FunctionName=name)["Configuration"]["Layers"]
    assert [layer["Arn"].split(":")[-2] for layer in layers] == [
        "workbench-AWSLambdaPowertoolsPythonV3-python311-x86_64"]
    event = {"resource": "/hello", "path": "/hello", "httpMethod": "GET", "headers": {},
             "requestContext": {"resourcePath": "/hello", "httpMethod": "GET"}}
    answer = lam.invoke(FunctionName=name, Payload=json.dumps(event).encode())
    assert "FunctionError" not in answer, answer["Payload"].read()
    body = json.loads(json.loads(answer["Payload"].read())["body"])
    assert "/python/aws_lambda_powertools/" in body["powertools"]
    assert "/python/boto3/" not in body["boto3"]  # the runtime's, as on Lambda
