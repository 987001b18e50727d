"""Settings, with their precedence in one place: CLI flag > WORKBENCH_* env var > default.

Per-function values (memory, timeout, concurrency) come from the SAM template; the
settings here only override the workbench's own behaviour.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

ENV_PREFIX = "WORKBENCH_"

# LocalStack's default idle keep-alive for Lambda environments (LAMBDA_KEEPALIVE_MS).
DEFAULT_KEEPALIVE_S = 600.0
DEFAULT_REGION = "us-east-1"
DEFAULT_ACCOUNT_ID = "123456789012"
# Lambda's default account-level concurrency quota.
DEFAULT_ACCOUNT_CONCURRENCY = 1000
# How long a stopping dev server lets accepted Event invocations finish.
DEFAULT_EVENT_DRAIN_S = 10.0


def env(name: str, default: str | None = None) -> str | None:
    """Read WORKBENCH_<name>; the only place the prefix is spelled."""
    return os.environ.get(ENV_PREFIX + name, default)


def cache_dir() -> Path:
    """Where expensive builds (default models) are kept across clones, keyed by recipe hash."""
    configured = env("CACHE")
    base = Path(configured) if configured else Path.home() / ".cache" / "lambda-workbench"
    return base.expanduser()


@dataclass(frozen=True)
class Settings:
    template: Path = Path("template.yaml")
    host: str = "127.0.0.1"
    port: int = 3000
    keepalive_s: float = DEFAULT_KEEPALIVE_S
    region: str = DEFAULT_REGION
    account_id: str = DEFAULT_ACCOUNT_ID
    account_concurrency: int = DEFAULT_ACCOUNT_CONCURRENCY
    hot_reload: bool = True
    event_drain_s: float = DEFAULT_EVENT_DRAIN_S
    jwks: Path | None = None  # a JWKS file JWT and Cognito authorizers trust
    api_keys: Path | None = None  # API key values, one a line, besides the template's
    # Values for the template, with SAM CLI's flag names (workbench.template.values).
    parameter_overrides: tuple[str, ...] = ()
    env_vars: Path | None = None
    config_env: str | None = None
    config_file: Path | None = None


def settings(**flags: object) -> Settings:
    """Merge CLI flags (None = not given) over WORKBENCH_* env vars over defaults."""
    from_env: dict[str, object] = {
        "template": env("TEMPLATE"),
        "host": env("HOST"),
        "port": env("PORT"),
        "keepalive_s": env("KEEPALIVE"),
        "region": env("REGION") or os.environ.get("AWS_REGION"),
        "account_concurrency": env("ACCOUNT_CONCURRENCY"),
        "hot_reload": env("HOT_RELOAD"),
        "event_drain_s": env("EVENT_DRAIN"),
        "jwks": env("JWKS"),
        "api_keys": env("API_KEYS"),
        "parameter_overrides": env("PARAMETER_OVERRIDES"),
        "env_vars": env("ENV_VARS"),
        "config_env": env("CONFIG_ENV"),
        "config_file": env("CONFIG_FILE"),
    }
    merged: dict[str, object] = {}
    for key, value in {**from_env, **{k: v for k, v in flags.items() if v is not None}}.items():
        if value is not None:
            merged[key] = value
    return Settings(**_coerce(merged))  # type: ignore[arg-type]  # _coerce checked them


def _coerce(values: dict[str, object]) -> dict[str, object]:
    types = {"template": Path, "port": int, "keepalive_s": float, "account_concurrency": int,
             "event_drain_s": float, "jwks": Path, "api_keys": Path, "env_vars": Path,
             "config_file": Path}
    out: dict[str, object] = {}
    for key, value in values.items():
        if key == "parameter_overrides":
            out[key] = (value,) if isinstance(value, str) else tuple(value)  # type: ignore[arg-type]
        elif key == "hot_reload" and isinstance(value, str):
            out[key] = value.lower() not in ("0", "false", "no", "off")
        elif key in types and isinstance(value, str):
            try:
                out[key] = types[key](value)
            except ValueError:
                from workbench.errors import WorkbenchError

                raise WorkbenchError(f"{key}: not a valid value: {value!r}") from None
        else:
            out[key] = value
    return out
