"""`--speed` (CLI) and `speed=` (pytest helper) are read by one function."""

from __future__ import annotations

import pytest

from workbench.errors import WorkbenchError
from workbench.replay.run import parse_speed


@pytest.mark.parametrize("given, expected", [("max", None), ("1.0", 1.0), ("10", 10.0),
                                             (2.5, 2.5)])
def test_speeds(given: str | float, expected: float | None) -> None:
    assert parse_speed(given) == expected


@pytest.mark.parametrize("given", ["fast", "0", "-1", "nan", "", 0.0])
def test_bad_speeds_are_one_clear_error(given: str | float) -> None:
    with pytest.raises(WorkbenchError, match="a positive number or max"):
        parse_speed(given)
