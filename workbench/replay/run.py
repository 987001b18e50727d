"""Replay a trace against a target, compare every answer, summarise and report.

Targets: `local` (the workbench's runtime, the template's limits apply), `localstack`
(the functions deployed there, through its Lambda Invoke API, its limits apply) and an
HTTP base URL (the dev server, LocalStack's API Gateway, a real API Gateway), to which
each API Gateway event is sent back as the HTTP request it came from.
"""

from __future__ import annotations

import asyncio
import base64
import json
import statistics
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx

from workbench.errors import WorkbenchError
from workbench.localstack.invoke import LocalStackInvoker
from workbench.replay.compare import Verdict, verdict
from workbench.replay.local import Replayed, replay_local
from workbench.report import charts, html
from workbench.runtime.placement import Mode
from workbench.runtime.pool import Runtime
from workbench.template import Template
from workbench.trace import TraceRecord


@dataclass
class Row:
    index: int
    function: str
    offset_s: float
    latency_ms: float
    verdict: Verdict
    cold: bool = False
    throttled: bool = False
    error_type: str | None = None
    diff: str = ""


@dataclass
class Summary:
    rows: list[Row] = field(default_factory=list)
    # How each function ran on the local target: "build, Python 3.12.1" (runtime.placement).
    ran: dict[str, str] = field(default_factory=dict)
    # Functions the trace calls whose build failed (their events fail): the build's error.
    not_built: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """Every response identical to the recorded one: what gates CI."""
        return all(r.verdict == "identical" for r in self.rows)

    def explain(self, diffs: int = 5) -> str:
        """The counts, the errors by type and the first few diffs, as text."""
        data = self.to_dict()
        lines = [", ".join(f"{data[k]} {k.replace('_', ' ')}" for k in COUNTS)]
        lines += [f"{name} ran {how}" for name, how in self.ran.items()]
        lines += [f"{name} not run: its build failed: {why}"
                  for name, why in self.not_built.items()]
        if data["errors_by_type"]:
            lines.append("errors: " + ", ".join(f"{k} x{v}" for k, v in
                                                data["errors_by_type"].items()))
        return "\n".join(lines + self.diffs(diffs))

    def diffs(self, limit: int) -> list[str]:
        return [f"--- event {r.index} ({r.function}) changed:\n{r.diff}"
                for r in self.rows if r.verdict == "changed"][:limit]

    def to_dict(self) -> dict[str, Any]:
        counts = Counter(r.verdict for r in self.rows)
        latencies = sorted(r.latency_ms for r in self.rows if not r.throttled)

        def pct(q: float) -> float | None:
            return round(latencies[min(len(latencies) - 1, int(q * len(latencies)))], 2) \
                if latencies else None

        return {
            "events": len(self.rows), "identical": counts["identical"], "ran": self.ran,
            "not_built": self.not_built,
            "changed": counts["changed"], "failed": counts["failed"],
            "cold_starts": sum(r.cold for r in self.rows),
            "throttles": sum(r.throttled for r in self.rows),
            "errors_by_type": dict(Counter(r.error_type for r in self.rows if r.error_type)),
            "latency_ms": {"p50": pct(0.5), "p95": pct(0.95), "p99": pct(0.99),
                           "mean": round(statistics.fmean(latencies), 2) if latencies else None},
            "changes": [{"index": r.index, "function": r.function, "diff": r.diff}
                        for r in self.rows if r.verdict == "changed"][:100],
        }


def parse_speed(text: str | float) -> float | None:
    """`max` (None: as fast as the concurrency allows) or a positive time factor."""
    if text == "max":
        return None
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not value > 0:  # NaN too
        raise WorkbenchError(f"--speed {text!r}: a positive number or max")
    return value


COUNTS = ("events", "identical", "changed", "failed", "cold_starts", "throttles")


