"""`workbench invoke FUNCTION --event FILE|-|SOURCE/VARIANT`: one invocation, printed."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path

from workbench import config, template
from workbench.cli import runtime_flags, template_values
from workbench.debug import debug_session
from workbench.errors import AwsError, WorkbenchError
from workbench.runtime.pool import Runtime
from workbench.runtime.types import InvocationResult


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "invoke", help="invoke a function once in a fresh environment; print result and log tail")
    parser.add_argument("function", help="logical id or FunctionName")
    parser.add_argument("--event", default=None, metavar="FILE|-|SOURCE/VARIANT",
                        help="event JSON file, - for stdin, or a fixture such as "
                             "apigw-rest/post-json (default: {})")
    parser.add_argument("--template", type=Path)
    parser.add_argument("--tenant-id", metavar="ID",
                        help="the tenant to invoke a function with TenancyConfig PER_TENANT "
                             "for (as `sam local invoke --tenant-id`)")
    parser.add_argument("--debug-port", type=int, metavar="PORT",
                        help="start the environment under debugpy and wait for an IDE to "
                             "attach on PORT (timeouts stand still while it holds the function)")
    parser.add_argument("--debug-ide", choices=["dap", "pycharm"],
                        help="dap (default) or pycharm: connect to PyCharm's debug server")
    template_values.add_flags(parser)
    runtime_flags.add(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    settings = config.settings(template=args.template, dev_venv=args.dev_venv,
                               strict_runtime=args.strict_runtime, debug_port=args.debug_port,
                               debug_function=args.function if args.debug_port else None,
                               debug_ide=args.debug_ide,
                               **template_values.flags(args))
    tpl = template.load_settings(settings, ("local_invoke",))
    if args.function in tpl.skipped:
        raise WorkbenchError(f"{args.function} is not run: {tpl.skipped[args.function]}")
    if tpl.function(args.function) is None:
        raise WorkbenchError(f"no function {args.function!r} in {tpl.path} "
                             f"(it has {', '.join(sorted(tpl.functions))})")
    payload = read_event(args.event)
    result = asyncio.run(_invoke(tpl, args.function, payload, settings, args.tenant_id))
    sys.stderr.write(result.logs)
    sys.stdout.write(result.payload.decode("utf-8", errors="replace") + "\n")
    return 1 if result.function_error else 0


async def _invoke(tpl: template.Template, function: str, payload: bytes,
                  settings: config.Settings, tenant_id: str | None) -> InvocationResult:
    spec = tpl.function(function)
    assert spec is not None
    only = tpl.alone(spec)
    runtime = Runtime(only, region=settings.region, keepalive_s=0, mode=settings.mode,
                      strict_runtime=settings.strict_runtime, say=_say,
                      debug=debug_session(only, settings, _say))
    try:
        runtime_flags.describe_one(runtime, spec.name)
        return await runtime.invoke(spec.name, payload, tenant_id=tenant_id)
    except AwsError as error:
        raise WorkbenchError(f"{error.error_type}: {error.message}") from None
    finally:
        await runtime.close()


def _say(line: str) -> None:
    print(line, file=sys.stderr, flush=True)  # stdout holds the payload only


def read_event(spec: str | None) -> bytes:
    """The event bytes from a file, stdin or a fixture; always valid JSON."""
    if spec is None:
        return b"{}"
    if spec == "-":
        raw = sys.stdin.buffer.read()
        where = "stdin"
    elif Path(spec).is_file():
        try:
            raw = Path(spec).read_bytes()
        except OSError as exc:
            raise WorkbenchError(f"{spec}: cannot read: {exc.strerror}") from None
        where = spec
    elif "/" in spec and not spec.endswith(".json"):
        from workbench.fixtures import load_event

        source, _, variant = spec.partition("/")
        return json.dumps(load_event(source, variant)).encode()
    else:
        raise WorkbenchError(f"{spec}: no such file")
    try:
        json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise WorkbenchError(f"{where}: event is not UTF-8 text") from None
    except ValueError as exc:
        raise WorkbenchError(f"{where}: event is not valid JSON: {exc}") from None
    return raw
