"""The dashboard benchmark calls its 5% target met or missed only where the bootstrap
interval of the pairs' median ratio says so (issue 16)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bench.bench_dashboard import _median_ci, _verdict, pool


def test_interval_holds_the_median_and_is_repeatable() -> None:
    ratios = [0.9, 0.95, 1.0, 1.0, 1.02, 1.05, 1.1, 0.98, 1.01, 0.97]
    low, high = _median_ci(ratios)
    assert low <= 1.0 <= high
    assert _median_ci(ratios) == [low, high]


def test_tight_pairs_under_the_target_are_met() -> None:
    assert _verdict(_median_ci([0.99, 1.0, 1.01, 1.0, 0.995, 1.005] * 5)) == "met"


def test_pairs_clearly_over_the_target_are_missed() -> None:
    assert _verdict(_median_ci([1.18, 1.2, 1.22, 1.19, 1.21] * 6)) == "missed"


def test_pairs_spread_across_the_target_decide_nothing() -> None:
    spread = [0.8, 1.3, 0.9, 1.2, 1.05, 1.0, 1.1]
    assert _verdict(_median_ci(spread)) == "not shown either way (noise)"


def test_runs_pool_their_pairs(tmp_path: Path) -> None:
    paths = []
    for index, ratios in enumerate(([1.0, 1.02, 0.98] * 10, [0.99, 1.01, 1.0] * 10)):
        path = tmp_path / f"{index}.json"
        path.write_text(json.dumps({"dashboard": {
            "server_cpu_per_invocation": {"append_us": 3.0},
            "chromium page": {"pair_ratios": {"throughput": ratios, "warm_p50": ratios}}}}))
        paths.append(path)
    pooled = pool(paths)["chromium page"]["throughput"]
    assert pooled["pairs"] == 60 and pooled["verdict"] == "met"


def test_a_file_without_the_benchmark_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.json"
    path.write_text("[1, 2]")
    with pytest.raises(ValueError, match="no dashboard benchmark"):
        pool([path])


def test_ratios_that_are_not_numbers_are_refused(tmp_path: Path) -> None:
    for broken in ([1.0], {"throughput": "1.0"}, {"throughput": [True]}, {"throughput": []}):
        path = tmp_path / "broken.json"
        path.write_text(json.dumps({"dashboard": {"chromium page": {"pair_ratios": broken}}}))
        with pytest.raises(ValueError, match="pair_ratios are not lists of numbers"):
            pool([path])


def test_the_command_answers_bad_input_in_one_line_with_exit_2(tmp_path: Path) -> None:
    path = tmp_path / "not.json"
    path.write_bytes(b"\xff{")
    for args in ([], [str(tmp_path / "missing.json")], [str(path)]):
        done = subprocess.run([sys.executable, "-m", "bench.bench_dashboard", *args],
                              capture_output=True, text=True, cwd=Path(__file__).parents[2])
        assert done.returncode == 2, done.stderr
        assert done.stderr.startswith("bench.bench_dashboard: ")
        assert done.stderr.count("\n") == 1
