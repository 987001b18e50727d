"""The dashboard's endpoints over real HTTP: the event stream (JSON lines and SSE), the
function list, one invocation's log, and the reports found in the working folder."""

from __future__ import annotations

import json
import re
import shutil
import signal
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from workbench.pytest_plugin import ServerProcess, start_server, wait_for

pytestmark = pytest.mark.functional
APP = Path(__file__).parent / "dashboard_app"


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The server's working folder, holding a replay report, a simulation report and
    a folder of reports it must not look into."""
    root = tmp_path_factory.mktemp("workdir")
    for folder, summary in [("out/replay", {"events": 3, "identical": 3, "changed": 0,
                                            "failed": 0, "cold_starts": 1, "throttles": 0}),
                            ("sim", {"invocations": 100, "cold_starts": 4, "cost": {}}),
                            (".hidden/replay", {"identical": 1, "changed": 0})]:
        (root / folder).mkdir(parents=True)
        (root / folder / "report.json").write_text(json.dumps(summary))
        (root / folder / "report.html").write_text(f"<html>{folder}</html>")
    (root / "notes").mkdir()
    (root / "notes" / "report.json").write_text('{"something": "else"}')
    (root / "notes" / "report.html").write_text("<html>not a report</html>")
    return root


@pytest.fixture(scope="module")
def server(workdir: Path) -> Iterator[ServerProcess]:
    running = start_server(APP / "template.yaml", workdir / "serve.log", "--no-reload",
                           cwd=workdir)
    yield running
    running.stop()


@pytest.fixture(scope="module")
def http(server: ServerProcess) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=30) as client:
        yield client


def lines(response: httpx.Response) -> list[dict[str, Any]]:
    assert response.headers["content-type"].startswith("application/x-ndjson")
    return [json.loads(line) for line in response.text.splitlines()]


def invocations(http: httpx.Client, since: int = 0) -> list[dict[str, Any]]:
    events = lines(http.get("/_workbench/events", params={"since": since}))
    return [e for e in events if e["kind"] == "invocation"]


def test_each_invocation_is_an_event_with_its_log(http: httpx.Client) -> None:
    start = http.get("/_workbench/events").text.count("\n")
    assert http.post("/work", json={}).status_code == 200
    assert http.post("/2015-03-31/functions/Slow/invocations", json={}).status_code == 200
    api, invoke = invocations(http)[-2:]
    assert api["route"] == "POST /work" and api["path"] == "/work"
    assert api["source"] == "apigw-rest" and api["status"] == 200
    assert invoke["source"] == "invoke" and invoke["route"] == ""
    assert api["seq"] < invoke["seq"] and api["seq"] > start
    for event in (api, invoke):
        assert event["function"] == "Slow" and event["throttled"] is False
        assert event["duration_ms"] > 0 and event["max_memory_used_mb"] > 0
        log = http.get(f"/_workbench/logs/Slow/{event['request_id']}")
        assert log.status_code == 200
        assert f"START RequestId: {event['request_id']}" in log.text
        assert "worked on" in log.text and "REPORT RequestId" in log.text
    assert invocations(http, since=api["seq"]) == [invoke]


def test_environment_lifecycle_is_in_the_stream(http: httpx.Client) -> None:
    http.post("/work", json={})
    changes = [(e["change"], e["environment"]["state"])
               for e in lines(http.get("/_workbench/events")) if e["kind"] == "environment"]
    assert changes[:2] == [("starting", "starting"), ("ready", "idle")]


def test_throttle_is_an_event(http: httpx.Client, workbench_shared_path: Path) -> None:
    release = workbench_shared_path / "release"  # the function's /tmp is its own
    with ThreadPoolExecutor(1) as pool:
        first = pool.submit(http.post, "/work", json={"wait_for": str(release)})
        try:
            wait_for(lambda: any(e["state"] == "busy" for e in
                                 http.get("/_workbench/environments").json()), 20, "busy")
            throttled = http.post("/work", json={})
            assert throttled.status_code == 500  # REST API proxy: Lambda's 429 becomes 500
        finally:
            release.touch()
        assert first.result().status_code == 200
    event = [e for e in invocations(http) if e["throttled"]][-1]
    assert event["status"] == 500 and "request_id" not in event and "duration_ms" not in event
    assert http.get("/_workbench/logs/Slow/nope").status_code == 404


def test_the_stream_carries_the_environments_as_they_change(
        http: httpx.Client, workbench_shared_path: Path) -> None:
    """What the page follows instead of polling: the environments after the hello, and
    again whenever they changed, busy and idle included (which are not events)."""
    assert http.post("/work", json={}).status_code == 200  # one environment, idle
    release = workbench_shared_path / "release-stream"
    snapshots: list[list[dict[str, Any]]] = []

    def states(at: int) -> str:
        return ",".join(e["state"] for e in snapshots[at])

    params = {"detail": 5, "interval": 0.1, "environments": "true"}
    with http.stream("GET", "/_workbench/events", params=params,
                     headers={"Accept": "text/event-stream"}) as stream, \
            ThreadPoolExecutor(1) as pool:
        call = None
        for line in stream.iter_lines():
            if not line.startswith("data: "):
                continue
            batch = json.loads(line[6:])
            for event in batch:
                if event["kind"] == "environments":
                    snapshots.append(event["environments"])
            if call is None:  # the first message: the hello with the environments
                assert [e["kind"] for e in batch] == ["hello", "environments"]
                call = pool.submit(http.post, "/work", json={"wait_for": str(release)})
            elif states(-1) == "busy" and not release.exists():
                release.touch()  # seen busy with no event in between: let it finish
            elif release.exists() and states(-1) == "idle":
                break
        assert call is not None and call.result().status_code == 200
    seen = [states(at) for at in range(len(snapshots))]
    assert seen[0] == "idle" and "busy" in seen and seen[-1] == "idle"
    # sent only when they changed
    assert all(a != b for a, b in zip(snapshots[1:], snapshots[:-1], strict=True))


def test_follow_streams_new_events_as_they_come(http: httpx.Client) -> None:
    last = http.get("/_workbench/events").text.splitlines()[-1]
    since = json.loads(last)["seq"]
    with http.stream("GET", "/_workbench/events",
                     params={"since": since, "follow": "true"}) as stream:
        http.post("/work", json={"n": 1})
        line = next(stream.iter_lines())
    event = json.loads(line)
    assert event["seq"] > since and event["kind"] in ("invocation", "environment")


def test_sse_resumes_from_last_event_id(http: httpx.Client) -> None:
    http.post("/work", json={})
    seq = json.loads(http.get("/_workbench/events").text.splitlines()[-1])["seq"]
    headers = {"Accept": "text/event-stream", "Last-Event-ID": str(seq - 1)}
    with http.stream("GET", "/_workbench/events", headers=headers) as stream:
        assert stream.headers["content-type"].startswith("text/event-stream")
        received: list[str] = []
        for line in stream.iter_lines():
            received.append(line)
            if received[-2:-1] == [f"id: {seq}"]:  # the data line after that id
                break
    batches = [json.loads(line[6:]) for line in received if line.startswith("data: ")]
    assert received[0] == "retry: 1000" and batches[0][0]["kind"] == "hello"
    assert batches[0][0]["last_seq"] >= seq
    assert [e["seq"] for e in batches[-1]][-1] == seq  # a batch's id is its last event's


def test_a_digest_counts_what_it_leaves_out(http: httpx.Client) -> None:
    since = max([e["seq"] for e in lines(http.get("/_workbench/events"))], default=0)
    for n in range(4):
        assert http.post("/work", json={"n": n}).status_code == 200
    digested = lines(http.get("/_workbench/events", params={"since": since, "detail": 1}))
    shown = [e for e in digested if e["kind"] == "invocation"]
    (omitted,) = [e for e in digested if e["kind"] == "omitted"]
    plain = [e for e in shown if not e["cold"]]  # a cold start (if any) is shown too
    assert len(plain) == 1 and plain[0]["seq"] == max(e["seq"] for e in shown)
    assert len(shown) + omitted["functions"]["Slow"]["calls"] == 4
    assert digested[-1]["seq"] == max(e["seq"] for e in shown)  # resume from the last line


@pytest.mark.parametrize("query", ["since=-1", "since=abc", "since=1e3", "follow=maybe",
                                   "environments=x", "since=" + "9" * 40, "detail=0",
                                   "detail=x",
                                   "detail=100000", "detail=" + "9" * 5000,
                                   "interval=0", "interval=nan",
                                   "interval=11", "interval=-1"])
def test_bad_query_is_a_400(http: httpx.Client, query: str) -> None:
    response = http.get(f"/_workbench/events?{query}")
    assert response.status_code == 400 and "since" in response.json()["message"]


def test_a_cursor_from_before_a_restart_starts_over(http: httpx.Client) -> None:
    events = lines(http.get("/_workbench/events", params={"since": 10**15}))
    assert events and events[0]["seq"] == 1


def test_functions_list_settings_and_routes(http: httpx.Client) -> None:
    (slow,) = http.get("/_workbench/functions").json()
    assert slow["name"] == "Slow" and slow["memory_mb"] == 128 and slow["timeout_s"] == 30
    assert slow["reserved_concurrency"] == 1
    assert slow["routes"] == [{"method": "POST", "path": "/work", "api": "ServerlessRestApi",
                               "kind": "rest", "payload_version": "1.0"}]


def test_page_is_self_contained(http: httpx.Client) -> None:
    page = http.get("/_workbench/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "default-src 'none'" in page.headers["content-security-policy"]
    assert not re.search(r"""(src|href)=["'](https?:)?//""", page.text)  # nothing from elsewhere
    for asset, kind in [("app.js", "text/javascript"), ("style.css", "text/css")]:
        response = http.get(f"/_workbench/static/{asset}")
        assert response.status_code == 200 and response.headers["content-type"].startswith(kind)
        urls = set(re.findall(r"https?://[^\s\"'`]+", response.text))
        assert urls <= {"http://www.w3.org/2000/svg"}  # a namespace name, never fetched
    assert http.get("/_workbench/static/..%2Fevents.py").status_code == 404
    assert http.get("/_workbench/static/index.html").status_code == 404


