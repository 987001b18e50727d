from __future__ import annotations

from pathlib import Path

import pytest

from workbench import config
from workbench.errors import WorkbenchError


def test_flag_beats_env_beats_default(monkeypatch: pytest.MonkeyPatch) -> None:
    assert config.settings().port == 3000
    monkeypatch.setenv("WORKBENCH_PORT", "4000")
    monkeypatch.setenv("WORKBENCH_KEEPALIVE", "0")
    monkeypatch.setenv("WORKBENCH_HOT_RELOAD", "false")
    assert config.settings().port == 4000
    assert config.settings(port=5000).port == 5000
    assert config.settings().keepalive_s == 0.0 and not config.settings().hot_reload
    assert config.settings(template=Path("x.yaml")).template == Path("x.yaml")


def test_bad_env_values_are_one_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WORKBENCH_PORT", "lots")
    with pytest.raises(WorkbenchError, match="port: not a valid value: 'lots'"):
        config.settings()
