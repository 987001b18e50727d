"""The environment variables of an execution environment, as Lambda sets them."""

from __future__ import annotations

import os
import secrets
import time
from pathlib import Path

from workbench.runtime.placement import Placement

# Host variables an environment inherits on purpose: credentials and endpoints (so boto3 in
# a handler reaches LocalStack or the user's account), and HOME (for ~/.aws). Nothing else
# of the developer's shell gets in: on Lambda the sandbox starts from a clean environment.
PASSTHROUGH = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "HOME")
PASSTHROUGH_PREFIXES = ("AWS_ENDPOINT_URL",)
# Variables an interpreter or the runtime client reads when it starts: a function setting
# one needs an interpreter of its own (the fork server's children started long ago).
STARTUP_PREFIXES = ("PYTHON", "LD_")
STARTUP_NAMES = ("AWS_LAMBDA_LOG_FORMAT", "AWS_LAMBDA_LOG_LEVEL")
STARTUP_EXEMPT = ("PYTHONPATH",)  # the sandbox sets sys.path itself
XRAY_DAEMON = ("127.0.0.1", 2000)
LATEST = "$LATEST"
# A template is deployed once: what AutoPublishAlias (or an AWS::Lambda::Version) publishes
# is version 1, and an alias points to it.
PUBLISHED = "1"


def version_of(qualifier: str | None) -> str:
    """The function version an invocation naming `qualifier` (an alias, a version,
    $LATEST or nothing) runs."""
    return LATEST if qualifier in (None, LATEST) else PUBLISHED


def log_stream_name(version: str = LATEST) -> str:
    # Lambda's form: YYYY/MM/DD/[<version>]<32 hex digits>
    return f"{time.strftime('%Y/%m/%d', time.gmtime())}/[{version}]{secrets.token_hex(16)}"


def lambda_environment(placement: Placement, *, runtime_api: str, region: str,
                       tmpdir: Path | None, log_stream: str, extra: dict[str, str],
                       init_type: str, version: str = LATEST) -> dict[str, str]:
    spec = placement.spec
    name = spec.function_name or spec.name
    env = {key: os.environ[key] for key in PASSTHROUGH if key in os.environ}
    env.update({k: v for k, v in os.environ.items() if k.startswith(PASSTHROUGH_PREFIXES)})
    interpreter_bin = str(Path(placement.choice.interpreter.path).parent)
    layer_dirs = [str(layer) for layer in spec.layers]
    # Lambda: PATH=/var/lang/bin:/usr/local/bin:/usr/bin/:/bin:/opt/bin, LD_LIBRARY_PATH
    # =/var/lang/lib:/lib64:/usr/lib64:/var/runtime:/var/runtime/lib:/var/task:/var/task/lib
    # :/opt/lib, PYTHONPATH=/var/runtime (its base images' Dockerfiles); the same places here.
    runtime_dir = str(placement.runtime_dir) if placement.runtime_dir else ""
    env.update({
        "AWS_LAMBDA_FUNCTION_NAME": name,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.memory_mb),
        "AWS_LAMBDA_FUNCTION_TIMEOUT": str(int(spec.timeout_s)),
        "AWS_LAMBDA_FUNCTION_VERSION": version,
        "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{name}",
        "AWS_LAMBDA_LOG_STREAM_NAME": log_stream,
        "AWS_LAMBDA_INITIALIZATION_TYPE": init_type,
        "AWS_LAMBDA_RUNTIME_API": runtime_api,
        "AWS_EXECUTION_ENV": f"AWS_Lambda_{spec.runtime}",
        "AWS_REGION": region,
        "AWS_DEFAULT_REGION": region,
        "LAMBDA_TASK_ROOT": str(spec.code_uri),
        "LAMBDA_RUNTIME_DIR": runtime_dir or str(Path(__file__).parent),
        "_HANDLER": spec.handler,
        # Lambda sets these for the X-Ray SDK whether or not the function is traced; its
        # daemon's address here is this machine's port 2000, where a local X-Ray daemon
        # listens, rather than Lambda's link-local one (configuration-envvars.html).
        "AWS_XRAY_CONTEXT_MISSING": "LOG_ERROR",
        "AWS_XRAY_DAEMON_ADDRESS": f"{XRAY_DAEMON[0]}:{XRAY_DAEMON[1]}",
        "_AWS_XRAY_DAEMON_ADDRESS": XRAY_DAEMON[0],
        "_AWS_XRAY_DAEMON_PORT": str(XRAY_DAEMON[1]),
        "TZ": ":UTC",
        "LANG": "en_US.UTF-8",
        "PATH": os.pathsep.join([interpreter_bin, "/usr/local/bin", "/usr/bin", "/bin",
                                 *(str(Path(d) / "bin") for d in layer_dirs)]),
        "LD_LIBRARY_PATH": os.pathsep.join([
            *([runtime_dir, str(Path(runtime_dir) / "lib")] if runtime_dir else []),
            str(spec.code_uri), str(spec.code_uri / "lib"),
            *(str(Path(d) / "lib") for d in layer_dirs)]),
    })
    if runtime_dir:
        env["PYTHONPATH"] = runtime_dir
    if tmpdir is not None:
        env["TMPDIR"] = str(tmpdir)
    env.update(spec.environment)
    env.update(extra)
    return env


def needs_exec(placement: Placement, extra: dict[str, str]) -> bool:
    """True when the environment needs an interpreter started for it: the function sets a
    variable read at startup, or its package ships shared libraries found by path."""
    for key in (*placement.spec.environment, *extra):
        if (key.startswith(STARTUP_PREFIXES) or key in STARTUP_NAMES) \
                and key not in STARTUP_EXEMPT:
            return True
    libs = [placement.spec.code_uri / "lib", *(layer / "lib" for layer in placement.spec.layers)]
    return any(lib.is_dir() for lib in libs)
