"""A Cognito authorizer API Gateway could not use answers as API Gateway does."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from workbench.gateway import errors as gw
from workbench.gateway.auth.jwt_auth import KeyRing, verify_cognito
from workbench.gateway.auth.tokens import local_jwks_path, mint
from workbench.template import Authorizer


def test_a_refused_cognito_authorizer_answers_500(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WORKBENCH_CACHE", str(tmp_path))
    refused = Authorizer("Pool", "cognito", user_pool_arns=("arn:aws",),
                         refused="user pool 'arn:aws' is not a user pool ARN")
    token = mint(issuer="https://cognito-idp.us-east-1.amazonaws.com/p",
                 claims={"token_use": "id"})
    with pytest.raises(gw.AuthorizerConfiguration) as raised:
        verify_cognito(refused, token, (), KeyRing((local_jwks_path(),), online=False))
    answer = raised.value.render("rest")
    assert answer.status == 500 and json.loads(answer.body) == {"message": None}
