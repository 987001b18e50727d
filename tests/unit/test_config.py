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


def test_limits_have_defaults_and_must_be_positive(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = config.settings()
    assert (settings.header_timeout_s, settings.idle_timeout_s, settings.shutdown_grace_s) == (
        10.0, 5.0, 10.0)
    assert settings.max_connections >= 16
    monkeypatch.setenv("WORKBENCH_MAX_CONNECTIONS", "8")
    assert config.settings().max_connections == 8
    assert config.settings(max_connections=3).max_connections == 3
    for bad in ("0", "-1", "inf", "nan"):
        monkeypatch.setenv("WORKBENCH_HEADER_TIMEOUT", bad)
        with pytest.raises(WorkbenchError, match="header_timeout_s: must be a positive number"):
            config.settings()
