"""The simulation engine on hand-made arrivals, where the right answer is known."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.cli import workbench
from workbench.profile import Profile
from workbench.simulate.engine import Limits, Sampler, simulate

FIXED = Profile("F", 1024, init_duration_ms=[500.0], duration_ms=[100.0])


def run(times: list[float], **limits: object) -> object:
    return simulate(iter(times), Sampler(FIXED, int(limits.pop("memory_mb", 1024)), 0),  # type: ignore[arg-type]
                    Limits(memory_mb=1024, **limits))  # type: ignore[arg-type]


def test_cold_then_warm_reuse() -> None:
    out = run([0.0, 1.0, 2.0])
    assert (out.cold_starts, out.environments_created, out.throttles) == (1, 1, 0)  # type: ignore[attr-defined]


def test_overlap_needs_a_second_environment() -> None:
    out = run([0.0, 0.1])  # the first is still in INIT+duration (0.6 s)
    assert out.cold_starts == 2 and out.peak_concurrency == 2  # type: ignore[attr-defined]


def test_reserved_concurrency_throttles_at_once() -> None:
    out = run([0.0, 0.1, 0.2], reserved=1)
    assert (out.throttles, out.cold_starts) == (2, 1)  # type: ignore[attr-defined]


def test_idle_reclaim_after_keepalive() -> None:
    assert run([0.0, 5.0], keepalive_s=10).cold_starts == 1  # type: ignore[attr-defined]
    assert run([0.0, 15.0], keepalive_s=10).cold_starts == 2  # type: ignore[attr-defined]


def test_provisioned_environments_are_warm_and_kept() -> None:
    out = run([0.0, 1000.0], provisioned=1, keepalive_s=1)
    assert out.cold_starts == 0 and out.environments_created == 1  # type: ignore[attr-defined]


def test_scaling_rate_limit_throttles_new_environments() -> None:
    out = run([0.0, 0.01, 0.02, 0.03], scale_per_window=2)
    assert (out.cold_starts, out.throttles) == (2, 2)  # type: ignore[attr-defined]


def test_memory_scales_cpu_bound_durations() -> None:
    fast = simulate(iter([0.0]), Sampler(FIXED, 1769, 0), Limits(memory_mb=1769))
    slow = simulate(iter([0.0]), Sampler(FIXED, 512, 0), Limits(memory_mb=512))
    assert fast.without_init.percentile(50) < slow.without_init.percentile(50)  # type: ignore[operator]


def test_deterministic_with_a_seed() -> None:
    varied = Profile("F", 1024, [300.0, 900.0], [10.0, 50.0, 200.0])
    a = simulate(iter([i * 0.01 for i in range(2000)]), Sampler(varied, 1024, 3), Limits(1024))
    b = simulate(iter([i * 0.01 for i in range(2000)]), Sampler(varied, 1024, 3), Limits(1024))
    assert a.cold_starts == b.cold_starts
    assert a.with_init.percentile(99) == b.with_init.percentile(99)


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return workbench("simulate", *args)


@pytest.fixture
def profile(tmp_path: Path) -> Path:
    FIXED.save(tmp_path / "p.json")
    return tmp_path / "p.json"


def test_cli_report_and_sweep(profile: Path, tmp_path: Path) -> None:
    done = cli("--arrivals", "poisson:5:60", "--profile", str(profile), "--seed", "1",
               "--report", str(tmp_path / "r"))
    assert done.returncode == 0, done.stderr
    report = json.loads((tmp_path / "r" / "report.json").read_text())
    assert report["invocations"] > 200 and "lambda_total_usd" in report["cost"]
    assert "<svg" in (tmp_path / "r" / "report.html").read_text()
    sweep = cli("--arrivals", "poisson:50:20", "--profile", str(profile),
                "--sweep", "reserved=1,2,4")
    assert sweep.returncode == 0 and len(sweep.stdout.strip().splitlines()) == 4


@pytest.mark.parametrize("args, message", [
    (["--arrivals", "poisson:-1:10"], "non-negative"),
    (["--arrivals", "zipf:1"], "use poisson"),
    (["--arrivals", "poisson:1:10", "--reserved", "-1"], "must not be negative"),
    (["--arrivals", "poisson:1:10", "--sweep", "colour=1,2"], "NAME one of"),
    (["--arrivals", "poisson:1:10", "--memory", "64"], "128 to 10240"),
])
def test_cli_bad_input_is_exit_2(profile: Path, args: list[str], message: str) -> None:
    done = cli(*args, "--profile", str(profile))
    assert done.returncode == 2 and message in done.stderr


def test_cli_empty_unsorted_trace_and_empty_profile(profile: Path, tmp_path: Path) -> None:
    (tmp_path / "empty.jsonl").write_text("")
    assert "no arrivals" in cli("--trace", str(tmp_path / "empty.jsonl"),
                                "--profile", str(profile)).stderr
    lines = [json.dumps({"v": 1, "time": t, "function": "F", "source": "invoke", "event": {}})
             for t in (2.0, 1.0)]
    (tmp_path / "unsorted.jsonl").write_text("\n".join(lines))
    done = cli("--trace", str(tmp_path / "unsorted.jsonl"), "--profile", str(profile))
    assert done.returncode == 2 and "timestamps go backwards" in done.stderr
    (tmp_path / "none.json").write_text('{"function": "F", "memory_mb": 128, "samples": {}}')
    done = cli("--arrivals", "poisson:1:10", "--profile", str(tmp_path / "none.json"))
    assert done.returncode == 2 and "no Duration samples" in done.stderr


def test_functions_share_the_account_limit() -> None:
    from workbench.simulate.engine import simulate_many

    arrivals = [(0.0, "A"), (0.01, "B"), (0.02, "A"), (0.03, "B")]
    functions = {name: (Sampler(FIXED, 1024, 0), Limits(1024)) for name in "AB"}
    outcomes = simulate_many(iter(arrivals), functions, account_concurrency=3)
    assert outcomes["A"].cold_starts + outcomes["B"].cold_starts == 3
    assert outcomes["B"].throttles == 1  # the fourth call finds the account full


def test_cli_several_functions_of_a_trace(profile: Path, tmp_path: Path) -> None:
    lines = [json.dumps({"v": 1, "time": i * 0.05, "function": "AB"[i % 2], "source": "invoke",
                         "event": {}}) for i in range(40)]
    (tmp_path / "t.jsonl").write_text("\n".join(lines))
    done = cli("--trace", str(tmp_path / "t.jsonl"), "--profile", f"A={profile}",
               "--profile", f"B={profile}", "--report", str(tmp_path / "r"))
    assert done.returncode == 0, done.stderr
    assert "A: invocations 20" in done.stdout and "B: invocations 20" in done.stdout
    assert (tmp_path / "r" / "B" / "report.html").exists()
