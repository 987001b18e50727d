"""The flags that give a template its values, with SAM CLI's names and formats."""

from __future__ import annotations

import argparse
from pathlib import Path


def add_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--parameter-overrides", nargs="+", metavar="KEY=VALUE",
                        help="template parameters (also ParameterKey=K,ParameterValue=V), "
                             "Fn::ImportValue exports and {{resolve:...}} names")
    parser.add_argument("--env-vars", type=Path, metavar="FILE",
                        help="SAM CLI's JSON of environment variables per function "
                             "(and Parameters for all)")
    parser.add_argument("--config-env", metavar="NAME",
                        help="the samconfig environment to read (default: default)")
    parser.add_argument("--config-file", type=Path, metavar="FILE",
                        help="samconfig file (default: samconfig.toml/.yaml beside the "
                             "template)")


def flags(args: argparse.Namespace) -> dict[str, object]:
    """The values given, as config.settings() keywords (None = not given)."""
    return {"parameter_overrides": args.parameter_overrides, "env_vars": args.env_vars,
            "config_env": args.config_env, "config_file": args.config_file}
