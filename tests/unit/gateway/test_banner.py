"""The gateway's start lines: an authorizer API Gateway could not use gets no issuer line
(its note says why), and never stops the start."""

from __future__ import annotations

from pathlib import Path

from workbench.gateway import banner
from workbench.template import Api, Authorizer, Template

POOL = "arn:aws:cognito-idp:eu-west-1:123456789012:userpool/eu-west-1_Pool"


def test_only_a_usable_cognito_authorizer_names_its_issuer() -> None:
    usable = Authorizer("Good", "cognito", user_pool_arns=(POOL,))
    refused = Authorizer("Bad", "cognito", user_pool_arns=("arn:aws",), refused="not an ARN")
    api = Api("Api", "rest", "prod", authorizers={"Good": usable, "Bad": refused})
    lines = banner.lines(Template(Path("template.yaml"), {}, {"Api": api}, ()), "http://h")
    assert [line for line in lines if line.startswith("  Authorizer ")] == [
        "  Authorizer Good of Api (cognito): issuer https://cognito-idp.eu-west-1.amazonaws.com/"
        "eu-west-1_Pool; a test token: `workbench token --authorizer Good`"]
