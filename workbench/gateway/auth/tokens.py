"""Test tokens minted offline with a local RSA key, and the JWKS that trusts them.

`workbench token` and the pytest plugin's `workbench_token` fixture sign with the key at
`<cache>/tokens/key.pem` (made on first use); its public half is `<cache>/tokens/jwks.json`,
which the dev server's JWT and Cognito authorizers always trust besides any `--jwks` file.
Signing and verifying are PyJWT's (with `cryptography`): no crypto of our own.
"""

from __future__ import annotations

import functools
import json
import os
import time
import uuid
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from workbench.config import cache_dir
from workbench.errors import WorkbenchError
from workbench.template.specs import USER_POOL_ARN

KEY_ID = "workbench-local"
ALGORITHM = "RS256"  # API Gateway's JWT authorizers accept RSA keys only


def token_dir() -> Path:
    return cache_dir() / "tokens"


def local_jwks_path() -> Path:
    """The local key's JWKS file, made (with the key) on first use."""
    _private_key()
    return token_dir() / "jwks.json"


def _private_key() -> rsa.RSAPrivateKey:
    folder = token_dir()
    pem = folder / "key.pem"
    if pem.exists():
        return _load(pem, pem.stat().st_mtime_ns)
    folder.mkdir(parents=True, exist_ok=True)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    public.update(kid=KEY_ID, alg=ALGORITHM, use="sig")
    _write_atomic(folder / "jwks.json", json.dumps({"keys": [public]}, indent=2).encode())
    _write_atomic(pem, key.private_bytes(serialization.Encoding.PEM,
                                         serialization.PrivateFormat.PKCS8,
                                         serialization.NoEncryption()), mode=0o600)
    return key


@functools.lru_cache(maxsize=8)
def _load(pem: Path, mtime_ns: int) -> rsa.RSAPrivateKey:
    """Loading checks the RSA key, which is slow: once per key file (and change)."""
    key = serialization.load_pem_private_key(pem.read_bytes(), password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise WorkbenchError(f"{pem}: not an RSA private key")
    return key


def _write_atomic(path: Path, data: bytes, mode: int = 0o644) -> None:
    temporary = path.with_name(f".{path.name}.{os.getpid()}")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
    os.replace(temporary, path)


def mint(*, issuer: str, audience: str | None = None, client_id: str | None = None,
         scopes: tuple[str, ...] = (), subject: str = "test-user",
         expires_in_s: float = 3600, not_before_s: float = 0,
         claims: dict[str, Any] | None = None, now: float | None = None) -> str:
    """A signed JWT. `audience` sets `aud` (ID tokens, most IdPs); `client_id` sets
    `client_id` (Cognito access tokens, which have no `aud`)."""
    issued = time.time() if now is None else now
    payload: dict[str, Any] = {"iss": issuer, "sub": subject, "iat": int(issued),
                               "exp": int(issued + expires_in_s), "jti": str(uuid.uuid4())}
    if not_before_s:
        payload["nbf"] = int(issued + not_before_s)
    if audience is not None:
        payload["aud"] = audience
    if client_id is not None:
        payload["client_id"] = client_id
    if scopes:
        payload["scope"] = " ".join(scopes)
    payload.update(claims or {})
    return jwt.encode(payload, _private_key(), algorithm=ALGORITHM, headers={"kid": KEY_ID})


def cognito_issuer(user_pool_arn: str) -> str:
    """A user pool's token issuer, from its ARN (an authorizer naming anything else is
    refused at load: `user_pool_problem`)."""
    match = USER_POOL_ARN.fullmatch(user_pool_arn)
    if match is None:
        raise WorkbenchError(f"not a Cognito user pool ARN: {user_pool_arn!r}")
    return f"https://cognito-idp.{match['region']}.amazonaws.com/{match['id']}"
