"""CloudWatch-style platform log lines (START/END/REPORT), written and parsed.

The formats are AWS's, byte for byte, so the same parser reads the dev server's logs,
LocalStack's CloudWatch Logs and a CloudWatch Logs export from AWS.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass


def start_line(request_id: str, version: str = "$LATEST") -> str:
    return f"START RequestId: {request_id} Version: {version}"


def end_line(request_id: str) -> str:
    return f"END RequestId: {request_id}"


def billed_ms(duration_ms: float) -> int:
    # Lambda bills in 1 ms steps, rounding up.
    return max(1, math.ceil(duration_ms))


def _status(status: str | None, error_type: str | None) -> list[str]:
    if status == "timeout":
        return ["Status: timeout"]
    if status == "error" or error_type is not None:
        return ["Status: error", f"Error Type: {error_type or 'Runtime.Unknown'}"]
    return []


def report_line(
    request_id: str,
    duration_ms: float,
    memory_size_mb: int,
    max_memory_used_mb: int,
    init_duration_ms: float | None = None,
    error_type: str | None = None,
    status: str | None = None,
    xray: str | None = None,
) -> str:
    """The REPORT line; Init Duration appears on a cold start only, as on AWS, and `xray`
    (tracing.Trace.report) for an actively traced function.

    When the platform ended the invocation (a timeout, the runtime exiting, INIT failing),
    Lambda ends the line with `Status: timeout`, or `Status: error` and the error type
    ("Understanding the Lambda execution environment lifecycle", invoke phase failures).
    """
    fields = [
        f"REPORT RequestId: {request_id}",
        f"Duration: {duration_ms:.2f} ms",
        f"Billed Duration: {billed_ms(duration_ms)} ms",
        f"Memory Size: {memory_size_mb} MB",
        f"Max Memory Used: {max_memory_used_mb} MB",
    ]
    if init_duration_ms is not None:
        fields.append(f"Init Duration: {init_duration_ms:.2f} ms")
    if xray:
        fields.append(xray)
    fields += _status(status, error_type)
    return "\t".join(fields) + "\t"


def init_report_line(init_duration_ms: float, phase: str | None = None,
                     status: str | None = None, error_type: str | None = None) -> str:
    """`INIT_REPORT Init Duration: 10000.00 ms\tPhase: init\tStatus: timeout`: what Lambda
    logs when INIT crashes or times out, once for the Init phase and once more if the
    retry in the invoke phase fails too ("Understanding the Lambda execution environment
    lifecycle", Failures during the Init phase); with provisioned concurrency also after
    a successful INIT (no phase or status then)."""
    fields = [f"INIT_REPORT Init Duration: {init_duration_ms:.2f} ms"]
    if phase is not None:
        fields += [f"Phase: {phase}", *_status(status, error_type)]
    return "\t".join(fields)


@dataclass(frozen=True)
class Report:
    request_id: str
    duration_ms: float
    billed_duration_ms: int
    memory_size_mb: int
    max_memory_used_mb: int
    init_duration_ms: float | None


_REPORT = re.compile(
    r"REPORT RequestId: (?P<id>\S+)\s+Duration: (?P<duration>[\d.]+) ms\s+"
    r"Billed Duration: (?P<billed>\d+) ms\s+Memory Size: (?P<size>\d+) MB\s+"
    r"Max Memory Used: (?P<used>\d+) MB(?:\s+Init Duration: (?P<init>[\d.]+) ms)?"
)


def parse_report(line: str) -> Report | None:
    """Parse a REPORT line (anywhere in `line`); None when it is not one."""
    match = _REPORT.search(line)
    if match is None:
        return None
    init = match.group("init")
    return Report(
        request_id=match.group("id"),
        duration_ms=float(match.group("duration")),
        billed_duration_ms=int(match.group("billed")),
        memory_size_mb=int(match.group("size")),
        max_memory_used_mb=int(match.group("used")),
        init_duration_ms=float(init) if init is not None else None,
    )
