"""The flags every command that runs functions takes: which way they run."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from workbench.runtime.pool import Runtime


def add(parser: argparse.ArgumentParser) -> None:
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--build", action="store_false", default=None, dest="dev_venv",
                      help="run each function from what deploys, on its Runtime's Python "
                           "with only its package, its layers and boto3 on the path")
    mode.add_argument("--dev-venv", action="store_true", default=None, dest="dev_venv",
                      help="run every function on the workbench's own Python and virtualenv, "
                           "from its sources (fast, unfaithful: anything installed imports)")
    parser.add_argument("--strict-runtime", action="store_true", default=None,
                        help="a Runtime whose Python is not installed here is an error "
                             "(default: the nearest installed one, with a warning)")


def describe(runtime: Runtime, out: TextIO | None = None) -> None:
    """One line per function: how it runs, and a warning when it is not on its Python."""
    for name in runtime.pools:
        describe_one(runtime, name, out)


def describe_one(runtime: Runtime, function: str, out: TextIO | None = None) -> None:
    out = out or sys.stderr
    placement = runtime.pools[function].placement
    print(f"workbench: {function} runs {placement.summary}", file=out)
    if placement.choice.warning:
        print(f"workbench: warning: {placement.choice.warning}", file=out)
