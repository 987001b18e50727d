"""HTTP messages as API Gateway sees them: the request it received, the response it sends."""

from __future__ import annotations

from dataclasses import dataclass

from workbench import ids

TRACE_HEADER = "X-Amzn-Trace-Id"


@dataclass(frozen=True)
class HttpRequest:
    method: str
    raw_path: str  # as received, percent-encoded, without the query
    query_string: str  # raw, without "?"
    headers: list[tuple[str, str]]  # in the order received, original case, repeats kept
    body: bytes
    source_ip: str = "127.0.0.1"
    protocol: str = "HTTP/1.1"
    scheme: str = "http"  # of the connection the request came in on
    server_port: int | None = None  # the port it came in on (X-Forwarded-Port)

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


def header_text(raw: bytes) -> str:
    """A header value as API Gateway hands it to Lambda: UTF-8 decoded, so `café` arrives
    as `café` (events from API Gateway carry non-ASCII header values as Unicode text:
    aws-lambda-rust-runtime#786, oven-sh/bun#22994). Bytes that are not UTF-8 reach the
    function as their Latin-1 characters: AWS writes them as `\\xNN` escapes, which is not
    JSON any parser reads (aws-lambda-rust-runtime#509), so no faithful copy exists."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def traced(headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The request's headers with the X-Ray trace header API Gateway gives a request that
    comes without one (`Root=1-...`, in every event AWS records: LocalStack's AWS-recorded
    test_lambda_aws_proxy_integration, aws-lambda-go's apigw-v2-request-no-authorizer.json);
    the function's invocation continues that trace."""
    wanted = TRACE_HEADER.lower()
    if any(name.lower() == wanted for name, _ in headers):
        return headers
    return [*headers, (TRACE_HEADER, f"Root={ids.trace_id()}")]
