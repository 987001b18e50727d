"""The dashboard benchmark calls its 5% target met or missed only where the bootstrap
interval of the pairs' median ratio says so (issue 16)."""

from bench.bench_dashboard import _median_ci, _verdict


def test_interval_holds_the_median_and_is_repeatable() -> None:
    ratios = [0.9, 0.95, 1.0, 1.0, 1.02, 1.05, 1.1, 0.98, 1.01, 0.97]
    low, high = _median_ci(ratios)
    assert low <= 1.0 <= high
    assert _median_ci(ratios) == [low, high]


def test_tight_pairs_under_the_target_are_met() -> None:
    assert _verdict([0.99, 1.0, 1.01, 1.0, 0.995, 1.005] * 5) == "met"


def test_pairs_clearly_over_the_target_are_missed() -> None:
    assert _verdict([1.18, 1.2, 1.22, 1.19, 1.21] * 6) == "missed"


def test_pairs_spread_across_the_target_decide_nothing() -> None:
    assert _verdict([0.8, 1.3, 0.9, 1.2, 1.05, 1.0, 1.1]) == "not shown either way (noise)"
