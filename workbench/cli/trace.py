"""`workbench trace import|profile|measure`: traces from captured traffic, cold-start
profiles from REPORT lines, and REPORT lines measured in fresh environments."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from pathlib import Path

from workbench import config, template
from workbench.cli import runtime_flags
from workbench.cli.invoke import read_event
from workbench.errors import WorkbenchError
from workbench.measure import measure
from workbench.profile import Profile
from workbench.replay import importers
from workbench.runtime.logs import Report
from workbench.trace import TraceWriter, read_trace


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("trace", help="import traffic as traces; build profiles")
    actions = parser.add_subparsers(dest="action", required=True)
    imp = actions.add_parser("import", help="HAR, a folder of events, or a CloudWatch export")
    imp.add_argument("kind", choices=["har", "folder", "cloudwatch"])
    imp.add_argument("source", type=Path)
    imp.add_argument("-o", "--output", type=Path, required=True, help="trace file to write")
    imp.add_argument("--function", help="the function the events belong to (folder, "
                     "cloudwatch; HAR entries are routed by the template)")
    imp.add_argument("--template", type=Path)
    imp.set_defaults(run=run_import)
    writes_profile = argparse.ArgumentParser(add_help=False)
    writes_profile.add_argument("-o", "--output", type=Path, required=True)
    writes_profile.add_argument("--template", type=Path)
    writes_profile.add_argument("--io-bound", action="store_true",
                                help="durations do not speed up with memory")
    prof = actions.add_parser("profile", parents=[writes_profile], help="a cold-start "
                              "profile from REPORT lines (a log, a CloudWatch export) or a trace")
    prof.add_argument("source", type=Path)
    prof.add_argument("--function", required=True)
    prof.add_argument("--memory", type=int, help="MemorySize of a traced run (default: the "
                      "template's, for a trace; REPORT lines carry their own)")
    prof.set_defaults(run=run_profile)
    meas = actions.add_parser("measure", parents=[writes_profile], help="a cold-start profile "
                              "measured here: fresh environments one at a time, each called "
                              "1 + --warm times")
    meas.add_argument("function")
    meas.add_argument("--event", metavar="FILE|-|SOURCE/VARIANT",
                      help="the event every call gets (as for `workbench invoke`)")
    meas.add_argument("--cold", type=int, default=10, help="cold starts (10)")
    meas.add_argument("--warm", type=int, default=5, help="warm calls after each (5)")
    meas.add_argument("--log", type=Path, help="where the REPORT lines' log is kept "
                      "(default: the output with .log)")
    runtime_flags.add(meas)
    meas.set_defaults(run=run_measure)


def _problem(where: str, what: str) -> None:
    print(f"workbench: {where}: skipped: {what}", file=sys.stderr)


def run_import(args: argparse.Namespace) -> int:
    if args.output.exists():
        raise WorkbenchError(f"{args.output}: exists; choose a new file")
    if args.kind == "har":
        settings = config.settings(template=args.template)
        records = importers.from_har(args.source, template.load_settings(settings), _problem)
    else:
        if not args.function:
            raise WorkbenchError(f"trace import {args.kind} needs --function")
        if not args.source.exists():
            raise WorkbenchError(f"{args.source}: no such file or directory")
        read = importers.from_folder if args.kind == "folder" else importers.from_cloudwatch
        records = read(args.source, args.function, _problem)
    writer = TraceWriter(args.output)
    try:
        for record in records:
            writer.write(record)
    finally:
        writer.close()
    print(f"{writer.written} events written to {args.output}")
    return 0


def run_profile(args: argparse.Namespace) -> int:
    if not args.source.exists():
        raise WorkbenchError(f"{args.source}: no such file")
    if _is_trace(args.source):
        memory = args.memory or _template_memory(args)
        found = [Report(r.request_id or "", r.duration_ms or 0.0, 0, memory,
                        r.max_memory_used_mb or 0, r.init_duration_ms)
                 for r in read_trace(args.source, lambda n, m: _problem(f"line {n}", m))
                 if r.function == args.function and r.duration_ms is not None]
    else:
        found = list(importers.reports(args.source, _problem, args.function))
    if not found:
        raise WorkbenchError(f"{args.source}: no REPORT lines or timed records for "
                             f"{args.function}")
    _save(args, found, source=args.source)
    return 0


def run_measure(args: argparse.Namespace) -> int:
    settings = config.settings(template=args.template, dev_venv=args.dev_venv,
                               strict_runtime=args.strict_runtime)
    tpl = template.load_settings(settings)
    payload = read_event(args.event)
    log_path = args.log or args.output.with_suffix(".log")
    for path in (args.output, log_path):  # found out before the minutes of measuring
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise WorkbenchError(f"{path}: cannot write there: {exc.strerror}") from None
        if not os.access(path.parent, os.W_OK) or path.is_dir():
            raise WorkbenchError(f"{path}: cannot write there")

    def say(done: int) -> None:
        print(f"  cold start {done}/{args.cold} measured", file=sys.stderr, flush=True)

    log = asyncio.run(measure(tpl, args.function, payload, cold=args.cold, warm=args.warm,
                              region=settings.region, on_round=say, mode=settings.mode,
                              strict_runtime=settings.strict_runtime))
    log_path.write_text(log, encoding="utf-8")
    _save(args, list(importers.reports(log_path, _problem)), source=log_path)
    return 0


def _save(args: argparse.Namespace, reports: list[Report], source: Path) -> None:
    profile = Profile.from_reports(args.function, reports, source=str(source))
    profile.scales_with_memory = not args.io_bound
    profile.save(args.output)
    print(f"{args.output}: {len(profile.duration_ms)} durations, "
          f"{len(profile.init_duration_ms)} init durations at {profile.memory_mb} MB")


def _template_memory(args: argparse.Namespace) -> int:
    settings = config.settings(template=args.template)
    spec = template.load_settings(settings).function(args.function)
    if spec is None:
        raise WorkbenchError(f"no function {args.function!r} in {settings.template}; "
                             "give --memory")
    return spec.memory_mb


def _is_trace(path: Path) -> bool:
    with path.open(encoding="utf-8", errors="replace") as handle:
        return handle.readline().startswith('{"v":')
