"""The environment variables of an execution environment, as Lambda sets them."""

from __future__ import annotations

import os
import secrets
import time
from pathlib import Path

from workbench.template import FunctionSpec

# Host variables an environment inherits: credentials and endpoints (so boto3 in a
# handler reaches LocalStack or the user's account), and what a process needs to run.
# Nothing else leaks in: on Lambda the sandbox starts from a clean environment.
PASSTHROUGH = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
               "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "HOME", "LANG", "PATH")


def log_stream_name() -> str:
    # Lambda's form: YYYY/MM/DD/[$LATEST]<32 hex digits>
    return time.strftime("%Y/%m/%d", time.gmtime()) + "/[$LATEST]" + secrets.token_hex(16)


def lambda_environment(spec: FunctionSpec, *, runtime_api: str, region: str, tmp: Path,
                       log_stream: str, extra: dict[str, str], init_type: str) -> dict[str, str]:
    name = spec.function_name or spec.name
    python_path = [str(spec.code_uri)]
    # Layers are extracted to /opt on Lambda; Python runtimes put /opt/python on the path.
    for layer in spec.layers:
        python_path += [str(layer / "python"), str(layer)]
    env = {key: os.environ[key] for key in PASSTHROUGH if key in os.environ}
    env.update({
        "AWS_LAMBDA_FUNCTION_NAME": name,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.memory_mb),
        "AWS_LAMBDA_FUNCTION_TIMEOUT": str(int(spec.timeout_s)),
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{name}",
        "AWS_LAMBDA_LOG_STREAM_NAME": log_stream,
        "AWS_LAMBDA_INITIALIZATION_TYPE": init_type,
        "AWS_LAMBDA_RUNTIME_API": runtime_api,
        "AWS_EXECUTION_ENV": f"AWS_Lambda_{spec.runtime}",
        "AWS_REGION": region,
        "AWS_DEFAULT_REGION": region,
        "LAMBDA_TASK_ROOT": str(spec.code_uri),
        "LAMBDA_RUNTIME_DIR": str(Path(__file__).parent),
        "_HANDLER": spec.handler,
        "TZ": ":UTC",
        "LANG": env.get("LANG", "en_US.UTF-8"),
        "PYTHONPATH": os.pathsep.join(python_path),
        "PYTHONUNBUFFERED": "1",
        "TMPDIR": str(tmp),
    })
    env.update(spec.environment)
    env.update(extra)
    return env
