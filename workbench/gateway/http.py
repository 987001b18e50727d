"""HTTP messages as API Gateway sees them: the request it received, the response it sends."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class HttpRequest:
    method: str
    raw_path: str  # as received, percent-encoded, without the query
    query_string: str  # raw, without "?"
    headers: list[tuple[str, str]]  # in the order received, original case, repeats kept
    body: bytes
    source_ip: str = "127.0.0.1"
    protocol: str = "HTTP/1.1"

    def header(self, name: str) -> str | None:
        """The last value of a header, case-insensitively (what a single-value map keeps)."""
        wanted = name.lower()
        found = None
        for key, value in self.headers:
            if key.lower() == wanted:
                found = value
        return found


@dataclass(frozen=True)
class HttpResponse:
    status: int
    headers: list[tuple[str, str]]  # repeats kept (Set-Cookie, multiValueHeaders)
    body: bytes
