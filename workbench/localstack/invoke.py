"""The functions deployed in LocalStack, invoked through its Lambda Invoke API with the
same signature as the workbench's own runtime (`Runtime.invoke`), so replay can use either.
"""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import httpx

from workbench.errors import AwsError, TooManyRequests
from workbench.runtime.logs import parse_report
from workbench.runtime.types import InvocationResult


class LocalStackInvoker:
    def __init__(self, endpoint: str, functions: dict[str, str] | None = None) -> None:
        self.endpoint = endpoint.rstrip("/")
        self.functions = functions or {}  # logical id -> deployed FunctionName
        self.client = httpx.AsyncClient(timeout=900, trust_env=False)

    async def invoke(self, function: str, payload: bytes) -> InvocationResult:
        name = self.functions.get(function, function)
        started = time.perf_counter()
        response = await self.client.post(
            f"{self.endpoint}/2015-03-31/functions/{name}/invocations", content=payload,
            headers={"X-Amz-Log-Type": "Tail", "X-Amz-Invocation-Type": "RequestResponse"})
        latency_ms = (time.perf_counter() - started) * 1000
        if response.status_code == 429:
            raise TooManyRequests(_message(response))
        if response.status_code != 200:
            error = AwsError(_message(response))
            error.status = response.status_code
            error.error_type = response.headers.get("x-amzn-errortype", "ServiceException")
            raise error
        logs = base64.b64decode(response.headers.get("x-amz-log-result", "")).decode(
            errors="replace")
        report = next((r for line in logs.splitlines() if (r := parse_report(line))), None)
        function_error = response.headers.get("x-amz-function-error")
        error_type = None
        if function_error:
            try:
                error_type = json.loads(response.content).get("errorType")
            except (ValueError, AttributeError):
                error_type = "Unknown"
        return InvocationResult(
            request_id=response.headers.get("x-amzn-requestid", ""), payload=response.content,
            function_error=function_error, error_type=error_type,
            duration_ms=report.duration_ms if report else latency_ms,
            init_duration_ms=report.init_duration_ms if report else None,
            max_memory_used_mb=report.max_memory_used_mb if report else 0,
            memory_size_mb=report.memory_size_mb if report else 0,
            cold=bool(report and report.init_duration_ms is not None), logs=logs,
            environment_id="", function=function)

    async def close(self) -> None:
        await self.client.aclose()


def _message(response: httpx.Response) -> str:
    try:
        document: Any = response.json()
        return str(document.get("message") or document.get("Message") or document)
    except ValueError:
        return response.text[:200]