def test_reports_in_the_working_folder(http: httpx.Client, workdir: Path) -> None:
    found = http.get("/_workbench/reports").json()
    assert sorted((r["kind"], r["path"]) for r in found) == [
        ("replay", "out/replay/report.html"), ("simulation", "sim/report.html")]
    replay = next(r for r in found if r["kind"] == "replay")
    assert replay["summary"] == {"events": 3, "identical": 3, "changed": 0, "failed": 0,
                                 "cold_starts": 1, "throttles": 0}
    page = http.get("/_workbench/reports/out/replay/report.html")
    assert page.status_code == 200 and page.text == "<html>out/replay</html>"
    outside = workdir.parent / "elsewhere"
    outside.mkdir(exist_ok=True)
    shutil.copytree(workdir / "sim", outside / "sim", dirs_exist_ok=True)
    for path in ["../elsewhere/sim/report.html", "notes/report.html", "out/replay/report.json",
                 "%2e%2e/elsewhere/sim/report.html", "serve.log", "nothing/report.html"]:
        assert http.get(f"/_workbench/reports/{path}").status_code == 404, path


def test_open_streams_end_when_the_server_stops(tmp_path: Path) -> None:
    # With a grace period far longer than the deadline below, the server only stops in
    # time if the open streams end as shutdown begins.
    running = start_server(APP / "template.yaml", tmp_path / "serve.log", "--no-reload",
                           "--grace", "120", cwd=tmp_path)
    try:
        with httpx.Client(base_url=running.url, timeout=60) as http, \
                http.stream("GET", "/_workbench/events", params={"follow": "true"}) as jsonl, \
                http.stream("GET", "/_workbench/events",
                            headers={"Accept": "text/event-stream"}) as sse:
            sse_lines = sse.iter_lines()
            assert next(sse_lines) == "retry: 1000"
            running.process.send_signal(signal.SIGTERM)
            assert list(jsonl.iter_lines()) == []  # ended, cleanly, with nothing buffered
            assert all(not line.startswith("data") or "hello" in line for line in sse_lines)
        wait_for(lambda: running.process.poll() is not None, 60, "the server to stop")
    finally:
        running.stop()
    assert running.process.returncode in (0, -signal.SIGTERM)  # uvicorn re-raises it
    assert "Traceback" not in running.output()


def test_a_reloaded_template_is_an_event_and_the_functions_follow(tmp_path: Path) -> None:
    shutil.copytree(APP, tmp_path / "app")
    template = tmp_path / "app" / "template.yaml"
    running = start_server(template, tmp_path / "serve.log", cwd=tmp_path)
    try:
        with httpx.Client(base_url=running.url, timeout=30) as http:
            template.write_text(template.read_text().replace("MemorySize: 128",
                                                             "MemorySize: 256"))
            wait_for(lambda: any(e["kind"] == "template" for e in
                                 lines(http.get("/_workbench/events"))), 60, "the reload")
            assert http.get("/_workbench/functions").json()[0]["memory_mb"] == 256
    finally:
        running.stop()
