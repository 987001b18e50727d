"""`workbench replay TRACE --target local|localstack|URL`: run captured traffic again and
compare every response."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections import Counter
from pathlib import Path

from rich import box
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from workbench import config, template
from workbench.cli import runtime_flags
from workbench.errors import WorkbenchError
from workbench.replay.local import Replayed
from workbench.replay.run import COUNTS, Summary, parse_speed, replay, write_report
from workbench.trace import TraceRecord, read_trace


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = subparsers.add_parser("replay", help="replay a trace and compare every response")
    p.add_argument("trace", type=Path)
    p.add_argument("--target", default="local",
                   help="local (the workbench runtime, default), localstack (the functions "
                        "deployed there) or a base URL (dev server, API Gateway)")
    p.add_argument("--speed", default="1.0",
                   help="1.0 keeps the recorded timing, 10 is ten times faster, max sends "
                        "as fast as --concurrency allows")
    p.add_argument("--concurrency", type=int, default=64)
    p.add_argument("--template", type=Path)
    p.add_argument("--report", type=Path, metavar="DIR",
                   help="write report.json and report.html (DIR must be new or empty)")
    runtime_flags.add(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    speed = parse_speed(args.speed)
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
        tpl = template.load_settings(settings)
        records = _known(records, tpl)

    summary = asyncio.run(_replay_with_progress(records, args, tpl, speed))
    _print_summary(summary)
    if args.report:
        args.report.mkdir(parents=True, exist_ok=True)
        write_report(args.report, summary)
        print(f"report: {args.report / 'report.html'}")
    return 0 if summary.ok else 1


async def _replay_with_progress(records: list[TraceRecord], args: argparse.Namespace,
                                tpl: template.Template | None, speed: float | None) -> Summary:
    """A progress bar on stderr with live counts (a terminal redraws it; a log gets the
    final state once)."""
    counts = Counter[str]()
    columns = (TextColumn("replay"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
               TextColumn("{task.fields[counts]}"))
    with Progress(*columns, console=Console(stderr=True)) as bar:
        task = bar.add_task("replay", total=len(records), counts="")

        def progress(replayed: Replayed) -> None:
            result = replayed.result
            counts["cold"] += bool(result and result.cold)
            counts["throttled"] += replayed.throttled
            counts["errors"] += bool(replayed.error or result and result.function_error)
            bar.update(task, advance=1, counts=" ".join(f"{k} {v}" for k, v in counts.items()))

        settings = config.settings(dev_venv=args.dev_venv, strict_runtime=args.strict_runtime)
        return await replay(records, args.target, tpl, speed=speed,
                            concurrency=args.concurrency, progress=progress,
                            mode=settings.mode, strict_runtime=settings.strict_runtime)


def _print_summary(summary: Summary) -> None:
    data = summary.to_dict()
    table = Table("measure", "value", box=box.SIMPLE, title="replay summary")
    for key in COUNTS:
        table.add_row(key.replace("_", " "), str(data[key]))
    for key, value in data["latency_ms"].items():
        table.add_row(f"latency {key} ms", str(value))
    for key, value in data["errors_by_type"].items():
        table.add_row(f"error {key}", str(value))
    for function, how in summary.ran.items():
        table.add_row(f"{function} ran", how)
    out = Console(highlight=False)
    out.print(table)
    for function, why in summary.not_built.items():
        out.print(f"{function} not run: its build failed: {why}", markup=False,
                  soft_wrap=True)
    for diff in summary.diffs(5):
        out.print(diff, markup=False)


def _known(records: list[TraceRecord], tpl: template.Template) -> list[TraceRecord]:
    """Events for functions the template lacks are reported and left out; the rest run."""
    unknown = sorted({r.function for r in records if tpl.function(r.function) is None})
    for name in unknown:
        print(f"workbench: the template has no function {name!r}: its events are skipped",
              file=sys.stderr)
    return [r for r in records if r.function not in unknown]
