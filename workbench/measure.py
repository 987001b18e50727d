"""Measure a function's cold-start profile in real environments, as REPORT lines.

Each round is one cold start (a fresh environment: a new process imports the handler and
loads its model) followed by `warm` calls to the same environment; then the environment
is retired, as a code change would, so the next round is cold again. Rounds run one at a
time: INITs racing for two cores would measure the machine, not the function.

The result is the function's log (START, the handler's output, END, REPORT), as its
CloudWatch log group would hold it, so a profile is always built by one path:
REPORT lines -> `Profile.from_reports`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from workbench.errors import AwsError, WorkbenchError
from workbench.runtime.placement import Mode
from workbench.runtime.pool import Runtime
from workbench.template import Template


async def measure(template: Template, function: str, payload: bytes, *, cold: int, warm: int,
                  region: str, on_round: Callable[[int], None] | None = None,
                  mode: Mode | None = None, strict_runtime: bool | None = None) -> str:
    """Invoke `function` in `cold` fresh environments, `1 + warm` times each; return the log.
    It runs as `mode` says (default: WORKBENCH_DEV_VENV), from its build, built quietly."""
    spec = template.function(function)
    if spec is None:
        raise WorkbenchError(f"no function {function!r} in {template.path} "
                             f"(it has {', '.join(sorted(template.functions))})")
    if cold < 1 or warm < 0:
        raise WorkbenchError("--cold must be at least 1 and --warm at least 0")
    # Provisioned environments INIT before any call, so no call would report a cold start.
    unprovisioned = dataclasses.replace(spec, provisioned_concurrency=0)
    template = template.alone(unprovisioned)
    runtime = Runtime(template, region=region, keepalive_s=0, mode=mode,
                      strict_runtime=strict_runtime, say=lambda _: None)
    log: list[str] = []
    try:
        for round_ in range(cold):
            for _ in range(1 + warm):
                result = await runtime.invoke(spec.name, payload)
                log.append(result.logs)
                if result.function_error is not None:
                    detail = result.payload.decode("utf-8", errors="replace")[:300]
                    raise WorkbenchError(f"{spec.name} failed while measuring: "
                                         f"{result.error_type}: {detail}")
            await runtime.retire(spec.name)
            if on_round is not None:
                on_round(round_ + 1)
    except AwsError as error:
        raise WorkbenchError(f"{error.error_type}: {error.message}") from None
    finally:
        await runtime.close()
    return "".join(text if text.endswith("\n") else text + "\n" for text in log)
