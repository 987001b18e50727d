"""The committed cold-start profiles (`make profiles`): each is exactly the REPORT lines
of the log kept beside it, for a function of template.yaml at its MemorySize."""

from __future__ import annotations

import statistics
from pathlib import Path

import pytest

from workbench import template
from workbench.profile import Profile
from workbench.replay import importers

ROOT = Path(__file__).parents[2]
PROFILES = sorted((ROOT / "fixtures" / "profiles").glob("*.json"))
TEMPLATE = template.load(ROOT / "template.yaml")


def test_both_handlers_have_a_profile() -> None:
    assert {p.stem for p in PROFILES} == {"NerFunction", "QaFunction"}


@pytest.mark.parametrize("path", PROFILES, ids=lambda p: p.stem)
def test_a_profile_is_the_report_lines_of_its_log(path: Path) -> None:
    profile = Profile.load(path)
    spec = TEMPLATE.function(profile.function)
    assert spec is not None and profile.memory_mb == spec.memory_mb
    problems: list[tuple[str, str]] = []
    reports = importers.reports(ROOT / profile.source, lambda *p: problems.append(p))
    rebuilt = Profile.from_reports(profile.function, reports, source=profile.source)
    assert rebuilt.to_dict() == profile.to_dict() and not problems


@pytest.mark.parametrize("path", PROFILES, ids=lambda p: p.stem)
def test_a_profile_measures_cold_starts(path: Path) -> None:
    profile = Profile.load(path)
    assert len(profile.init_duration_ms) >= 10  # enough for a distribution
    assert len(profile.duration_ms) > len(profile.init_duration_ms)  # and warm calls
    # Loading spaCy or MXNet and a model is what makes these handlers' cold starts hurt.
    assert statistics.median(profile.init_duration_ms) > 3 * statistics.median(
        profile.duration_ms)
