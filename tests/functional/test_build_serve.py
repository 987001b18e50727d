"""`workbench serve` when one function's build fails: that function is not run (the banner,
/_workbench/health and every request to it say so, as AWS answers for a function in state
Failed), the others serve; fixing it with hot reload on serves it; when nothing builds,
serve is one line and exit 2. `workbench build` still fails on any failed function.

pip runs with the machine's own configuration (as `serve` does for a user): a requirement
that exists on no index fails in a few seconds, and nothing is cached for it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from botocore.exceptions import ClientError

from tests.cli import workbench
from tests.servers import answer, lambda_client
from workbench.pytest_plugin import ServerProcess, start_server, wait_for

pytestmark = pytest.mark.functional

MISSING = "no-such-package-wbtest==1.0"  # on no index (PyPI answers 404 at once)
HANDLER = "def handler(event, context):\n    return {'statusCode': 200, 'body': 'ok'}\n"
FUNCTION = """\
  {name}:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: {name}
      Handler: app.handler
      Runtime: python3.11
{layers}      Events:
        Rest: {{Type: Api, Properties: {{Path: /{name}, Method: get}}}}
        Http: {{Type: HttpApi, Properties: {{Path: /http/{name}, Method: get}}}}
"""
LAYER = """\
  Lib:
    Type: AWS::Serverless::LayerVersion
    Properties: {ContentUri: lib}
    Metadata: {BuildMethod: python3.11}
