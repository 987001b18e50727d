"""`workbench package --report`: each function's size against Lambda's limits, from its build."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from workbench import config, package, template
from workbench.build import build_template


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("package", help="deployment sizes against Lambda's limits")
    parser.add_argument("--report", action="store_true", required=True,
                        help="build (cached) and measure code, dependencies, layers, models")
    parser.add_argument("functions", nargs="*", metavar="FUNCTION")
    parser.add_argument("--template", type=Path)
    parser.add_argument("--json", action="store_true")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    settings = config.settings(template=args.template)
    loaded = template.load_settings(settings)
    # The build's progress goes to stderr: stdout is the report.
    result = build_template(loaded, args.functions or None,
                            say=lambda line: print(line, file=sys.stderr, flush=True))
    if args.json:
        print(json.dumps(package.as_json(result), indent=2))
    else:
        print("\n".join(package.table(result)))
    return 0
