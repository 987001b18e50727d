"""Issue 6's benchmark: cold and warm latency of the NER and QA functions through LocalStack
(Invoke API and API Gateway) beside the same calls through the dev server, in one run.

Cold calls: on LocalStack a configuration change retires the function's environments; on
the dev server the first call after start is cold (one server per entry point). Both run
the same workbench environments, so the ratios are what LocalStack's routing, its executor
hand-off and S3 model download at INIT cost.
"""

from __future__ import annotations

import json
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from workbench import template
from workbench.gateway.events import post_event
from workbench.localstack import deploy, service
from workbench.pytest_plugin import start_server

ROOT = Path(__file__).parents[1]
WARM = 10
REQUESTS = json.loads((ROOT / "fixtures" / "golden" / "requests.json").read_text())
BODIES = {"NerFunction": ("/ner", {"batch": (REQUESTS["ner"] * 20)[:100]}),
          "QaFunction": ("/qa", REQUESTS["qa"][0])}


def _event(path: str, body: Any) -> bytes:
    return json.dumps(post_event(path, body)).encode()


def _series(call: Callable[[], None]) -> dict[str, float]:
    times = []
    for _ in range(WARM + 1):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    return {"cold_ms": round(times[0], 1), "warm_p50_ms": round(statistics.median(times[1:]), 2)}


def _ok(response: httpx.Response) -> None:
    if response.status_code != 200 or response.headers.get("x-amz-function-error"):
        raise RuntimeError(f"{response.status_code}: {response.text[:200]}")


def _localstack(deployment: deploy.Deployment, function: str) -> dict[str, Any]:
    lam = deploy.client("lambda", deployment.endpoint, deployment.region)
    name = deployment.functions[function]
    path, body = BODIES[function]
    variables = lam.get_function_configuration(FunctionName=name)["Environment"]["Variables"]

    def retire() -> None:  # a configuration change: the next call gets a new environment
        lam.update_function_configuration(FunctionName=name, Environment={
            "Variables": {**variables, "BENCH_NONCE": uuid.uuid4().hex}})
        lam.get_waiter("function_updated_v2").wait(FunctionName=name)

    def invoke() -> None:
        response = lam.invoke(FunctionName=name, Payload=_event(path, body))
        if response.get("FunctionError"):
            raise RuntimeError(response["Payload"].read()[:200])

    url = deployment.urls[f"POST {path}"]
    retire()
    invoke_api = _series(invoke)
    retire()
    api_gateway = _series(lambda: _ok(httpx.post(url, json=body, timeout=300,
                                                 trust_env=False)))
    return {"invoke_api": invoke_api, "api_gateway": api_gateway}


def _dev_server(function: str, log_dir: Path) -> dict[str, Any]:
    path, body = BODIES[function]
    results = {}
    for entry in ("invoke_api", "api_gateway"):
        server = start_server(ROOT / "template.yaml", log_dir / f"{function}-{entry}.log",
                              "--quiet", "--no-reload")
        try:
            if entry == "invoke_api":
                request = {"url": f"{server.url}/2015-03-31/functions/{function}/invocations",
                           "content": _event(path, body)}
            else:
                request = {"url": server.url + path, "json": body}
            results[entry] = _series(
                lambda request=request: _ok(httpx.post(**request, timeout=300)))
        finally:
            server.stop()
    return results


def run() -> dict[str, Any]:
    started = service.start(quiet=True) if service.health() is None else None
    try:
        deployment = deploy.deploy(template.load(ROOT / "template.yaml"),
                                   endpoint=service.endpoint(), say=lambda _: None)
        out: dict[str, Any] = {"warm_calls": WARM}
        with tempfile.TemporaryDirectory() as logs:
            for function in BODIES:
                localstack = _localstack(deployment, function)
                dev = _dev_server(function, Path(logs))
                ratios = {f"{entry}_{kind}_localstack_over_dev": round(
                    localstack[entry][key] / dev[entry][key], 2)
                    for entry in ("invoke_api", "api_gateway")
                    for kind, key in (("cold", "cold_ms"), ("warm", "warm_p50_ms"))}
                out[function] = {"localstack": localstack, "dev_server": dev,
                                 "ratios": ratios}
        return out
    finally:
        if started is not None:
            service.stop()
