"""`workbench package --report`: each function's size against Lambda's limits."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from workbench import config, package, template

MB = package.MB


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("package", help="deployment sizes against Lambda's limits")
    parser.add_argument("--report", action="store_true", required=True,
                        help="measure code, layers, dependencies and models")
    parser.add_argument("--template", type=Path)
    parser.add_argument("--json", action="store_true")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    settings = config.settings(template=args.template)
    reports = package.report(template.load(settings.template, region=settings.region))
    if args.json:
        print(json.dumps([r.to_dict() for r in reports], indent=2))
        return 0
    print(f"{'function':14} {'part':13} {'zipped':>9} {'unzipped':>9}")
    for r in reports:
        for part in ("code", "layers", "dependencies", "model"):
            size = getattr(r, part)
            print(f"{r.function:14} {part:13} {size.zipped / MB:8.1f}M {size.unzipped / MB:8.1f}M")
        for problem in r.problems or ["within Lambda's limits"]:
            print(f"  {r.function}: {problem}")
    print("Limits: 50 MB zipped for a direct upload; 250 MB unzipped for the function "
          "and all its layers.")
    return 0
