from __future__ import annotations

import json
from pathlib import Path

import pytest

from workbench.errors import WorkbenchError
from workbench.profile import Profile
from workbench.replay import importers
from workbench.runtime.logs import Report
from workbench.trace import TraceRecord, TraceWriter, read_trace


def record(i: int) -> TraceRecord:
    return TraceRecord(time=1000.0 + i, function="Fn", source="apigw-rest",
                       event={"body": str(i)}, status=200, duration_ms=1.5, cold=i == 0)


def test_writer_and_reader_round_trip(tmp_path: Path) -> None:
    writer = TraceWriter(tmp_path / "t.jsonl")
    for i in range(3):
        writer.write(record(i))
    writer.close()
    assert list(read_trace(tmp_path / "t.jsonl")) == [record(i) for i in range(3)]


def test_bad_lines_are_reported_by_number_and_skipped(tmp_path: Path) -> None:
    good = record(0).to_json()
    path = tmp_path / "t.jsonl"
    path.write_text("\n".join([good, "not json", '{"v": 1, "time": "x"}', "[]", good,
                               good[:20]]))
    problems: list[tuple[int, str]] = []
    records = list(read_trace(path, lambda n, m: problems.append((n, m))))
    assert len(records) == 2
    assert [n for n, _ in problems] == [2, 3, 4, 6]
    assert problems[-1][1] == "truncated last line"
    with pytest.raises(WorkbenchError, match="t.jsonl:2:"):
        list(read_trace(path))


def test_missing_trace_is_one_clear_error(tmp_path: Path) -> None:
    with pytest.raises(WorkbenchError, match="cannot read trace"):
        list(read_trace(tmp_path / "absent.jsonl"))


def test_invoke_events_may_be_any_json_but_api_events_are_objects() -> None:
    line = json.dumps({"v": 1, "time": 1, "function": "F", "source": "invoke", "event": [1]})
    assert TraceRecord.from_json(line).event == [1]
    with pytest.raises(ValueError, match="proxy event"):
        TraceRecord.from_json(line.replace('"invoke"', '"apigw-http"'))


def test_profile_from_reports_and_back(tmp_path: Path) -> None:
    reports = [Report("a", 10.0, 10, 512, 80, 300.0), Report("b", 12.0, 12, 512, 82, None)]
    profile = Profile.from_reports("Fn", reports, source="test")
    assert (profile.memory_mb, profile.init_duration_ms, profile.duration_ms) == (
        512, [300.0], [10.0, 12.0])
    profile.save(tmp_path / "p.json")
    assert Profile.load(tmp_path / "p.json") == profile


@pytest.mark.parametrize("content, message", [
    ("{}", "not a workbench profile"),
    ('{"function": "F", "memory_mb": 128, "samples": {"duration_ms": []}}', "no Duration"),
    ("garbage", "not a workbench profile"),
])
def test_bad_profiles(tmp_path: Path, content: str, message: str) -> None:
    (tmp_path / "p.json").write_text(content)
    with pytest.raises(WorkbenchError, match=message):
        Profile.load(tmp_path / "p.json")


def test_a_dev_server_log_gives_each_function_its_own_reports(tmp_path: Path) -> None:
    line = ("REPORT RequestId: {id}\tDuration: {d}.00 ms\tBilled Duration: {d} ms\t"
            "Memory Size: 512 MB\tMax Memory Used: 60 MB\t")
    (tmp_path / "serve.log").write_text("\n".join([
        "  Ner | " + line.format(id="a", d=10), "[Ner] warm 10.0 ms -> 200",
        "  Qa | " + line.format(id="b", d=20), "  Ner | " + line.format(id="c", d=30)]))
    problems: list[tuple[str, str]] = []

    def durations(function: str | None) -> list[float]:
        found = importers.reports(tmp_path / "serve.log", lambda *p: problems.append(p),
                                  function)
        return [r.duration_ms for r in found]

    assert durations("Ner") == [10.0, 30.0] and durations("Qa") == [20.0]
    assert durations(None) == [10.0, 20.0, 30.0] and not problems