"""


def app(root: Path, broken: dict[str, str | None], layered: tuple[str, ...] = ()) -> Path:
    """A template with a function per name in `broken` (its requirements.txt, "" for
    none, None for no CodeUri folder at all); the `layered` ones use a layer whose
    requirements name MISSING."""
    resources = LAYER if layered else ""
    root.mkdir(parents=True, exist_ok=True)
    for name, requirements in broken.items():
        if requirements is None:
            resources += FUNCTION.format(name=name, layers="")
            continue
        (root / name).mkdir(parents=True)
        (root / name / "app.py").write_text(HANDLER)
        if requirements:
            (root / name / "requirements.txt").write_text(requirements)
        layers = "      Layers: [!Ref Lib]\n" if name in layered else ""
        resources += FUNCTION.format(name=name, layers=layers)
    if layered:
        (root / "lib").mkdir()
        (root / "lib" / "requirements.txt").write_text(MISSING + "\n")
    path = root / "template.yaml"
    path.write_text("Transform: AWS::Serverless-2016-10-31\nResources:\n" + resources)
    return path


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    root = tmp_path_factory.mktemp("partly-broken")
    path = app(root / "app", {"Good": "", "Broken": MISSING + "\n", "Layered": "",
                              "Nowhere": None}, layered=("Layered",))
    running = start_server(path, root / "serve.log", "--no-reload")
    yield running
    running.stop()


def test_the_functions_that_build_serve(http: httpx.Client) -> None:
    assert http.get("/Good").text == "ok"
    assert http.get("/http/Good").text == "ok"


@pytest.mark.parametrize("function", ["Broken", "Layered", "Nowhere"])
def test_a_route_to_a_function_not_built_is_api_gateways_answer(http: httpx.Client,
                                                                function: str) -> None:
    # Lambda rejects the invocation, so API Gateway answers 500 (REST and HTTP APIs).
    assert answer(http.get(f"/{function}")) == (500, {"message": "Internal server error"})
    assert answer(http.get(f"/http/{function}")) == (500, {"message": "Internal Server Error"})


@pytest.mark.parametrize("invocation_type", ["RequestResponse", "Event", "DryRun"])
def test_the_invoke_api_answers_as_for_a_function_in_state_failed(
        server: ServerProcess, invocation_type: str) -> None:
    with pytest.raises(ClientError) as caught:
        lambda_client(server).invoke(FunctionName="Broken", InvocationType=invocation_type,
                                     Payload=b"{}")
    error = caught.value.response
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 409
    assert error["Error"]["Code"] == "ResourceConflictException"
    assert error["Error"]["Message"] == ("The operation cannot be performed at this time. The "
                                         "function is currently in the following state: Failed")
    assert error["Type"] == "User"


def test_health_lists_each_function_not_built_with_its_builds_error(
        http: httpx.Client) -> None:
    health = http.get("/_workbench/health").json()
    assert health["functions"] == ["Broken", "Good", "Layered", "Nowhere"]
    assert set(health["not_built"]) == {"Broken", "Layered", "Nowhere"}
    assert MISSING in health["not_built"]["Broken"]
    assert "Broken/requirements.txt" in health["not_built"]["Broken"]
    assert "lib/requirements.txt" in health["not_built"]["Layered"]
    assert health["not_built"]["Nowhere"].startswith("Nowhere: its CodeUri ")
    assert "does not exist" in health["not_built"]["Nowhere"]


def test_the_dashboards_function_list_says_which_are_not_run(http: httpx.Client) -> None:
    listed = {f["name"]: f["not_built"] for f in http.get("/_workbench/functions").json()}
    health = http.get("/_workbench/health").json()["not_built"]
    assert listed == {"Good": None, **health}


def test_the_banner_and_the_console_say_it_in_one_line(server: ServerProcess,
                                                      http: httpx.Client) -> None:
    http.get("/Broken")
    lines = wait_for(lambda: [line for line in server.output().splitlines()
                              if line.startswith("[Broken] ResourceConflictException")],
                     what="the console line of a request to Broken")
    assert lines[0].startswith("[Broken] ResourceConflictException -> 500: its build "
                               "failed: ") and MISSING in lines[0]
    output = server.output().splitlines()
    (banner,) = [line for line in output if line.startswith("  not run: Broken:")]
    assert banner.startswith("  not run: Broken: its build failed: ") and MISSING in banner
    assert any(line.startswith("  Function Broken:") and line.endswith(", not built")
               for line in output)
    assert not any("Traceback" in line for line in output)


def test_fixing_the_requirements_serves_it_with_hot_reload(tmp_path: Path) -> None:
    path = app(tmp_path / "app", {"Good": "", "Broken": MISSING + "\n", "Nowhere": None})
    running = start_server(path, tmp_path / "serve.log")
    try:
        with httpx.Client(base_url=running.url, timeout=60) as http:
            assert http.get("/Broken").status_code == 500
            requirements = path.parent / "Broken" / "requirements.txt"
            requirements.write_text("still-no-such-package-wbtest==2.0\n")
            wait_for(lambda: "still-no-such-package-wbtest" in str(
                http.get("/_workbench/health").json()["not_built"]), 120,
                     "the second failed build")
            assert "[Broken] build failed, not run: " in running.output()
            assert "[Broken] code changed" not in running.output()
            requirements.write_text("# nothing needed\n")
            wait_for(lambda: http.get("/Broken").status_code == 200, 120,
                     "Broken to serve after its requirements were fixed")
            assert list(http.get("/_workbench/health").json()["not_built"]) == ["Nowhere"]
            assert http.get("/Good").text == "ok"
            # A CodeUri corrected in the template: the template reload builds it.
            path.write_text(path.read_text().replace("CodeUri: Nowhere", "CodeUri: Good"))
            wait_for(lambda: http.get("/Nowhere").status_code == 200, 120,
                     "Nowhere to serve once its CodeUri names a folder")
            assert http.get("/_workbench/health").json()["not_built"] == {}
            wait_for(lambda: "[Broken] code changed (requirements.txt)" in running.output(),
                     what="the reload's line")
    finally:
        running.stop()


def test_nothing_built_is_one_line_and_exit_2_while_build_fails_on_any(
        tmp_path: Path) -> None:
    path = app(tmp_path / "app", {"One": MISSING + "\n", "Two": "not a requirement!\n"})
    done = workbench("serve", "--template", str(path), "--port", "0", "--no-reload")
    assert done.returncode == 2, done.stdout + done.stderr
    (line,) = done.stderr.strip().splitlines()
    assert line.startswith("workbench: no function could be built: One: ") and MISSING in line
    assert "; Two: " in line and "not a requirement!" in line
    (path.parent / "One" / "requirements.txt").unlink()  # One builds now, Two does not
    done = workbench("build", "--template", str(path))
    assert done.returncode == 2, done.stdout + done.stderr
    (line,) = done.stderr.strip().splitlines()
    assert "Two/requirements.txt" in line
