"""Is a replayed response the recorded one? Volatile fields are normalised first."""

from __future__ import annotations

import difflib
import json
import re
from typing import Any, Literal

Verdict = Literal["identical", "changed", "failed"]
VOLATILE_KEYS = {"requestId", "extendedRequestId", "requestTime", "requestTimeEpoch", "time",
                 "timeEpoch", "request_id", "aws_request_id", "x-amzn-RequestId",
                 "Apigw-Requestid", "remaining_ms", "pid", "log_stream", "tmp",
                 # X-Ray: a new trace per request, unless the client sent one
                 "X-Amzn-Trace-Id", "x-amzn-trace-id", "_X_AMZN_TRACE_ID",
                 # where the replay is sent: a new target has a new address
                 "Host", "host", "domainName", "domainPrefix", "X-Forwarded-Port",
                 "x-forwarded-port"}
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def normalise(value: Any) -> Any:
    """Drop what differs on every call: ids, times, pids; JSON bodies are parsed first."""
    if isinstance(value, dict):
        return {k: "<volatile>" if k in VOLATILE_KEYS else normalise(v)
                for k, v in value.items()}
    if isinstance(value, list):
        return [normalise(v) for v in value]
    if isinstance(value, str):
        if value[:1] in "{[":
            try:
                return normalise(json.loads(value))
            except ValueError:
                pass
        return UUID.sub("<uuid>", value)
    return value


def diff(recorded: Any, replayed: Any) -> str:
    before = json.dumps(normalise(recorded), indent=1, sort_keys=True).splitlines()
    after = json.dumps(normalise(replayed), indent=1, sort_keys=True).splitlines()
    return "\n".join(difflib.unified_diff(before, after, "recorded", "replayed", lineterm="",
                                          n=1))


def verdict(recorded: Any, replayed: Any, failed: bool) -> tuple[Verdict, str]:
    if failed:
        return "failed", ""
    if normalise(recorded) == normalise(replayed):
        return "identical", ""
    return "changed", diff(recorded, replayed)
