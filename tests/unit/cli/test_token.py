"""`workbench token --authorizer` on an authorizer API Gateway could not use: one line."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench.cli import main

TEMPLATE = """
Transform: AWS::Serverless-2016-10-31
Resources:
  Api: {Type: AWS::Serverless::Api, Properties: {StageName: prod,
        Auth: {Authorizers: {Pool: {UserPoolArn: "arn:aws"}}}}}
  Fn: {Type: AWS::Serverless::Function,
       Properties: {CodeUri: ., Handler: app.handler, Runtime: python3.11}}
"""

def test_a_token_for_a_refused_authorizer_is_one_line_and_exit_2(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "app.py").write_text("def handler(e, c): return e\n")
    (tmp_path / "template.yaml").write_text(TEMPLATE)
    code = main(["token", "--authorizer", "Pool", "--template", str(tmp_path / "template.yaml")])
    err = capsys.readouterr().err
    assert code == 2 and err == ("workbench: token: authorizer 'Pool' cannot be used: user "
                                 "pool 'arn:aws' is not a user pool ARN, arn:aws:cognito-idp:"
                                 "REGION:ACCOUNT:userpool/ID\n")
