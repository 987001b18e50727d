"""What a simulated run costs on Lambda, beside an always-on instance.

Prices are parameters; the defaults are AWS's published us-east-1 x86 prices (2025):
$0.20 per million requests, $0.0000166667 per GB-second of duration (INIT included
since August 2025 for managed runtimes), provisioned concurrency $0.0000041667 per
GB-second while provisioned.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Prices:
    per_million_requests: float = 0.20
    per_gb_second: float = 0.0000166667
    provisioned_per_gb_second: float = 0.0000041667
    instance_per_hour: float = 0.0832  # an m5.large-class instance, on demand


def costs(prices: Prices, *, requests: int, billed_ms: float, memory_mb: int,
          provisioned: int, span_s: float) -> dict[str, float]:
    gb = memory_mb / 1024
    gb_seconds = billed_ms / 1000 * gb
    request_cost = requests / 1e6 * prices.per_million_requests
    duration_cost = gb_seconds * prices.per_gb_second
    provisioned_cost = provisioned * gb * span_s * prices.provisioned_per_gb_second
    total = request_cost + duration_cost + provisioned_cost
    instance = span_s / 3600 * prices.instance_per_hour
    return {
        "gb_seconds": round(gb_seconds, 3),
        "request_cost_usd": round(request_cost, 6),
        "duration_cost_usd": round(duration_cost, 6),
        "provisioned_cost_usd": round(provisioned_cost, 6),
        "lambda_total_usd": round(total, 6),
        "always_on_instance_usd": round(instance, 6),
        "lambda_vs_instance_ratio": round(total / instance, 3) if instance else 0.0,
    }
