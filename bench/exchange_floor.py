"""The least one warm invocation can cost when the handler runs under awslambdaric in
its own process, as issue 2 requires: a blocking socket on 127.0.0.1 hands the event to
the runtime's parked /next and reads its /response, with no workbench code in the way.

Beside the in-process floor it bounds the warm ratio any such design can reach.
"""

from __future__ import annotations

import json
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

from workbench.gateway.events import post_event

ECHO = Path(__file__).parent / "apps" / "echo"


class _Peer:
    """The runtime's side of one keep-alive connection, read as HTTP/1.1 requests."""

    def __init__(self, connection: socket.socket) -> None:
        self.connection = connection
        self.buffer = b""

    def request(self) -> bytes:
        while b"\r\n\r\n" not in self.buffer:
            self.buffer += self._recv()
        head, _, rest = self.buffer.partition(b"\r\n\r\n")
        length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n")
                       if line.lower().startswith(b"content-length:")), 0)
        while len(rest) < length:
            rest += self._recv()
        self.buffer = rest[length:]
        return head

    def _recv(self) -> bytes:
        data = self.connection.recv(65536)
        if not data:
            raise ConnectionError("the runtime closed its connection")
        return data


def measure(samples: int = 3000, warmup: int = 200) -> dict[str, float]:
    # About the event the dev server sends for the benchmark's request.
    payload = json.dumps(post_event("/echo", b'{"hello": "world"}')).encode()
    with socket.create_server(("127.0.0.1", 0)) as server:
        server.settimeout(30)
        env = {"PATH": os.environ.get("PATH", ""), "AWS_LAMBDA_FUNCTION_NAME": "Echo",
               "AWS_LAMBDA_RUNTIME_API": f"127.0.0.1:{server.getsockname()[1]}"}
        process = subprocess.Popen([sys.executable, "-m", "awslambdaric", "app.handler"],
                                   cwd=ECHO, env=env)
        try:
            connection, _ = server.accept()
            with connection:
                connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                latencies = _exchange(_Peer(connection), payload, samples + warmup)[warmup:]
        finally:
            process.kill()
            process.wait()
    return {"p50_ms": round(statistics.median(latencies), 4), "samples": samples,
            "event_bytes": len(payload)}


def _exchange(peer: _Peer, payload: bytes, count: int) -> list[float]:
    latencies = []
    for i in range(count):
        assert peer.request().startswith(b"GET "), "expected the runtime's /next"
        headers = (f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                   f"Lambda-Runtime-Aws-Request-Id: {i}\r\n"
                   f"Lambda-Runtime-Deadline-Ms: {int(time.time() * 1000) + 60_000}\r\n"
                   f"Lambda-Runtime-Invoked-Function-Arn: arn:aws:lambda:us-east-1:"
                   f"123456789012:function:Echo\r\nContent-Length: {len(payload)}\r\n\r\n")
        started = time.perf_counter()
        peer.connection.sendall(headers.encode() + payload)
        assert peer.request().startswith(b"POST "), "expected the runtime's /response"
        latencies.append((time.perf_counter() - started) * 1000)
        peer.connection.sendall(b"HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n")
    return latencies
