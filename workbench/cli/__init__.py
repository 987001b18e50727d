"""The `workbench` command: one subcommand group per module in this package.

Each module exposes `register(subparsers)`, which adds its parser and sets `run`
(a function of the parsed args returning an exit code). A `WorkbenchError` anywhere
becomes one line on stderr and exit code 2.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from workbench.errors import WorkbenchError

COMMANDS = (
    "serve",
    "invoke",
    "events",
    "functions",
    "models",
    "package",
    "build",
    "simulate",
    "replay",
    "trace",
    "localstack",
    "token",
)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        # argparse's own usage errors are also one line, exit 2.
        raise WorkbenchError(f"{self.prog}: {message}")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="workbench", description=__doc__.splitlines()[0] if __doc__ else None)
    subparsers = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for name in COMMANDS:
        importlib.import_module(f"workbench.cli.{name}").register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
        return int(args.run(args) or 0)
    except WorkbenchError as exc:
        print(f"workbench: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
