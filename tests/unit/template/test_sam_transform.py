"""The SAM transform's own log lines stay out of the user's terminal."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from workbench import template

# DeploymentPreference makes samtranslator ask its feature toggles, which warn.
TOGGLED = """
Transform: AWS::Serverless-2016-10-31
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: .
      Handler: app.handler
      Runtime: python3.11
      AutoPublishAlias: live
      DeploymentPreference: {Type: AllAtOnce}
"""


def test_the_translators_warnings_are_not_shown(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setenv("WORKBENCH_CACHE", str(tmp_path / "cache"))  # a transform, not a hit
    (tmp_path / "app.py").write_text("def handler(e, c): return e\n")
    (tmp_path / "template.yaml").write_text(TOGGLED)
    translator = logging.getLogger("samtranslator")
    level = translator.level
    with caplog.at_level(logging.DEBUG):
        assert "Fn" in template.load(tmp_path / "template.yaml").functions
    assert not [r for r in caplog.records if r.name.startswith("samtranslator")]
    assert translator.level == level  # quiet during the transform only
