"""`workbench serve`: the dev server for the template's functions."""

from __future__ import annotations

import argparse
from pathlib import Path

from workbench import config
from workbench.cli import runtime_flags, template_values


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "serve", help="run the dev server: API Gateway routes and the Lambda Invoke API")
    parser.add_argument("--template", type=Path, help="SAM template (default template.yaml)")
    parser.add_argument("--host", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, help="port (default 3000)")
    parser.add_argument("--keepalive", type=float, dest="keepalive_s", metavar="S",
                        help="seconds an idle environment is kept (default 600; 0 = forever)")
    parser.add_argument("--record", type=Path, metavar="DIR",
                        help="write every invocation to a trace in DIR")
    parser.add_argument("--no-reload", action="store_false", dest="hot_reload", default=None,
                        help="do not retire environments when code changes")
    parser.add_argument("--jwks", type=Path, metavar="FILE",
                        help="JWKS that JWT and Cognito authorizers trust (besides the key of "
                             "`workbench token`)")
    parser.add_argument("--api-keys", type=Path, metavar="FILE", dest="api_keys",
                        help="API key values, one a line, besides the template's ApiKeys")
    parser.add_argument("--quiet", action="store_true",
                        help="print one line per invocation, not the function logs")
    debug = parser.add_argument_group("debugging (the README's 'Debugging a function')")
    debug.add_argument("--debug-port", type=int, metavar="PORT", dest="debug_port",
                       help="start the function's environments under debugpy; an IDE "
                            "attaches on PORT")
    debug.add_argument("--debug-function", metavar="F", dest="debug_function",
                       help="the function to debug (needed when the template has several)")
    debug.add_argument("--debug-ide", choices=["dap", "pycharm"], dest="debug_ide",
                       help="dap: the IDE attaches (VS Code...; default); pycharm: the "
                            "environment connects to PyCharm's Python Debug Server on PORT")
    template_values.add_flags(parser)
    limits = parser.add_argument_group("limits (defaults: the README's 'Limits')")
    for flag, dest, kind, what in LIMIT_FLAGS:
        limits.add_argument(flag, dest=dest, type=kind, metavar="N", help=what)
    runtime_flags.add(parser)
    parser.set_defaults(run=run)


LIMIT_FLAGS = (
    ("--header-timeout", "header_timeout_s", float, "seconds for a request's headers"),
    ("--body-timeout", "body_timeout_s", float, "seconds for a request's body"),
    ("--idle-timeout", "idle_timeout_s", float, "seconds an idle connection stays open"),
    ("--max-connections", "max_connections", int, "open connections before 503"),
    ("--max-header-bytes", "max_header_bytes", int, "request line and headers before 431"),
    ("--grace", "shutdown_grace_s", float, "seconds in-flight requests get at shutdown"),
)


def run(args: argparse.Namespace) -> int:
    from workbench.server.app import create_app
    from workbench.server.console import Console
    from workbench.server.run import listen, serve

    settings = config.settings(template=args.template, host=args.host, port=args.port,
                               keepalive_s=args.keepalive_s, hot_reload=args.hot_reload,
                               jwks=args.jwks, api_keys=args.api_keys,
                               dev_venv=args.dev_venv, strict_runtime=args.strict_runtime,
                               debug_port=args.debug_port, debug_function=args.debug_function,
                               debug_ide=args.debug_ide,
                               **template_values.flags(args),
                               **{dest: getattr(args, dest) for _, dest, _, _ in LIMIT_FLAGS})
    listener = listen(settings.host, settings.port)
    app = create_app(settings, record_dir=args.record, console=Console(show_logs=not args.quiet))
    return 0 if serve(app, settings, listener) else 2
