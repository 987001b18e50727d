"""`workbench simulate`: cold starts, concurrency, throttles and cost at scale, in virtual time."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from pathlib import Path

from workbench.errors import WorkbenchError
from workbench.profile import Profile
from workbench.simulate import arrivals as arrival_sources
from workbench.simulate.cost import Prices
from workbench.simulate.engine import Limits, Sampler, simulate_many
from workbench.simulate.run import one, parse_sweep, summarise, swept, write_report


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = subparsers.add_parser("simulate", help="simulate Lambda's scaling for a trace or "
                              "an arrival pattern")
    source = p.add_mutually_exclusive_group(required=True)
    source.add_argument("--trace", type=Path, help="a workbench trace (JSON lines)")
    source.add_argument("--arrivals", help="poisson:RATE:DURATION or "
                        "bursty:LOW:HIGH:ON_S:OFF_S:DURATION (per second, seconds)")
    p.add_argument("--function", help="the function to simulate (filters a trace)")
    p.add_argument("--profile", action="append", required=True, metavar="[NAME=]PATH",
                   help="cold-start profile JSON (Init Duration, Duration samples); "
                   "repeat as NAME=PATH to simulate several functions of a trace together, "
                   "sharing the account's concurrency")
    p.add_argument("--memory", type=int, help="MemorySize in MB (default: the profile's)")
    p.add_argument("--reserved", type=int, help="reserved concurrency (default: none)")
    p.add_argument("--provisioned", type=int, default=0)
    p.add_argument("--keepalive", type=float, default=600.0, help="idle seconds kept (600)")
    p.add_argument("--account-concurrency", type=int, default=1000)
    p.add_argument("--scale-rate", type=int, default=1000,
                   help="new environments per 10 s per function (1000 since 2023)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--sweep", help="NAME=V1,V2,...: one row per value "
                   "(reserved, provisioned, memory, keepalive)")
    p.add_argument("--report", type=Path, metavar="DIR", help="write report.json and "
                   "report.html")
    p.add_argument("--price-request", type=float, default=Prices.per_million_requests,
                   help="USD per million requests")
    p.add_argument("--price-gb-second", type=float, default=Prices.per_gb_second)
    p.add_argument("--price-provisioned", type=float, default=Prices.provisioned_per_gb_second)
    p.add_argument("--instance-price", type=float, default=Prices.instance_per_hour,
                   help="USD per hour of the always-on instance to compare with")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if len(args.profile) > 1 or "=" in args.profile[0]:
        return run_many(args)
    profile = Profile.load(Path(args.profile[0]))
    limits = Limits(memory_mb=args.memory or profile.memory_mb, reserved=args.reserved,
                    provisioned=args.provisioned, keepalive_s=args.keepalive,
                    account_concurrency=args.account_concurrency,
                    scale_per_window=args.scale_rate)
    _check(limits)
    prices = Prices(args.price_request, args.price_gb_second, args.price_provisioned,
                    args.instance_price)
    problems: list[tuple[int, str]] = []

    def source() -> Iterator[float]:
        if args.trace is not None:
            return arrival_sources.from_trace(args.trace, args.function, problems)
        return arrival_sources.generated(args.arrivals, args.seed)

    if args.arrivals:
        arrival_sources.parse(args.arrivals)  # a bad spec fails before anything runs
    if args.sweep:
        name, values = parse_sweep(args.sweep)
        rows = [(value, one(source, profile, swept(limits, name, value), prices, args.seed)[0])
                for value in values]
        print(f"{name:>10} {'cold':>7} {'cold %':>7} {'throttles':>9} {'peak':>5} "
              f"{'p50 ms':>8} {'p99 ms':>8} {'lambda $':>10} {'instance $':>10}")
        for value, s in rows:
            print(f"{value!s:>10} {s['cold_starts']:>7} {s['cold_start_rate'] * 100:>6.2f}% "
                  f"{s['throttles']:>9} {s['peak_concurrency']:>5} "
                  f"{s['latency_ms']['p50']!s:>8} {s['latency_ms']['p99']!s:>8} "
                  f"{s['cost']['lambda_total_usd']:>10.4f} "
                  f"{s['cost']['always_on_instance_usd']:>10.4f}")
        return 0
    summary, outcome = one(source, profile, limits, prices, args.seed)
    for number, message in problems:
        print(f"workbench: {args.trace}:{number}: skipped: {message}")
    for key in ("invocations", "cold_starts", "cold_start_rate", "throttles",
                "environments_created", "peak_concurrency", "mean_concurrency"):
        print(f"{key:22} {summary[key]}")
    print(f"{'latency ms':22} {summary['latency_ms']}")
    print(f"{'without INIT ms':22} {summary['latency_without_init_ms']}")
    for key, value in summary["cost"].items():
        print(f"{key:22} {value}")
    if args.report:
        write_report(args.report, summary, outcome)
        print(f"report: {args.report / 'report.html'}")
    return 0


def run_many(args: argparse.Namespace) -> int:
    """Several functions of one trace, each with its profile, under one account limit."""
    if args.trace is None or args.sweep:
        raise WorkbenchError("several --profile NAME=PATH need --trace, and no --sweep")
    profiles = {}
    for item in args.profile:
        name, sep, path = item.partition("=")
        if not sep or not name:
            raise WorkbenchError(f"--profile {item!r}: use NAME=PATH with several profiles")
        profiles[name] = Profile.load(Path(path))
    prices = Prices(args.price_request, args.price_gb_second, args.price_provisioned,
                    args.instance_price)
    functions = {}
    for name, profile in profiles.items():
        limits = Limits(memory_mb=args.memory or profile.memory_mb, reserved=args.reserved,
                        provisioned=args.provisioned, keepalive_s=args.keepalive,
                        account_concurrency=args.account_concurrency,
                        scale_per_window=args.scale_rate)
        _check(limits)
        functions[name] = (Sampler(profile, limits.memory_mb, args.seed), limits)
    problems: list[tuple[int, str]] = []
    outcomes = simulate_many(arrival_sources.named_from_trace(args.trace, problems), functions,
                             args.account_concurrency)
    summaries = {name: summarise(outcome, functions[name][1], prices)
                 for name, outcome in outcomes.items()}
    if not any(s["invocations"] for s in summaries.values()):
        raise WorkbenchError(f"{args.trace}: no records of {', '.join(profiles)}")
    for name, s in summaries.items():
        print(f"{name}: invocations {s['invocations']}, cold starts {s['cold_starts']}, "
              f"throttles {s['throttles']}, peak concurrency {s['peak_concurrency']}, "
              f"p50 {s['latency_ms']['p50']} ms, p99 {s['latency_ms']['p99']} ms, "
              f"${s['cost']['lambda_total_usd']:.4f}")
    if args.report:
        for name, outcome in outcomes.items():
            write_report(args.report / name, summaries[name], outcome)
        print(f"reports: {args.report}/<function>/report.html")
    return 0


def _check(limits: Limits) -> None:
    if limits.memory_mb < 128 or limits.memory_mb > 10240:
        raise WorkbenchError(f"--memory {limits.memory_mb}: Lambda allows 128 to 10240 MB")
    for name, value in (("--reserved", limits.reserved), ("--provisioned", limits.provisioned),
                        ("--account-concurrency", limits.account_concurrency),
                        ("--scale-rate", limits.scale_per_window)):
        if value is not None and value < 0:
            raise WorkbenchError(f"{name} {value}: must not be negative")
    if limits.account_concurrency == 0 or limits.scale_per_window == 0:
        raise WorkbenchError("--account-concurrency and --scale-rate must be positive")
    if limits.keepalive_s < 0:
        raise WorkbenchError(f"--keepalive {limits.keepalive_s}: must not be negative")
