"""A function debugged in place: a real DAP client attaches through `workbench serve
--debug-port`, a breakpoint in the handler's source is hit, a variable is read, the run
continues, and the invocation answers although it took longer than its 1 s timeout."""

from __future__ import annotations

import itertools
import json
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import unquote_plus

import httpx
import pytest

from tests.cli import workbench
from tests.dap import DapClient
from workbench.pytest_plugin import ServerProcess, free_port, start_server, wait_for

pytestmark = pytest.mark.functional
APP = Path(__file__).parent / "debug_app"
SOURCE = APP / "src" / "app.py"
BREAK_LINE = next(n for n, line in enumerate(SOURCE.read_text().splitlines(), 1)
                  if "# BREAK" in line)
TIMEOUT_S = 1.0  # the template's


@pytest.fixture
def debug_port() -> int:
    return free_port()


@pytest.fixture
def server(tmp_path: Path, debug_port: int) -> Iterator[ServerProcess]:
    running = start_server(APP / "template.yaml", tmp_path / "serve.log", "--no-reload",
                           "--debug-port", str(debug_port))
    yield running
    running.stop()


def attach(port: int) -> DapClient:
    """What an IDE does: initialize, attach, set the breakpoint, configuration done."""
    client = DapClient("127.0.0.1", port)
    try:
        client.request("initialize", clientID="tests", adapterID="debugpy", pathFormat="path",
                       linesStartAt1=True, columnsStartAt1=True)
        client.request("attach", justMyCode=True)
        client.event("initialized")
        reply = client.request("setBreakpoints", source={"path": str(SOURCE)},
                               breakpoints=[{"line": BREAK_LINE}])
        assert reply["body"]["breakpoints"][0]["verified"] is True
        client.request("configurationDone")
    except BaseException:
        client.close()  # not left for the garbage collector to warn about in a later test
        raise
    return client


def local_value(client: DapClient, thread: int, name: str) -> str:
    frame = client.request("stackTrace", threadId=thread)["body"]["stackFrames"][0]
    assert (frame["source"]["path"], frame["line"]) == (str(SOURCE), BREAK_LINE)
    scopes = client.request("scopes", frameId=frame["id"])["body"]["scopes"]
    local = next(s for s in scopes if s["name"].lower().startswith("locals"))
    variables = client.request("variables", variablesReference=local["variablesReference"])
    return str(next(v["value"] for v in variables["body"]["variables"] if v["name"] == name))


def test_breakpoint_variable_continue_past_the_timeout(server: ServerProcess,
                                                       debug_port: int) -> None:
    assert f"attach your IDE to 127.0.0.1:{debug_port}" in server.output()
    with httpx.Client(base_url=server.url, timeout=120) as http, ThreadPoolExecutor(1) as pool:
        call = pool.submit(http.post, "/debug", content=b'{"question": 42}')
        wait_for(lambda: "waiting for the debugger" in server.output(), 60,
                 "the environment to wait for the debugger")
        client = attach(debug_port)
        try:
            stopped = client.event("stopped")
            stopped_at = time.monotonic()
            assert stopped["body"]["reason"] == "breakpoint"
            thread = stopped["body"]["threadId"]
            assert "hello from INIT" in local_value(client, thread, "answer")
            # Held at the breakpoint past the function's timeout: the property under test
            # is that time stopped here does not count, so it has to pass.
            wait_for(lambda: time.monotonic() - stopped_at > TIMEOUT_S + 0.5, 10,
                     "the function's timeout to pass while stopped")
            busy = http.post("/debug", content=b"{}")
            assert busy.status_code == 500  # concurrency 1 while debugging: throttled
            client.request("continue", threadId=thread)
            response = call.result(timeout=60)
        finally:
            client.close()
    assert response.status_code == 200, response.text
    answer = json.loads(response.text)
    assert answer["greeting"] == "hello from INIT" and answer["body"] == '{"question": 42}'
    output = server.output()
    assert "stopped in the debugger" in output and "running again" in output
    report = next(line for line in output.splitlines() if "REPORT RequestId" in line)
    duration_ms = float(report.split("Duration: ")[1].split(" ms")[0])
    assert duration_ms > TIMEOUT_S * 1000  # it outlived its timeout, and answered
    assert "Task timed out" not in output


def test_the_next_call_stops_again_warm(server: ServerProcess, debug_port: int) -> None:
    with httpx.Client(base_url=server.url, timeout=120) as http, ThreadPoolExecutor(1) as pool:
        first = pool.submit(http.post, "/debug", content=b"{}")
        wait_for(lambda: "waiting for the debugger" in server.output(), 60, "the debuggee")
        client = attach(debug_port)
        try:
            client.request("continue", threadId=client.event("stopped")["body"]["threadId"])
            assert first.result(timeout=60).status_code == 200
            second = pool.submit(http.post, "/debug", content=b"{}")
            client.request("continue", threadId=client.event("stopped")["body"]["threadId"])
            assert second.result(timeout=60).status_code == 200
        finally:
            client.close()
    assert server.output().count("waiting for the debugger") == 1  # one environment


