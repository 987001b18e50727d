"""One simulation, or a sweep of them, from arrivals and a profile to a summary and reports."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

from workbench.errors import WorkbenchError
from workbench.profile import Profile
from workbench.report import charts, html
from workbench.simulate.cost import Prices, costs
from workbench.simulate.engine import Limits, Outcome, Sampler, simulate

SWEEPABLE = {"reserved": int, "provisioned": int, "memory": int, "keepalive": float}


def summarise(outcome: Outcome, limits: Limits, prices: Prices) -> dict[str, Any]:
    served = outcome.invocations - outcome.throttles

    def ms(histogram: Any, q: float) -> float | None:
        value = histogram.percentile(q)
        return None if value is None else round(value * 1000, 2)

    span = outcome.span_s
    return {
        "invocations": outcome.invocations,
        "cold_starts": outcome.cold_starts,
        "cold_start_rate": round(outcome.cold_starts / served, 5) if served else 0.0,
        "throttles": outcome.throttles,
        "environments_created": outcome.environments_created,
        "peak_concurrency": outcome.peak_concurrency,
        "mean_concurrency": round(outcome.busy_seconds / span, 3) if span else 0.0,
        "latency_ms": {f"p{q}": ms(outcome.with_init, q) for q in (50, 90, 99)},
        "latency_without_init_ms": {f"p{q}": ms(outcome.without_init, q) for q in (50, 90, 99)},
        "simulated_seconds": round(span, 3),
        "settings": {"memory_mb": limits.memory_mb, "reserved": limits.reserved,
                     "provisioned": limits.provisioned, "keepalive_s": limits.keepalive_s,
                     "account_concurrency": limits.account_concurrency,
                     "scale_per_window": limits.scale_per_window},
        "cost": costs(prices, requests=served, billed_ms=outcome.billed_ms,
                      memory_mb=limits.memory_mb, provisioned=limits.provisioned,
                      span_s=span),
    }


def one(arrivals: Callable[[], Iterator[float]], profile: Profile, limits: Limits,
        prices: Prices, seed: int) -> tuple[dict[str, Any], Outcome]:
    outcome = simulate(arrivals(), Sampler(profile, limits.memory_mb, seed), limits)
    if outcome.invocations == 0:
        raise WorkbenchError("no arrivals to simulate (empty trace, or no record of that "
                             "function)")
    return summarise(outcome, limits, prices), outcome


def parse_sweep(spec: str) -> tuple[str, list[Any]]:
    name, sep, values = spec.partition("=")
    if not sep or name not in SWEEPABLE:
        raise WorkbenchError(f"--sweep {spec!r}: use NAME=V1,V2,... with NAME one of "
                             f"{', '.join(SWEEPABLE)}")
    try:
        parsed = [SWEEPABLE[name](v) for v in values.split(",") if v]
    except ValueError:
        raise WorkbenchError(f"--sweep {spec!r}: values must be numbers") from None
    if not parsed or any(v < 0 for v in parsed) or (name == "memory" and min(parsed) < 128):
        raise WorkbenchError(f"--sweep {spec!r}: values must be non-negative (memory >= 128)")
    return name, parsed


def swept(limits: Limits, name: str, value: Any) -> Limits:
    field = {"reserved": "reserved", "provisioned": "provisioned", "memory": "memory_mb",
             "keepalive": "keepalive_s"}[name]
    return replace(limits, **{field: value})


def write_report(directory: Path, summary: dict[str, Any], outcome: Outcome,
                 extra: list[tuple[str, str]] | None = None) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "report.json").write_text(json.dumps(summary, indent=2) + "\n")
    series = outcome.series
    width = series.width
    concurrency = [(i * width, float(v)) for i, v in enumerate(series.peak)]
    colds = [(i * width, float(v)) for i, v in enumerate(series.colds)]
    rows = [[k, v] for k, v in summary.items() if not isinstance(v, dict)]
    rows += [[f"latency {k}", v] for k, v in summary["latency_ms"].items()]
    rows += [[f"latency without INIT {k}", v]
             for k, v in summary["latency_without_init_ms"].items()]
    rows += [[k, v] for k, v in summary["cost"].items()]
    sections = [
        ("Summary", html.table(["measure", "value"], rows)),
        ("Concurrency", charts.line_chart({"peak concurrency": concurrency},
                                          title=f"Concurrency over time ({width:g} s buckets)",
                                          x_label="seconds", y_label="environments busy",
                                          step=True)),
        ("Cold starts", charts.line_chart({"cold starts": colds},
                                          title="Cold starts over time", x_label="seconds",
                                          y_label="per bucket", step=True)),
        ("Latency", charts.cdf_chart({"with INIT": outcome.with_init.cdf(),
                                      "without INIT": outcome.without_init.cdf()},
                                     title="Latency CDF", x_label="milliseconds")),
        *(extra or []),
    ]
    (directory / "report.html").write_text(html.page("Lambda simulation", sections))
