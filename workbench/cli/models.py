"""`workbench models build|eval`: the default models, built offline and cached by recipe hash."""

from __future__ import annotations

import argparse
import json

from workbench import models


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("models", help="build or evaluate the default models")
    actions = parser.add_subparsers(dest="action", required=True)
    build = actions.add_parser("build", help="build missing models (cached by recipe hash)")
    build.add_argument("names", nargs="*", default=[],
                       metavar="NAME", help=f"one of {', '.join(models.NAMES)} (default all)")
    build.add_argument("--force", action="store_true", help="rebuild even if cached")
    build.set_defaults(run=run_build)
    evaluate = actions.add_parser("eval", help="quality of the built models on held-out data")
    evaluate.add_argument("names", nargs="*", default=[], metavar="NAME")
    evaluate.add_argument("--json", action="store_true")
    evaluate.set_defaults(run=run_eval)


def _names(args: argparse.Namespace) -> list[str]:
    for name in args.names:
        models.recipe(name)  # unknown names: one clear error
    return list(args.names) or list(models.NAMES)


def run_build(args: argparse.Namespace) -> int:
    for name in _names(args):
        models.ensure_built(name, force=args.force)
    return 0


def run_eval(args: argparse.Namespace) -> int:
    results = {name: models.recipe(name).evaluate(models.ensure_built(name))
               for name in _names(args)}
    if args.json:
        print(json.dumps(results, indent=2))
        return 0
    for name, figures in results.items():
        print(f"{name}:")
        for key, value in figures.items():
            print(f"  {key:24} {value}")
    return 0
