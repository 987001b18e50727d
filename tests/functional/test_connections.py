"""The dev server's HTTP limits, each against a real socket client: a slow header
sender, idle connections, a short body, too many connections, huge headers, no Host."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.servers import serve
from workbench.pytest_plugin import ServerProcess, wait_for

pytestmark = pytest.mark.functional
TEMPLATE = Path(__file__).parent / "apps" / "pressure.yaml"
ANSWER_DEADLINE_S = 20.0  # how long a client waits for the server's answer or close


@pytest.fixture(scope="module")
def strict(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    yield from serve(tmp_path_factory, TEMPLATE, "--header-timeout", "1", "--body-timeout", "1",
                     "--idle-timeout", "1", "--max-header-bytes", "4096")


@pytest.fixture(scope="module")
def few(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    yield from serve(tmp_path_factory, TEMPLATE, "--max-connections", "4",
                     "--idle-timeout", "60")


_opened: list[socket.socket] = []


@pytest.fixture(autouse=True)
def _close_sockets() -> Iterator[None]:
    yield
    while _opened:
        _opened.pop().close()


def connect(server: ServerProcess) -> socket.socket:
    """A client connection, closed after the test."""
    address = urlsplit(server.url)
    sock = socket.create_connection((address.hostname, address.port), timeout=ANSWER_DEADLINE_S)
    _opened.append(sock)
    return sock


def read_until_closed(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes; a reset fails the test."""
    data = b""
    while chunk := sock.recv(65536):
        data += chunk
    return data


def answer(data: bytes) -> tuple[int, dict[str, str], object]:
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.lower().split(": ", 1) for line in lines[1:])
    return int(lines[0].split()[1]), headers, json.loads(body) if body else None


def request(path: str = "/_workbench/health", *extra: str, body: str = "",
            version: str = "1.1") -> bytes:
    lines = [f"GET {path} HTTP/{version}", "Host: localhost", *extra]
    return ("\r\n".join(lines) + "\r\n\r\n" + body).encode()


def test_a_slow_header_sender_is_answered_408_within_the_header_timeout(
        strict: ServerProcess) -> None:
    # A slowloris client keeps sending a byte at a time; the limit counts from its first
    # byte, so trickling bytes does not keep the connection open.
    sock = connect(strict)
    sock.settimeout(0.2)  # pace: one byte per wait for the answer
    partial = b"GET /_workbench/health HTTP/1.1\r\nHost: localhost\r\nX-Slow: "
    started, received = time.monotonic(), b""
    for byte in (partial + b"a" * 10_000)[:10_000]:
        try:
            received = sock.recv(65536)
            break
        except TimeoutError:
            sock.send(bytes([byte]))
        assert time.monotonic() - started < ANSWER_DEADLINE_S, "never answered"
    sock.settimeout(ANSWER_DEADLINE_S)
    status, headers, body = answer(received + read_until_closed(sock))
    assert (status, body) == (408, {"message": "Request Timeout"})
    assert headers["connection"] == "close"


def test_idle_connections_are_closed_new_and_kept_alive(strict: ServerProcess) -> None:
    fresh = connect(strict)  # never sends anything
    assert read_until_closed(fresh) == b""
    used = connect(strict)
    used.sendall(request())
    first = used.recv(65536)
    assert first.startswith(b"HTTP/1.1 200")
    assert read_until_closed(used) == b""  # after the keep-alive timeout, nothing more


def test_a_body_shorter_than_its_content_length_is_408(strict: ServerProcess) -> None:
    sock = connect(strict)
    sock.sendall(b"POST /echo HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                 b"Content-Length: 100\r\n\r\n{\"short\": ")
    status, headers, body = answer(read_until_closed(sock))
    assert (status, body) == (408, {"message": "Request Timeout"})
    assert "Traceback" not in strict.output()


@pytest.mark.parametrize("path", ["/_workbench/health", "/echo",
                                  "/2015-03-31/functions/Echo/invocations"])
def test_huge_headers_are_431_on_every_route_without_a_reset(strict: ServerProcess,
                                                              path: str) -> None:
    sock = connect(strict)
    # 200 KB of headers: the server answers before reading them whole and drops the rest.
    sock.sendall(request(path, "X-Big: " + "b" * 200_000))
    status, headers, body = answer(read_until_closed(sock))
    assert (status, body) == (431, {"message": "Request Header Fields Too Large"})
    assert headers["connection"] == "close"


def test_under_the_server_limit_api_routes_keep_api_gateways_own(few: ServerProcess) -> None:
    # 12 KB passes the server's default 16 KB; API Gateway's quota on its routes is 10,240
    # bytes and its own answer says so (with its request id), the workbench's pages do not.
    big = "X-Some: " + "s" * 12_000
    sock = connect(few)
    sock.sendall(request("/echo", big, "Connection: close"))
    status, headers, _ = answer(read_until_closed(sock))
    assert status == 431 and "x-amzn-requestid" in headers
    sock = connect(few)
    sock.sendall(request("/_workbench/health", big, "Connection: close"))
    assert answer(read_until_closed(sock))[0] == 200


@pytest.mark.parametrize("extra,version,expected", [
    ((), "1.1", 200),
    (("Host: another",), "1.1", 400),  # two Host headers
    ((), "1.0", 200),  # HTTP/1.0 needs none
], ids=["one host", "two hosts", "http/1.0"])
def test_http_11_needs_exactly_one_host(strict: ServerProcess, extra: tuple[str, ...],
                                        version: str, expected: int) -> None:
    sock = connect(strict)
    sock.sendall(request("/_workbench/health", *extra, "Connection: close", version=version))
    status, _, _ = answer(read_until_closed(sock))
    assert status == expected


def test_http_11_without_host_is_400(strict: ServerProcess) -> None:
    sock = connect(strict)
    sock.sendall(b"GET /_workbench/health HTTP/1.1\r\nConnection: close\r\n\r\n")
    status, headers, body = answer(read_until_closed(sock))
    assert (status, body) == (400, {"message": "Bad Request"})


def test_a_malformed_request_is_a_json_400(strict: ServerProcess) -> None:
    sock = connect(strict)
    sock.sendall(b"GARBAGE\x01 / HTTP/9\r\n\r\n")
    status, _, body = answer(read_until_closed(sock))
    assert (status, body) == (400, {"message": "Bad Request"})


def test_over_the_connection_limit_requests_get_503_never_a_reset(few: ServerProcess) -> None:
    held = [connect(few) for _ in range(4)]  # the limit, all idle
    try:
        with ThreadPoolExecutor(16) as pool:
            answers = [answer(data) for data in pool.map(lambda _: one_request(few), range(50))]
        assert {(status, json.dumps(body)) for status, _, body in answers} == {
            (503, json.dumps({"message": "Service Unavailable"}))}
    finally:
        for sock in held:
            sock.close()
    # Once the server has seen those connections close, it serves again.
    wait_for(lambda: answer(one_request(few))[0] == 200, 20, "a connection under the limit")


def one_request(server: ServerProcess) -> bytes:
    """One request on a connection of its own, closed as soon as the answer is read."""
    sock = connect(server)
    sock.sendall(request("/_workbench/health", "Connection: close"))
    data = read_until_closed(sock)
    sock.close()
    return data
