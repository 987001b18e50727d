"""The X-Ray trace header an invocation's runtime gets (runtime/tracing.py)."""

from __future__ import annotations

import re

import pytest

from workbench.gateway.http import traced
from workbench.runtime import logs
from workbench.runtime.tracing import for_invocation

# Lambda dg, runtimes-api.html, Lambda-Runtime-Trace-Id:
# Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Parent=9a9197af755a6419;Sampled=1
HEADER = re.compile(r"Root=(1-[0-9a-f]{8}-[0-9a-f]{24});Parent=[0-9a-f]{16};Sampled=([01])")
CALLER = "1-5759e988-bd862e3fe1be46a994272793"


@pytest.mark.parametrize("incoming, active, sampled", [
    (f"Root={CALLER}", False, "0"),  # API Gateway's header: no decision, PassThrough
    (f"Root={CALLER}", True, "1"),  # active tracing decides
    (f"Root={CALLER};Parent=53995c3f42cd8ad8;Sampled=1", False, "1"),  # kept
    (f"Root={CALLER};Parent=53995c3f42cd8ad8;Sampled=0", True, "0"),  # kept
    (f"Sampled=?;Root={CALLER}", False, "0"),  # "?" asks for a decision
])
def test_a_callers_trace_is_continued(incoming: str, active: bool, sampled: str) -> None:
    trace = for_invocation(incoming, active)
    match = HEADER.fullmatch(trace.header)
    assert match is not None and match.groups() == (CALLER, sampled)
    assert trace.segment not in incoming


@pytest.mark.parametrize("incoming", [None, "", "garbage", "Root=2-1-2;Sampled=1",
                                      f"Root={CALLER.upper()}"])
def test_without_a_well_formed_root_a_trace_starts(incoming: str | None) -> None:
    first, second = for_invocation(incoming, False), for_invocation(incoming, False)
    match = HEADER.fullmatch(first.header)
    assert match is not None and match.group(2) == "0"  # a dropped caller decides nothing
    assert first.root != second.root and first.root != CALLER


def test_the_report_line_names_an_active_trace() -> None:
    trace = for_invocation(f"Root={CALLER}", True)
    line = logs.report_line("id", 1.5, 128, 40, None, xray=trace.report)
    assert line.endswith(f"\tXRAY TraceId: {CALLER}\tSegmentId: {trace.segment}"
                         "\tSampled: true\t")
    assert logs.parse_report(line) is not None


def test_a_request_gets_a_trace_header_unless_it_has_one() -> None:
    given = [("Host", "x"), ("x-amzn-trace-id", f"Root={CALLER}")]
    assert traced(given) == given
    (name, value), = traced([("Host", "x")])[1:]
    assert name == "X-Amzn-Trace-Id" and re.fullmatch(r"Root=1-[0-9a-f]{8}-[0-9a-f]{24}", value)