@pytest.mark.parametrize("args, message", [
    (["--debug-function", "Debugged"], "--debug-function: give --debug-port too"),
    (["--debug-port", "5678", "--debug-function", "Nope"], "no such function in"),
    (["--debug-port", "70000"], "a free port (1-65535)"),
])
def test_debug_flags_are_checked(args: list[str], message: str) -> None:
    done = workbench("serve", "--template", str(APP / "template.yaml"), "--port",
                     str(free_port()), *args, timeout=60)
    assert done.returncode == 2 and message in done.stderr and "Traceback" not in done.stderr


def test_invoke_waits_for_the_debugger(tmp_path: Path, debug_port: int) -> None:
    log = tmp_path / "invoke.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "workbench.cli", "invoke", "Debugged", "--template",
             str(APP / "template.yaml"), "--debug-port", str(debug_port)],
            stdout=subprocess.PIPE, stderr=out, stdin=subprocess.DEVNULL)
    try:
        wait_for(lambda: "waiting for the debugger" in log.read_text(), 60, "the debuggee")
        client = attach(debug_port)
        try:
            # The invocation ends the command at once: the answer may never come back.
            client.tell("continue", threadId=client.event("stopped")["body"]["threadId"])
            stdout, _ = process.communicate(timeout=60)
        finally:
            client.close()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0, log.read_text()
    assert json.loads(json.loads(stdout)["body"])["greeting"] == "hello from INIT"


class FakePyCharm:
    """PyCharm's Python Debug Server, as far as this test needs it: it listens, and says
    to the process that connects what PyCharm says (pydevd's line protocol)."""

    def __init__(self, port: int) -> None:
        self._listener = socket.create_server(("127.0.0.1", port))
        self._listener.settimeout(60)
        self._seq = itertools.count(1, 2)
        self._connection: socket.socket | None = None
        self._lines: Iterator[bytes] = iter(())

    def accept(self) -> None:
        self._connection, _ = self._listener.accept()
        self._lines = iter(self._connection.makefile("rb"))

    def say(self, command: int, text: str = "") -> None:
        assert self._connection is not None
        self._connection.sendall(f"{command}\t{next(self._seq)}\t{text}\n".encode())

    def hear(self, command: int) -> str:
        """The next message with this command id, its text unquoted."""
        for line in self._lines:
            head, _, rest = line.decode().partition("\t")
            if head == str(command):
                return unquote_plus(rest.partition("\t")[2])
        raise ConnectionError("the debugged process went away")

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
        self._listener.close()


def test_pycharm_debug_server_gets_the_breakpoint(tmp_path: Path, debug_port: int) -> None:
    pycharm = FakePyCharm(debug_port)  # PyCharm listens first, as its Debug Server does
    running = start_server(APP / "template.yaml", tmp_path / "serve.log", "--no-reload",
                           "--debug-port", str(debug_port), "--debug-ide", "pycharm")
    try:
        with httpx.Client(base_url=running.url, timeout=120) as http, \
                ThreadPoolExecutor(1) as pool:
            call = pool.submit(http.post, "/debug", content=b'{"from": "pycharm"}')
            pycharm.accept()
            pycharm.say(501, "1.1\tUNIX\tID")  # CMD_VERSION: breakpoints by id
            pycharm.say(111, f"1\tpython-line\t{SOURCE}\t{BREAK_LINE}\tNone\tNone\tNone\t"
                             "None\tFalse\tALL")  # CMD_SET_BREAK, in the source we edit
            pycharm.say(101)  # CMD_RUN
            suspended = pycharm.hear(105)  # CMD_THREAD_SUSPEND
            stopped_at = time.monotonic()
            thread = re.search(r'<thread id="([^"]+)"', suspended)
            frame = re.search(r'<frame id="([^"]+)" name="handler" file="([^"]+)" line="(\d+)"',
                              suspended)
            assert thread and frame and (frame[2], int(frame[3])) == (str(SOURCE), BREAK_LINE)
            pycharm.say(114, f"{thread[1]}\t{frame[1]}\tFRAME")  # CMD_GET_FRAME
            assert "hello from INIT" in next(
                v for v in re.findall(r'<var name="answer"[^>]*>', pycharm.hear(114)))
            wait_for(lambda: time.monotonic() - stopped_at > TIMEOUT_S + 0.5, 10,
                     "the function's timeout to pass while stopped")
            pycharm.say(106, thread[1])  # CMD_THREAD_RUN
            response = call.result(timeout=60)
    finally:
        pycharm.close()
        running.stop()
    assert response.status_code == 200, response.text
    assert json.loads(response.text)["body"] == '{"from": "pycharm"}'
    output = running.output()
    assert "waiting for PyCharm's Python Debug Server" in output
    assert "stopped in the debugger" in output and "Task timed out" not in output
