"""`workbench token` and the `workbench_token` fixture: tokens minted offline that the
local JWKS verifies, and the CLI's mistakes as one line and exit code 2."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import jwt
import pytest

from tests.cli import workbench
from workbench.gateway.auth.jwt_auth import KeyRing, verify_jwt
from workbench.template import Authorizer

pytestmark = pytest.mark.functional


def test_cli_tokens_verify_against_the_printed_jwks(tmp_path: Path) -> None:
    env = {"WORKBENCH_CACHE": str(tmp_path)}
    made = workbench("token", "--issuer", "https://id.example", "--audience", "api",
                     "--scope", "read", "--claim", "tier=3", "--claim", "team=ml", env=env)
    assert made.returncode == 0, made.stderr
    jwks = Path(workbench("token", "--jwks", env=env).stdout.strip())
    token = made.stdout.strip()
    grant = verify_jwt(Authorizer("A", "jwt", issuer="https://id.example", audiences=("api",)),
                       token, ("read",), KeyRing((jwks,), online=False))
    assert grant.claims["tier"] == "3" and grant.claims["team"] == "ml"
    assert jwt.get_unverified_header(token)["alg"] == "RS256"


@pytest.mark.parametrize("args, message", [
    ((), "give --issuer"), (("--issuer", "x", "--claim", "novalue"), "NAME=VALUE"),
    (("--authorizer", "Nope", "--template", "missing.yaml"), "missing.yaml"),
])
def test_cli_mistakes_are_one_line_and_exit_2(tmp_path: Path, args: tuple[str, ...],
                                              message: str) -> None:
    done = workbench("token", *args, env={"WORKBENCH_CACHE": str(tmp_path)})
    assert done.returncode == 2 and message in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_fixture_mints_with_the_same_key(workbench_token: Callable[..., str], tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WORKBENCH_CACHE", str(tmp_path))
    token = workbench_token(issuer="https://id.example", audience="api", expires_in_s=-1)
    jwks = Path(workbench("token", "--jwks", env={"WORKBENCH_CACHE": str(tmp_path)}).stdout
                .strip())
    with pytest.raises(Exception, match="Unauthorized"):  # expired: 401
        verify_jwt(Authorizer("A", "jwt", issuer="https://id.example"), token, (),
                   KeyRing((jwks,), online=False))
