"""Record real traffic, replay it locally and against a live server, compare and report."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from tests import cli
from workbench.pytest_plugin import free_port, start_server
from workbench.replay.run import Summary

pytestmark = pytest.mark.functional
APPS = Path(__file__).parent / "apps"
TEMPLATE = str(APPS / "template.yaml")


def counts(stdout: str) -> dict[str, str]:
    """The summary table's rows, `name value`, whatever the table's borders."""
    return dict(re.findall(r"^\s*([a-z][a-z0-9 _]*?)\s{2,}(\S+)\s*$", stdout, re.MULTILINE))


def workbench(*args: str) -> subprocess.CompletedProcess[str]:
    # A port where no LocalStack runs, whatever else the machine has.
    return cli.workbench(*args, env={"WORKBENCH_LOCALSTACK_PORT": str(free_port())})


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("record")
    server = start_server(APPS / "template.yaml", directory / "serve.log", "--no-reload",
                          "--record", str(directory / "traces"))
    with httpx.Client(base_url=server.url, timeout=30) as client:
        for i in range(12):
            client.get(f"/items/{i}?tag=a&tag=b")
        client.post("/v2/echo", json={"x": 1}, headers={"Cookie": "a=1; a=2"})
        client.post("/echo", json={"action": "raise"})
    server.stop()
    [trace] = list((directory / "traces").glob("*.jsonl"))
    return trace


def test_local_replay_is_identical_and_reports(recorded: Path, tmp_path: Path) -> None:
    done = workbench("replay", str(recorded), "--target", "local", "--template", TEMPLATE,
                     "--speed", "max", "--report", str(tmp_path / "report"))
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads((tmp_path / "report" / "report.json").read_text())
    assert report["events"] == 14 and report["identical"] == 14 and report["cold_starts"] >= 1
    assert "<svg" in (tmp_path / "report" / "report.html").read_text()


def test_a_changed_handler_is_a_changed_response_and_exit_1(recorded: Path,
                                                             tmp_path: Path) -> None:
    lines = recorded.read_text().splitlines()
    first = json.loads(lines[0])
    first["response"]["body"] = json.dumps({"greeting": "something else"})
    (tmp_path / "edited.jsonl").write_text("\n".join([json.dumps(first), *lines[1:]]))
    done = workbench("replay", str(tmp_path / "edited.jsonl"), "--template", TEMPLATE,
                     "--speed", "max")
    assert done.returncode == 1
    assert counts(done.stdout)["changed"] == "1" and "something else" in done.stdout
    assert "replay" in done.stderr and "14/14" in done.stderr  # the progress bar's end


def test_replay_against_a_live_server(recorded: Path, tmp_path: Path) -> None:
    server = start_server(APPS / "template.yaml", tmp_path / "serve.log", "--no-reload")
    try:
        done = workbench("replay", str(recorded), "--target", server.url, "--speed", "10")
    finally:
        server.stop()
    assert done.returncode == 0, done.stdout + done.stderr
    assert counts(done.stdout)["identical"] == "14"


@pytest.mark.parametrize("args, message", [
    (["--target", "http://127.0.0.1:9"], "unreachable"),
    (["--speed", "fast"], "a positive number or max"),
    (["--target", "localstack"], "LocalStack is not running"),
    (["--target", "ftp://x"], "use local, localstack or an http(s)://"),
])
def test_bad_targets_and_flags(recorded: Path, args: list[str], message: str) -> None:
    done = workbench("replay", str(recorded), "--template", TEMPLATE, *args)
    assert done.returncode == 2 and message in done.stderr


def test_bad_lines_and_unknown_functions_are_reported_and_the_rest_replays(
        recorded: Path, tmp_path: Path) -> None:
    lines = recorded.read_text().splitlines()
    stranger = json.loads(lines[0])
    stranger["function"] = "Nope"
    trace = tmp_path / "mixed.jsonl"
    trace.write_text("\n".join([lines[0], "not json", json.dumps(stranger), lines[1],
                                lines[2][:30]]))
    done = workbench("replay", str(trace), "--template", TEMPLATE, "--speed", "max")
    assert done.returncode == 0, done.stderr
    assert "mixed.jsonl:2: skipped" in done.stderr and "mixed.jsonl:5: skipped" in done.stderr
    assert "no function 'Nope'" in done.stderr and counts(done.stdout)["identical"] == "2"


def test_only_the_functions_called_are_built_and_a_failed_build_fails_only_its_events(
        recorded: Path, tmp_path: Path) -> None:
    apps = tmp_path / "apps"
    shutil.copytree(APPS, apps, ignore=shutil.ignore_patterns(".aws-sam"))
    (apps / "broken" / "requirements.txt").write_text("Not A Requirement!\n")
    lines = recorded.read_text().splitlines()
    to_broken = json.loads(lines[0])
    to_broken["function"] = "Broken"
    trace = tmp_path / "trace.jsonl"
    trace.write_text("\n".join([lines[0], json.dumps(to_broken), lines[1]]))
    done = workbench("replay", str(trace), "--template", str(apps / "template.yaml"),
                     "--speed", "max")
    output = done.stdout + done.stderr
    assert counts(done.stdout)["identical"] == "2", output
    assert re.search(r"error ResourceConflictException\s+1\s", done.stdout)  # state Failed
    assert re.search(r"Broken not run: its build failed: \S+requirements.txt: pip could "
                     r"not install .*Invalid requirement: 'Not A Requirement!'", done.stdout)
    assert "==> Limited" not in output and "==> Warm" not in output  # not called: not built


def test_report_dir_must_be_new_or_empty(recorded: Path, tmp_path: Path) -> None:
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x").write_text("x")
    done = workbench("replay", str(recorded), "--template", TEMPLATE, "--report",
                     str(tmp_path / "full"))
    assert done.returncode == 2 and "not empty" in done.stderr


def test_trace_profile_from_a_recording_feeds_simulate(recorded: Path, tmp_path: Path) -> None:
    done = workbench("trace", "profile", str(recorded), "--function", "Echo", "--template",
                     TEMPLATE, "-o", str(tmp_path / "p.json"))
    assert done.returncode == 0, done.stderr
    profile = json.loads((tmp_path / "p.json").read_text())
    assert profile["memory_mb"] == 256 and len(profile["samples"]["init_duration_ms"]) >= 1
    sim = workbench("simulate", "--trace", str(recorded), "--function", "Echo",
                    "--profile", str(tmp_path / "p.json"))
    assert sim.returncode == 0 and "invocations            13" in sim.stdout


def test_profile_from_a_cloudwatch_export(tmp_path: Path) -> None:
    report = ("REPORT RequestId: 1\tDuration: 12.00 ms\tBilled Duration: 12 ms\tMemory Size: "
              "512 MB\tMax Memory Used: 80 MB\tInit Duration: 300.00 ms\t")
    export = {"events": [{"timestamp": 1, "message": "START RequestId: 1"},
                         {"timestamp": 2, "message": report}]}
    (tmp_path / "export.json").write_text(json.dumps(export))
    done = workbench("trace", "profile", str(tmp_path / "export.json"), "--function", "F",
                     "-o", str(tmp_path / "p.json"))
    assert done.returncode == 0, done.stderr
    assert json.loads((tmp_path / "p.json").read_text())["samples"]["init_duration_ms"] == [
        300.0]


def test_import_har_folder_and_cloudwatch(tmp_path: Path) -> None:
    har = {"log": {"entries": [
        {"startedDateTime": "2024-05-01T10:00:00.000Z", "request": {
            "method": "GET", "url": "https://abc.execute-api.us-east-1.amazonaws.com/items/5",
            "headers": [{"name": "Accept", "value": "*/*"}]}, "response": {"status": 200}},
        {"startedDateTime": "2024-05-01T10:00:01.000Z", "request": {
            "method": "GET", "url": "https://cdn.example.com/logo.png", "headers": []}},
        {"broken": True}]}}
    (tmp_path / "t.har").write_text(json.dumps(har))
    done = workbench("trace", "import", "har", str(tmp_path / "t.har"), "--template", TEMPLATE,
                     "-o", str(tmp_path / "har.jsonl"))
    assert done.returncode == 0, done.stderr
    assert "entry 1: skipped" in done.stderr and "entry 2: skipped" in done.stderr
    [record] = [json.loads(line) for line in (tmp_path / "har.jsonl").read_text().splitlines()]
    assert record["event"]["pathParameters"] == {"id": "5"} and record["function"] == "Echo"
    events = tmp_path / "events"
    events.mkdir()
    (events / "a.json").write_text(json.dumps({"action": "context"}))
    (events / "b.json").write_text("{broken")
    done = workbench("trace", "import", "folder", str(events), "--function", "Echo", "-o",
                     str(tmp_path / "folder.jsonl"))
    assert done.returncode == 0 and "b.json: skipped" in done.stderr
    lines = [json.dumps({"timestamp": 1000, "message": "START RequestId: x"}),
             json.dumps({"timestamp": 2000, "message": 'EVENT {"action": "raise"}'}), "junk"]
    (tmp_path / "cw.jsonl").write_text("\n".join(lines))
    done = workbench("trace", "import", "cloudwatch", str(tmp_path / "cw.jsonl"),
                     "--function", "Echo", "-o", str(tmp_path / "cw-trace.jsonl"))
    assert done.returncode == 0 and ":3: skipped" in done.stderr
    assert "1 events written" in done.stdout


def test_the_pytest_helper_replays_a_trace_and_explains_changes(
        recorded: Path, tmp_path: Path, workbench_replay: Callable[..., Summary],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WORKBENCH_TEMPLATE", TEMPLATE)  # found as the CLI finds it
    summary = workbench_replay(recorded, speed="max")
    assert summary.ok, summary.explain()
    assert summary.to_dict()["identical"] == 14
    lines = recorded.read_text().splitlines()
    first = json.loads(lines[0])
    first["response"]["body"] = json.dumps({"greeting": "something else"})
    (tmp_path / "edited.jsonl").write_text("\n".join([json.dumps(first), *lines[1:]]))
    changed = workbench_replay(tmp_path / "edited.jsonl", template=TEMPLATE, speed=100)
    assert not changed.ok
    assert "1 changed" in changed.explain() and "something else" in changed.explain()
    (tmp_path / "broken.jsonl").write_text(lines[0] + "\nnot json\n")
    with pytest.raises(pytest.fail.Exception, match="line 2"):
        workbench_replay(tmp_path / "broken.jsonl", template=TEMPLATE)


def test_trace_measure_is_cold_starts_each_with_warm_calls(tmp_path: Path) -> None:
    done = workbench("trace", "measure", "Echo", "--template", TEMPLATE, "--cold", "3",
                     "--warm", "2", "-o", str(tmp_path / "echo.json"))
    assert done.returncode == 0, done.stderr
    assert "cold start 3/3 measured" in done.stderr
    profile = json.loads((tmp_path / "echo.json").read_text())
    assert profile["memory_mb"] == 256 and profile["source"] == str(tmp_path / "echo.log")
    assert len(profile["samples"]["init_duration_ms"]) == 3
    assert len(profile["samples"]["duration_ms"]) == 9
    log = (tmp_path / "echo.log").read_text()
    assert log.count("REPORT RequestId") == 9 and log.count("Init Duration") == 3
    assert len(set(re.findall(r"handling echo in pid (\d+)", log))) == 3  # 3 environments


@pytest.mark.parametrize("args, message", [
    (["Nope"], "no function 'Nope'"),
    (["Echo", "--cold", "0"], "--cold must be at least 1"),
    (["Echo", "--event", "raise.json"], "Echo failed while measuring: ValueError"),
    (["Echo", "--log", "/proc/version/x.log"], "cannot write there"),
])
def test_trace_measure_mistakes_are_one_line(tmp_path: Path, args: list[str],
                                             message: str) -> None:
    (tmp_path / "raise.json").write_text(json.dumps({"action": "raise"}))
    args = [str(tmp_path / a) if a.endswith(".json") else a for a in args]
    done = workbench("trace", "measure", *args, "--template", TEMPLATE, "-o",
                     str(tmp_path / "p.json"))
    assert done.returncode == 2 and message in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and not (tmp_path / "p.json").exists()
