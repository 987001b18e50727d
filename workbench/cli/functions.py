"""`workbench functions`: what the template defines, what is not run and not honoured."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from workbench import config, template
from workbench.cli import template_values


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("functions", help="list the template's functions and routes")
    parser.add_argument("--template", type=Path)
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    template_values.add_flags(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    settings = config.settings(template=args.template, **template_values.flags(args))
    tpl = template.load_settings(settings)
    rows: list[dict[str, Any]] = []
    for spec in tpl.functions.values():
        rows.append({
            "name": spec.name, "cdk_path": spec.cdk_path, "handler": spec.handler,
            "runtime": spec.runtime,
            "code_uri": str(spec.code_uri), "memory_mb": spec.memory_mb,
            "timeout_s": spec.timeout_s, "reserved": spec.reserved_concurrency,
            "provisioned": spec.provisioned_concurrency,
            "layers": [str(p) for p in spec.layers], "routes": _routes(tpl, spec.name),
            "url": spec.url is not None})
    # Not run, but routed: their routes answer as a failed integration.
    skipped: dict[str, dict[str, Any]] = {
        name: {"reason": reason, "routes": _routes(tpl, name)}
        for name, reason in tpl.skipped.items()}
    if args.json:
        print(json.dumps({"functions": rows, "skipped": skipped,
                          "unsupported": list(tpl.unsupported)}, indent=2))
        return 0
    for row in rows:
        limits = f"{row['memory_mb']} MB, {row['timeout_s']:g} s"
        if row["reserved"] is not None:
            limits += f", reserved {row['reserved']}"
        if row["provisioned"]:
            limits += f", provisioned {row['provisioned']}"
        # a CDK function is also named by its construct path and id (Template.function)
        construct = f" ({row['cdk_path'].removesuffix('/Resource')})" if row["cdk_path"] else ""
        print(f"{row['name']}{construct}  {row['handler']}  {row['runtime']}  ({limits})")
        _print_routes(row["routes"])
    for name, not_run in skipped.items():
        print(f"not run: {name}: {not_run['reason']}")
        _print_routes(not_run["routes"])
    for line in tpl.unsupported:
        print(line)
    return 0


def _routes(tpl: template.Template, function: str) -> list[str]:
    return [f"{r.method} {r.path} ({tpl.apis[r.api_id].kind})"
            for r in tpl.routes if r.function == function]


def _print_routes(routes: list[str]) -> None:
    for route in routes:
        print(f"    {route}")
