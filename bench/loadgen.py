"""A small HTTP/1.1 keep-alive load generator, light enough not to be what is measured."""

from __future__ import annotations

import asyncio
import statistics
import time
from dataclasses import dataclass


@dataclass
class LoadResult:
    latencies_ms: list[float]
    seconds: float
    errors: int

    def summary(self) -> dict[str, float]:
        ordered = sorted(self.latencies_ms)
        return {
            "requests": len(ordered),
            "errors": self.errors,
            "p50_ms": round(statistics.median(ordered), 3),
            "p95_ms": round(ordered[int(len(ordered) * 0.95) - 1], 3),
            "req_per_s": round(len(ordered) / self.seconds, 1),
        }


async def _client(host: str, port: int, path: str, body: bytes, count: int | None,
                  deadline: float, out: list[float]) -> int:
    reader, writer = await asyncio.open_connection(host, port)
    request = (f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Type: application/json"
               f"\r\nContent-Length: {len(body)}\r\n\r\n").encode() + body
    errors = 0
    sent = 0
    while (sent < count) if count is not None else (time.perf_counter() < deadline):
        sent += 1
        started = time.perf_counter()
        writer.write(request)
        head = await reader.readuntil(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n"):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":")[1])
        await reader.readexactly(length)
        out.append((time.perf_counter() - started) * 1000)
        if not head.startswith(b"HTTP/1.1 200"):
            errors += 1
    writer.close()
    return errors


async def run(url: str, *, clients: int, requests_per_client: int | None = None,
              seconds: float | None = None,
              body: bytes = b'{"hello": "world"}') -> LoadResult:
    """Each client sends `requests_per_client` requests, or as many as it can in `seconds`
    (rounds of a set length whatever the machine's speed)."""
    if (requests_per_client is None) == (seconds is None):
        raise ValueError("give requests_per_client or seconds")
    rest = url.removeprefix("http://")
    hostport, _, path = rest.partition("/")
    host, _, port = hostport.partition(":")
    latencies: list[float] = []
    started = time.perf_counter()
    deadline = started + (seconds or 0.0)
    errors = await asyncio.gather(*(
        _client(host, int(port), "/" + path, body, requests_per_client, deadline, latencies)
        for _ in range(clients)))
    return LoadResult(latencies, time.perf_counter() - started, sum(errors))
