"""`workbench events generate`: an API Gateway event from the same builder the server uses."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from workbench import template
from workbench.errors import WorkbenchError
from workbench.gateway.events import build_event, synthetic_match
from workbench.gateway.http import HttpRequest, traced
from workbench.gateway.routing import Router

KINDS = {"apigw-rest": "rest", "apigw-http": "http"}


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("events", help="generate API Gateway proxy events")
    actions = parser.add_subparsers(dest="action", required=True)
    generate = actions.add_parser(
        "generate", help="print the event API Gateway would send for a request; with a "
        "template whose route matches, the route fills resource/routeKey/pathParameters, "
        "otherwise a synthetic route equal to the path is used")
    generate.add_argument("source", choices=sorted(KINDS))
    generate.add_argument("--method", default="GET")
    generate.add_argument("--path", default="/")
    generate.add_argument("--query", default="", help="raw query string, e.g. a=1&a=2")
    generate.add_argument("--body", default=None)
    generate.add_argument("--header", action="append", default=[], metavar="NAME=VALUE")
    generate.add_argument("--template", type=Path, default=None)
    generate.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    headers = [("Host", "localhost:3000")]
    for item in args.header:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise WorkbenchError(f"--header {item!r}: expected NAME=VALUE")
        headers.append((name, value))
    if not args.path.startswith("/"):
        raise WorkbenchError(f"--path {args.path!r}: must start with '/'")
    request = HttpRequest(args.method.upper(), args.path, args.query.lstrip("?"), traced(headers),
                          (args.body or "").encode())
    kind = KINDS[args.source]
    match = None
    path = args.template or (Path("template.yaml") if Path("template.yaml").exists() else None)
    if path is not None:
        found = Router(template.load(path)).match(request.method, request.raw_path)
        match = found if found is not None and found.route.kind == kind else None
    event = build_event(request, match or synthetic_match(kind, request.method, args.path))
    print(json.dumps(event, indent=2))
    return 0
