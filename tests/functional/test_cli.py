"""The CLI as a user runs it: real subprocesses, one-line errors with exit code 2."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from tests.cli import workbench

pytestmark = pytest.mark.functional
APPS = Path(__file__).parent / "apps"
TEMPLATE = str(APPS / "template.yaml")


def test_invoke_prints_payload_and_log(tmp_path: Path) -> None:
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"action": "context"}))
    done = workbench("invoke", "Echo", "--template", TEMPLATE, "--event", str(event))
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["statusCode"] == 200
    log = done.stderr
    assert "START RequestId:" in log and "Init Duration:" in log


def test_invoke_from_stdin_and_function_error_exit_code() -> None:
    done = workbench("invoke", "Echo", "--template", TEMPLATE, "--event", "-",
                     stdin=b'{"action": "raise"}')
    assert done.returncode == 1
    assert json.loads(done.stdout)["errorType"] == "ValueError"


@pytest.mark.parametrize("args, stdin, message", [
    (["invoke", "Nope"], None, "no function 'Nope'"),
    (["invoke", "Echo", "--event", "/no/such/file.json"], None, "no such file"),
    (["invoke", "Echo", "--event", "-"], b"{not json", "event is not valid JSON"),
    (["invoke", "Echo", "--event", "-"], b"\xff\xfe", "event is not UTF-8"),
    (["functions", "--template", "/no/such/template.yaml"], None, "no such file"),
    (["serve", "--port", "notaport"], None, "invalid int value"),
    (["nonsense"], None, "invalid choice"),
])
def test_mistakes_are_one_line_and_exit_2(args: list[str], stdin: bytes | None,
                                          message: str) -> None:
    if args[0] == "invoke":
        args = [*args, "--template", TEMPLATE]
    done = workbench(*args, stdin=stdin)
    assert done.returncode == 2
    err = done.stderr.strip()
    assert message in err and len(err.splitlines()) == 1, err


def test_functions_lists_the_template() -> None:
    done = workbench("functions", "--template", TEMPLATE, "--json")
    assert done.returncode == 0
    rows = {row["name"]: row for row in json.loads(done.stdout)["functions"]}
    assert rows["Limited"]["reserved"] == 1 and rows["Warm"]["provisioned"] == 1
    assert "POST /echo (rest)" in rows["Echo"]["routes"]


def test_events_generate_uses_the_template_route() -> None:
    done = workbench("events", "generate", "apigw-rest", "--method", "GET", "--path",
                     "/items/7", "--query", "a=1&a=2", "--header", "X-Id=1",
                     "--template", TEMPLATE)
    assert done.returncode == 0, done.stderr
    event = json.loads(done.stdout)
    assert event["resource"] == "/items/{id}" and event["pathParameters"] == {"id": "7"}
    assert event["multiValueQueryStringParameters"] == {"a": ["1", "2"]}
    assert event["headers"]["X-Id"] == "1"


def test_events_generate_bad_header_is_exit_2() -> None:
    done = workbench("events", "generate", "apigw-http", "--header", "novalue")
    assert done.returncode == 2 and "expected NAME=VALUE" in done.stderr


def test_invoke_with_a_fixture_event() -> None:
    done = workbench("invoke", "Echo", "--template", TEMPLATE, "--event", "apigw-rest/post-json")
    assert done.returncode == 0, done.stderr
    body = json.loads(json.loads(done.stdout)["body"])
    assert body["event"]["httpMethod"] == "POST"


def test_serve_on_a_taken_port_is_one_line_and_exit_2(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = workbench("serve", "--template", TEMPLATE, "--port", str(port),
                         "--record", str(tmp_path / "traces"))
    assert done.returncode == 2
    assert done.stderr == f"workbench: cannot listen on 127.0.0.1:{port}: Address already in use\n"
    assert not (tmp_path / "traces").exists()  # nothing was started or opened
