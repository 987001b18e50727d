"""`workbench localstack start|stop|status|logs|deploy`: LocalStack on the host, no Docker."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from workbench import config, template
from workbench.errors import WorkbenchError
from workbench.localstack import deploy, service


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "localstack", help="run LocalStack on the host with the workbench's Lambda runtime")
    actions = parser.add_subparsers(dest="action", required=True)
    start = actions.add_parser("start", help="install if needed, start, wait until healthy")
    start.add_argument("--keepalive-ms", type=int, default=None,
                       help="LAMBDA_KEEPALIVE_MS: idle time before an environment stops")
    start.add_argument("--timeout", type=float, default=service.START_TIMEOUT_S,
                       help="seconds to wait for the health endpoint")
    start.set_defaults(run=run_start)
    actions.add_parser("stop", help="stop the LocalStack this workbench started") \
        .set_defaults(run=run_stop)
    actions.add_parser("status", help="running or not (exit 1 when not running)") \
        .set_defaults(run=run_status)
    logs = actions.add_parser("logs", help="LocalStack's log")
    logs.add_argument("-n", "--lines", type=int, default=50, help="last N lines (0: all)")
    logs.add_argument("-f", "--follow", action="store_true", help="keep printing new lines")
    logs.set_defaults(run=run_logs)
    dep = actions.add_parser("deploy", help="deploy the template: S3 models, functions, REST API")
    dep.add_argument("--template", type=Path, default=None)
    dep.add_argument("--hot-reload", action="store_true",
                     help="run code folders in place (LocalStack's hot-reload bucket)")
    dep.add_argument("--json", action="store_true", help="print the deployment as JSON")
    dep.set_defaults(run=run_deploy)


def run_start(args: argparse.Namespace) -> int:
    if args.keepalive_ms is not None and args.keepalive_ms <= 0:
        raise WorkbenchError("--keepalive-ms must be positive")
    started = service.start(keepalive_ms=args.keepalive_ms, timeout_s=args.timeout)
    print(f"LocalStack is running at {service.endpoint(started.port)} (pid {started.pid}); "
          f"log: {service.log_file()}")
    return 0


def run_stop(args: argparse.Namespace) -> int:
    print("LocalStack stopped" if service.stop() else "LocalStack was not started by the workbench")
    return 0


def run_status(args: argparse.Namespace) -> int:
    started = service.running()
    at = started.port if started else service.port()
    health = service.health(at)
    owner = f"pid {started.pid}" if started else "not started by the workbench"
    if health is None:
        print(f"LocalStack is not healthy at {service.endpoint(at)}"
              + (f" ({owner})" if started else ""))
        return 1
    services = health.get("services", {})
    print(f"LocalStack {health.get('version', '?')} at {service.endpoint(at)} ({owner}); "
          + ", ".join(f"{name}: {services[name]}" for name in
                      ("s3", "lambda", "apigateway", "logs") if name in services))
    return 0


def run_logs(args: argparse.Namespace) -> int:
    path = service.log_file()
    if not path.exists():
        raise WorkbenchError(f"no LocalStack log at {path}: start it first")
    with open(path, errors="replace") as log:
        lines = log.readlines()
        sys.stdout.writelines(lines[-args.lines:] if args.lines > 0 else lines)
        while args.follow:
            line = log.readline()
            if line:
                sys.stdout.write(line)
                sys.stdout.flush()
            else:
                time.sleep(0.2)
    return 0


def run_deploy(args: argparse.Namespace) -> int:
    settings = config.settings(template=args.template)
    loaded = template.load_settings(settings)
    quiet = args.json
    done = deploy.deploy(loaded, region=settings.region, hot_reload=args.hot_reload,
                         say=(lambda _: None) if quiet else print)
    done.save(service.deployment_file())
    if args.json:
        print(json.dumps(done.__dict__, indent=2))
    return 0
