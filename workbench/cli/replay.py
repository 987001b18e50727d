"""`workbench replay TRACE --target local|URL`: run captured traffic again and compare."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from workbench import config, template
from workbench.errors import WorkbenchError
from workbench.replay.run import replay, write_report
from workbench.trace import TraceRecord, read_trace


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = subparsers.add_parser("replay", help="replay a trace and compare every response")
    p.add_argument("trace", type=Path)
    p.add_argument("--target", default="local",
                   help="local (the workbench runtime) or a base URL (default local)")
    p.add_argument("--speed", default="1.0",
                   help="1.0 keeps the recorded timing, 10 is ten times faster, max sends "
                        "as fast as --concurrency allows")
    p.add_argument("--concurrency", type=int, default=64)
    p.add_argument("--template", type=Path)
    p.add_argument("--report", type=Path, metavar="DIR",
                   help="write report.json and report.html (DIR must be new or empty)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    speed = _speed(args.speed)
    if args.concurrency < 1:
        raise WorkbenchError("--concurrency must be at least 1")
    if args.report and args.report.exists() and any(args.report.iterdir()):
        raise WorkbenchError(f"--report {args.report}: exists and is not empty")
    problems: list[tuple[int, str]] = []
    records = list(read_trace(args.trace, lambda n, m: problems.append((n, m))))
    for number, message in problems:
        print(f"workbench: {args.trace}:{number}: skipped: {message}", file=sys.stderr)
    if not records:
        raise WorkbenchError(f"{args.trace}: no events to replay")
    tpl = None
    if args.target == "local":
        settings = config.settings(template=args.template)
        tpl = template.load(settings.template, region=settings.region)
        records = _known(records, tpl)

    def progress(done: int) -> None:
        if done % max(1, len(records) // 20) == 0 or done == len(records):
            print(f"\r  replayed {done}/{len(records)}", end="", file=sys.stderr, flush=True)

    summary = asyncio.run(replay(records, args.target, tpl, speed=speed,
                                 concurrency=args.concurrency, progress=progress))
    print(file=sys.stderr)
    data = summary.to_dict()
    for key in ("events", "identical", "changed", "failed", "cold_starts", "throttles"):
        print(f"{key:12} {data[key]}")
    print(f"{'latency ms':12} {data['latency_ms']}")
    if data["errors_by_type"]:
        print(f"{'errors':12} {data['errors_by_type']}")
    for change in data["changes"][:5]:
        print(f"--- event {change['index']} ({change['function']}) changed:\n{change['diff']}")
    if args.report:
        args.report.mkdir(parents=True, exist_ok=True)
        write_report(args.report, summary)
        print(f"report: {args.report / 'report.html'}")
    return 1 if data["changed"] or data["failed"] else 0


def _speed(text: str) -> float | None:
    if text == "max":
        return None
    try:
        value = float(text)
    except ValueError:
        raise WorkbenchError(f"--speed {text!r}: a positive number or max") from None
    if value <= 0:
        raise WorkbenchError(f"--speed {text!r}: a positive number or max")
    return value


def _known(records: list[TraceRecord], tpl: template.Template) -> list[TraceRecord]:
    """Events for functions the template lacks are reported and left out; the rest run."""
    unknown = sorted({r.function for r in records if tpl.function(r.function) is None})
    for name in unknown:
        print(f"workbench: the template has no function {name!r}: its events are skipped",
              file=sys.stderr)
    return [r for r in records if r.function not in unknown]