def http_request(event: dict[str, Any]) -> tuple[str, str, list[tuple[str, str]], bytes]:
    """The HTTP request an API Gateway proxy event (v1 or v2) came from."""
    body = event.get("body") or ""
    raw = base64.b64decode(body) if event.get("isBase64Encoded") else body.encode()
    if event.get("version") == "2.0":
        http = event["requestContext"]["http"]
        headers = [(k, v) for k, v in (event.get("headers") or {}).items()]
        if event.get("cookies"):
            headers.append(("Cookie", "; ".join(event["cookies"])))
        query = event.get("rawQueryString") or ""
        path = event.get("rawPath") or http["path"]
        return http["method"], path + (f"?{query}" if query else ""), headers, raw
    headers = [(k, v) for k, values in (event.get("multiValueHeaders") or {}).items()
               for v in values]
    query = "&".join(f"{quote(k)}={quote(v)}" for k, values in
                     (event.get("multiValueQueryStringParameters") or {}).items()
                     for v in values)
    return event["httpMethod"], quote(event["path"]) + (f"?{query}" if query else ""), \
        headers, raw


# Set by the client's stack, or (X-Forwarded-*) added by API Gateway itself on the way in.
SKIP_HEADERS = {"host", "content-length", "connection", "accept-encoding", "x-forwarded-for",
                "x-forwarded-port", "x-forwarded-proto"}


async def replay_http(base: str, records: list[TraceRecord], *, speed: float | None,
                      concurrency: int, on_done: Callable[[Replayed], None]) -> list[Replayed]:
    gate = asyncio.Semaphore(concurrency)
    async with httpx.AsyncClient(base_url=base.rstrip("/"), timeout=60) as client:
        try:
            await client.get("/")
        except httpx.TransportError as exc:
            raise WorkbenchError(f"target {base} is unreachable: {exc}") from None
        started = time.monotonic()

        async def one(record: TraceRecord) -> Replayed:
            async with gate:
                method, path, headers, body = http_request(record.event)
                sent = time.monotonic()
                replayed = Replayed(record, sent - started, 0.0)
                try:
                    response = await client.request(
                        method, path, content=body,
                        headers=[(k, v) for k, v in headers if k.lower() not in SKIP_HEADERS])
                    replayed.throttled = response.status_code == 429
                    replayed.http = {"statusCode": response.status_code, "body": response.text}
                except httpx.HTTPError as exc:
                    replayed.error = f"{type(exc).__name__}: {exc}"
                replayed.latency_ms = (time.monotonic() - sent) * 1000
                on_done(replayed)
                return replayed

        tasks = []
        first = records[0].time if records else 0.0
        for record in records:
            if speed is not None:
                delay = started + (record.time - first) / speed - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
            tasks.append(asyncio.ensure_future(one(record)))
        return list(await asyncio.gather(*tasks))


def judge(index: int, replayed: Replayed) -> Row:
    record = replayed.record
    if replayed.http is not None or replayed.error and replayed.result is None and \
            not replayed.throttled and replayed.error.startswith(("Connect", "Read", "HTTP")):
        got = replayed.http
        recorded = {"statusCode": record.status, "body": (record.response or {}).get("body")
                    if isinstance(record.response, dict) else record.response}
        if record.error_type is not None and got is not None:
            # The function failed: the client saw API Gateway's own error, so the status
            # is what can be compared (the trace keeps the function's error document).
            recorded, got = {"statusCode": record.status}, {"statusCode": got["statusCode"]}
        failed = replayed.error is not None
        kind, text = verdict(recorded, got, failed)
        return Row(index, record.function, replayed.offset_s, replayed.latency_ms, kind,
                   throttled=replayed.throttled, error_type=replayed.error and "HTTPError",
                   diff=text)
    result = replayed.result
    if result is None:
        return Row(index, record.function, replayed.offset_s, replayed.latency_ms, "failed",
                   throttled=replayed.throttled,
                   error_type="TooManyRequestsException" if replayed.throttled
                   else (replayed.error or "").split(":")[0])
    try:
        output: Any = json.loads(result.payload)
    except ValueError:
        output = result.payload.decode(errors="replace")
    kind, text = verdict(record.response, output, result.function_error is not None
                         and record.error_type is None)
    return Row(index, record.function, replayed.offset_s, replayed.latency_ms, kind,
               cold=result.cold, error_type=result.error_type, diff=text)


