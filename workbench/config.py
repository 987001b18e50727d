"""Settings, with their precedence in one place: CLI flag > WORKBENCH_* env var > default.

Per-function values (memory, timeout, concurrency) come from the SAM template; the
settings here only override the workbench's own behaviour.
"""

from __future__ import annotations

import math
import os
import resource
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

ENV_PREFIX = "WORKBENCH_"

# LocalStack's default idle keep-alive for Lambda environments (LAMBDA_KEEPALIVE_MS).
DEFAULT_KEEPALIVE_S = 600.0
DEFAULT_REGION = "us-east-1"
DEFAULT_ACCOUNT_ID = "123456789012"
# Lambda's default account-level concurrency quota.
DEFAULT_ACCOUNT_CONCURRENCY = 1000
# How long a stopping dev server lets accepted Event invocations finish.
DEFAULT_EVENT_DRAIN_S = 10.0
# The dev server's HTTP limits (workbench.server.protocol). A request's headers must all
# arrive within HEADER_TIMEOUT of its first byte (slowloris), its body within BODY_TIMEOUT
# of the headers; a connection with no request in progress closes after IDLE_TIMEOUT
# (uvicorn's and Node's keep-alive default). 16 KB of request line and headers is Node's
# limit; API Gateway's own 10,240 bytes are checked again on its routes.
DEFAULT_HEADER_TIMEOUT_S = 10.0
DEFAULT_BODY_TIMEOUT_S = 30.0
DEFAULT_IDLE_TIMEOUT_S = 5.0
DEFAULT_MAX_HEADER_BYTES = 16384
# In-flight requests get this long to finish when the server is asked to stop.
DEFAULT_SHUTDOWN_GRACE_S = 10.0


def default_max_connections() -> int:
    """Half the process's descriptor limit (512 under Linux's usual 1,024): the other half
    is for execution environments, up to 7 descriptors each."""
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return 4096
    return max(16, min(4096, soft // 2))
# How functions run (workbench.runtime.placement): False = from their build, on the
# Runtime's Python with only the package on the path; True = the dev virtualenv (unfaithful).
DEFAULT_DEV_VENV = False


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
    header_timeout_s: float = DEFAULT_HEADER_TIMEOUT_S
    body_timeout_s: float = DEFAULT_BODY_TIMEOUT_S
    idle_timeout_s: float = DEFAULT_IDLE_TIMEOUT_S
    max_connections: int = field(default_factory=default_max_connections)
    max_header_bytes: int = DEFAULT_MAX_HEADER_BYTES
    shutdown_grace_s: float = DEFAULT_SHUTDOWN_GRACE_S
    dev_venv: bool = DEFAULT_DEV_VENV  # run on the workbench's virtualenv (unfaithful)
    strict_runtime: bool = False  # a Runtime whose Python is not installed is an error
    # (issue #16) the port an IDE attaches to, and the function debugged (needed when the
    # template has more than one)
    debug_port: int | None = None
    debug_function: str | None = None
    debug_ide: str = "dap"  # "dap" (VS Code, any DAP client) or "pycharm"

    @property
    def mode(self) -> Literal["build", "dev-venv"]:
        return "dev-venv" if self.dev_venv else "build"


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
        "header_timeout_s": env("HEADER_TIMEOUT"),
        "body_timeout_s": env("BODY_TIMEOUT"),
        "idle_timeout_s": env("IDLE_TIMEOUT"),
        "max_connections": env("MAX_CONNECTIONS"),
        "max_header_bytes": env("MAX_HEADER_BYTES"),
        "shutdown_grace_s": env("SHUTDOWN_GRACE"),
        "dev_venv": env("DEV_VENV"),
        "strict_runtime": env("STRICT_RUNTIME"),
        "debug_port": env("DEBUG_PORT"),
        "debug_function": env("DEBUG_FUNCTION"),
        "debug_ide": env("DEBUG_IDE"),
    }
    merged: dict[str, object] = {}
    for key, value in {**from_env, **{k: v for k, v in flags.items() if v is not None}}.items():
        if value is not None:
            merged[key] = value
    return Settings(**_coerce(merged))  # type: ignore[arg-type]  # _coerce checked them


# Limits that must be positive, finite numbers.
POSITIVE = ("header_timeout_s", "body_timeout_s", "idle_timeout_s", "max_connections",
            "max_header_bytes", "shutdown_grace_s")


def _coerce(values: dict[str, object]) -> dict[str, object]:
    types = {"template": Path, "port": int, "keepalive_s": float, "account_concurrency": int,
             "event_drain_s": float, "jwks": Path, "api_keys": Path, "env_vars": Path,
             "config_file": Path, "header_timeout_s": float, "body_timeout_s": float,
             "idle_timeout_s": float, "max_connections": int, "max_header_bytes": int,
             "shutdown_grace_s": float, "debug_port": int}
    out: dict[str, object] = {}
    for key, value in values.items():
        if key == "parameter_overrides":
            out[key] = (value,) if isinstance(value, str) else tuple(value)  # type: ignore[arg-type]
        elif key in ("hot_reload", "dev_venv", "strict_runtime") and isinstance(value, str):
            out[key] = value.lower() not in ("0", "false", "no", "off")
        elif key in types and isinstance(value, str):
            try:
                out[key] = types[key](value)
            except ValueError:
                from workbench.errors import WorkbenchError

                raise WorkbenchError(f"{key}: not a valid value: {value!r}") from None
        else:
            out[key] = value
        number = out[key]
        if key in POSITIVE and isinstance(number, int | float) and not 0 < number < math.inf:
            from workbench.errors import WorkbenchError

            raise WorkbenchError(f"{key}: must be a positive number, not {value!r}")
    return out
