"""The pytest plugin as a user's suite meets it: a real inner pytest run (its own process,
the plugin loaded by its entry point) against a template of two functions, one of which
does not build."""

from __future__ import annotations

import re

import pytest

pytest_plugins = ["pytester"]
pytestmark = pytest.mark.functional

TEMPLATE = """
Transform: AWS::Serverless-2016-10-31
Resources:
  Good:
    Type: AWS::Serverless::Function
    Properties: {CodeUri: good, Handler: app.handler, Runtime: python3.11}
  Broken:
    Type: AWS::Serverless::Function
    Properties: {CodeUri: broken, Handler: app.handler, Runtime: python3.11}
"""
SUITE = """
import json

def test_the_function_that_builds_answers(workbench_invoke):
    result = workbench_invoke("template.yaml", "Good", {"n": 2})
    assert json.loads(result.payload) == {"twice": 4}
    assert result.function_error is None and "REPORT RequestId" in result.logs

def test_the_broken_one_fails_with_its_build_error(workbench_invoke):
    workbench_invoke("template.yaml", "Broken", {})

def test_a_name_that_is_not_there(workbench_invoke):
    workbench_invoke("template.yaml", "Nope", {})
"""


def test_workbench_invoke_builds_the_function_it_invokes_alone(
        pytester: pytest.Pytester) -> None:
    (pytester.path / "good").mkdir()
    (pytester.path / "good" / "app.py").write_text(
        "def handler(event, context):\n    return {'twice': event['n'] * 2}\n")
    (pytester.path / "broken").mkdir()
    (pytester.path / "broken" / "app.py").write_text("def handler(event, context): pass\n")
    # A requirement that cannot exist: its build fails, and only its own.
    (pytester.path / "broken" / "requirements.txt").write_text("Not A Requirement!\n")
    (pytester.path / "template.yaml").write_text(TEMPLATE)
    pytester.makepyfile(test_suite=SUITE)
    run = pytester.runpytest_subprocess("-p", "no:cacheprovider", timeout=600)
    run.assert_outcomes(passed=1, failed=2)
    out = run.stdout.str()
    assert re.search(r"\nBroken: \S+/broken/requirements.txt: pip could not install the "
                     r"requirements .*Invalid requirement: 'Not A Requirement!'", out)
    assert "During handling" not in out  # the build's one line, not the plugin's insides
    assert "no function 'Nope' in template.yaml (it has Broken, Good)" in out