async def replay(records: list[TraceRecord], target: str, template: Template | None, *,
                 speed: float | None, concurrency: int,
                 progress: Callable[[Replayed], None] = lambda _: None,
                 mode: Mode | None = None, strict_runtime: bool | None = None) -> Summary:
    """Replay `records`; `progress` hears of each one as it completes. `mode` and
    `strict_runtime` say how the local target runs functions (default: WORKBENCH_*)."""
    ran: dict[str, str] = {}
    not_built: dict[str, str] = {}
    if target == "local":
        if template is None:
            raise WorkbenchError("--target local needs a template (--template)")
        # Only the functions the trace calls are built; one whose build fails answers as
        # Lambda answers for a function in state Failed, and the rest replay.
        used = {spec.name: spec for r in records if (spec := template.function(r.function))}
        runtime = Runtime(template.alone(*used.values()), mode=mode,
                          strict_runtime=strict_runtime, keep_going=True)
        ran = {name: pool.placement.summary for name, pool in runtime.pools.items()}
        not_built = dict(runtime.not_built)
        await runtime.start()
        try:
            results = await replay_local(runtime, records, speed=speed,
                                         concurrency=concurrency, on_done=progress)
        finally:
            await runtime.close()
    elif target.startswith(("http://", "https://")):
        results = await replay_http(target, records, speed=speed, concurrency=concurrency,
                                    on_done=progress)
    elif target == "localstack":
        invoker = localstack_invoker()
        try:
            results = await replay_local(invoker, records, speed=speed,
                                         concurrency=concurrency, on_done=progress)
        finally:
            await invoker.close()
    else:
        raise WorkbenchError(f"--target {target!r}: use local, localstack or an "
                             "http(s):// URL")
    return Summary([judge(i, r) for i, r in enumerate(results)], ran, not_built)


def localstack_invoker() -> LocalStackInvoker:
    """The functions `workbench localstack deploy` made (by logical id), in a running
    LocalStack; names not deployed are tried as FunctionNames."""
    from workbench.localstack import service
    from workbench.localstack.deploy import Deployment

    if service.health() is None:
        raise WorkbenchError(f"--target localstack: LocalStack is not running at "
                             f"{service.endpoint()}: `workbench localstack start` and `deploy`")
    saved = service.deployment_file()
    functions = Deployment.load(saved).functions if saved.exists() else {}
    return LocalStackInvoker(service.endpoint(), functions)


def write_report(directory: Path, summary: Summary) -> None:
    data = summary.to_dict()
    (directory / "report.json").write_text(json.dumps(data, indent=2) + "\n")
    rows = summary.rows
    latency = {"latency": [(r.offset_s, r.latency_ms) for r in rows if not r.throttled]}
    spans = sorted([(r.offset_s, 1) for r in rows] + [(r.offset_s + r.latency_ms / 1000, -1)
                                                      for r in rows])
    level, concurrency = 0, []
    for t, change in spans:
        level += change
        concurrency.append((t, float(level)))
    colds = [(r.offset_s, f"cold start #{r.index}") for r in rows if r.cold]
    table_rows = [[k, v] for k, v in data.items() if not isinstance(v, (dict, list))]
    table_rows += [[f"latency {k}", v] for k, v in data["latency_ms"].items()]
    changes = "".join(f"<h3>event {c['index']} ({c['function']})</h3><pre>"
                      f"{escape(c['diff'])}</pre>" for c in data["changes"][:20])
    sections = [
        ("Summary", html.table(["measure", "value"], table_rows)),
        ("Latency over time", charts.line_chart(latency, title="Latency (cold starts marked)",
                                                x_label="seconds", y_label="ms",
                                                markers=colds)),
        ("Concurrency over time", charts.line_chart({"in flight": concurrency},
                                                    title="Requests in flight",
                                                    x_label="seconds", y_label="requests",
                                                    step=True)),
        ("Changed responses", changes or "<p>none</p>"),
    ]
    (directory / "report.html").write_text(html.page("Replay report", sections))
