from __future__ import annotations

import pytest

from workbench.runtime import logs
from workbench.runtime.output import LogBuffer


def test_report_line_is_lambdas_format() -> None:
    line = logs.report_line("abc", 12.341, 512, 87, 456.781)
    assert line == ("REPORT RequestId: abc\tDuration: 12.34 ms\tBilled Duration: 13 ms\t"
                    "Memory Size: 512 MB\tMax Memory Used: 87 MB\tInit Duration: 456.78 ms\t")
    assert "Init Duration" not in logs.report_line("abc", 1.0, 128, 20)


@pytest.mark.parametrize("duration, billed", [(0.2, 1), (1.0, 1), (1.01, 2), (99.99, 100)])
def test_billing_rounds_up_to_the_millisecond(duration: float, billed: int) -> None:
    assert logs.billed_ms(duration) == billed


@pytest.mark.parametrize("init", [None, 456.78])
def test_report_lines_round_trip(init: float | None) -> None:
    line = logs.report_line("id-1", 12.34, 512, 87, init)
    report = logs.parse_report("2024-01-01T00:00:00Z " + line)
    assert report == logs.Report("id-1", 12.34, 13, 512, 87, init)


def test_parses_a_cloudwatch_export_line_and_rejects_others() -> None:
    exported = ("REPORT RequestId: 3f2e\tDuration: 101.50 ms\tBilled Duration: 102 ms\t"
                "Memory Size: 1024 MB\tMax Memory Used: 300 MB\tInit Duration: 2000.10 ms\t"
                "XRAY TraceId: 1-abc\tSegmentId: def\tSampled: true")
    report = logs.parse_report(exported)
    assert report is not None and report.init_duration_ms == 2000.10
    assert logs.parse_report("START RequestId: 3f2e Version: $LATEST") is None
    assert logs.parse_report("REPORT garbage") is None


def test_init_failure_report_carries_the_error_type() -> None:
    line = logs.report_line("id", 5.0, 128, 30, error_type="Runtime.ImportModuleError")
    assert line.endswith("Status: error\tError Type: Runtime.ImportModuleError\t")


def test_log_buffer_keeps_the_tail_and_says_what_it_dropped() -> None:
    buffer = LogBuffer(limit=10)
    buffer.write(b"0123456789")
    buffer.write(b"abcde")
    text = buffer.take()
    assert text.endswith("56789abcde\n") and "5 bytes of output dropped" in text
    assert buffer.take() == ""


def test_log_buffer_survives_invalid_utf8() -> None:
    buffer = LogBuffer()
    buffer.write(b"bad \xff byte")
    assert buffer.take() == "bad \ufffd byte\n"
