"""`workbench build [--template T] [FUNCTION ...] [--no-slim] [--json]`: `.aws-sam/build/`."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from workbench import config, template
from workbench.build import build_template
from workbench.errors import WorkbenchError


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "build", help="build functions and layers as they deploy (.aws-sam/build, no Docker)")
    parser.add_argument("functions", nargs="*", metavar="FUNCTION",
                        help="logical ids to build (default: every function)")
    parser.add_argument("--template", type=Path)
    parser.add_argument("--no-slim", action="store_true",
                        help="keep debug symbols, tests and pip's own bytecode")
    parser.add_argument("--json", action="store_true",
                        help="print the summary as JSON on stdout (progress goes to stderr)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    settings = config.settings(template=args.template)
    loaded = template.load_settings(settings)

    def say(line: str) -> None:
        print(line, file=sys.stderr if args.json else sys.stdout, flush=True)

    skipped = {name: why for name, why in loaded.skipped.items()
               if not args.functions or name in args.functions}
    named = [name for name in args.functions if name not in skipped]
    if skipped and not (named if args.functions else loaded.functions):
        raise WorkbenchError(f"{loaded.path}: nothing to build: no function is run here "
                             f"({'; '.join(f'{n}: {w}' for n, w in skipped.items())})")
    for name, why in skipped.items():  # what the workbench cannot run, it does not build
        say(f"==> {name}: not built: {why}")
    result = build_template(loaded, named or None, slim=not args.no_slim, say=say)
    if args.json:
        print(json.dumps({**result.to_dict(), "not_built": skipped}, indent=2))
    else:
        print(f"Built template: {result.template}")
    # Exit 1, as a failed check: built (it runs here) but not deployable as a .zip.
    return 1 if any(f.problems for f in result.functions.values()) else 0
