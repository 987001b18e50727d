"""What the developer sees in the terminal: routes at start, one line per invocation, logs."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import TextIO

from workbench.errors import AwsError, NotBuilt
from workbench.gateway import banner as gateway_banner
from workbench.runtime.placement import Placement
from workbench.runtime.types import InvocationResult
from workbench.template import Template

# What the banner says about each way of running functions (workbench.runtime.placement).
MODE_LINES = {
    "build": "  Mode: build: each function runs from what deploys, on its Runtime's Python, "
             "with only its package, its layers and the runtime's boto3 on the path",
    "dev-venv": "  Mode: dev-venv (UNFAITHFUL): every function runs on the workbench's own "
                "Python and virtualenv, from its sources; anything installed there imports",
}


class Console:
    """Lines go out once per turn of the event loop, not one write each: under load a
    terminal (or log file) gets one write for many invocations instead of two per
    invocation, and nothing waits longer than the loop's current turn."""

    def __init__(self, out: TextIO = sys.stdout, *, show_logs: bool = True) -> None:
        self.out = out
        self.show_logs = show_logs
        self._pending: list[str] = []

    def banner(self, template: Template, base_url: str,
               placements: dict[str, Placement] | None = None,
               not_built: dict[str, str] | None = None) -> None:
        lines = [f"Lambda Workbench serving {template.path} on {base_url}"]
        for route in template.routes:
            api = template.apis[route.api_id]
            lines.append(f"  Mounted {route.function} at {base_url}{_path(route.path)} "
                         f"[{route.method}] ({'REST API' if api.kind == 'rest' else 'HTTP API'}, "
                         f"payload {route.payload_version})")
        lines.append(f"  Invoke API: {base_url}/2015-03-31/functions/<name>/invocations")
        lines.append(f"  Dashboard: {base_url}/_workbench/")
        for spec in template.functions.values():
            notes = []
            if spec.provisioned_concurrency:
                notes.append(f"provisioned {spec.provisioned_concurrency}")
            if spec.reserved_concurrency is not None:
                notes.append(f"reserved {spec.reserved_concurrency}")
            placement = (placements or {}).get(spec.name)
            if placement is not None:
                notes.append(placement.summary)
            elif spec.name in (not_built or {}):
                notes.append("not built")
            extra = f", {', '.join(notes)}" if notes else ""
            lines.append(f"  Function {spec.name}: {spec.handler}, {spec.memory_mb} MB, "
                         f"{spec.timeout_s:g} s{extra}")
        lines += gateway_banner.lines(template, base_url)
        lines.extend(template_lines(template))
        lines += [f"  not run: {name}: its build failed: {error}"
                  for name, error in (not_built or {}).items()]
        lines += _placement_lines(placements or {})
        self._write("\n".join(lines) + "\n")

    def invocation(self, result: InvocationResult, status: int | None) -> None:
        kind = "cold" if result.cold else "warm"
        error = f" {result.error_type}" if result.error_type else ""
        shown = f" -> {status}" if status is not None else ""
        self._write(f"[{result.function}] {kind} {result.duration_ms:.1f} ms{shown}{error}\n")

    def throttled(self, function: str, status: int) -> None:
        self._write(f"[{function}] throttled -> {status}\n")

    def not_run(self, function: str, reason: str) -> None:
        self._write(f"[{function}] Event invocation not run: {reason}\n")

    def failed(self, function: str, status: int, error: AwsError) -> None:
        """Lambda's own failure (the function never ran): one line, never a traceback."""
        why = f"its build failed: {error.reason}" if isinstance(error, NotBuilt) else \
            error.message
        self._write(f"[{function}] {error.error_type} -> {status}: {why}\n")

    def stopping(self, in_flight: int, grace_s: float) -> None:
        self._write(f"Stopping: {in_flight} request{'s' if in_flight != 1 else ''} in flight "
                    f"get up to {grace_s:g} s (Ctrl-C again to stop now)\n")

    def reloaded(self, function: str, changed: list[Path]) -> None:
        names = ", ".join(p.name for p in changed[:3]) + (" ..." if len(changed) > 3 else "")
        self._write(f"[{function}] code changed ({names}): next invocation starts cold\n")

    def function_log(self, function: str, text: str) -> None:
        if self.show_logs:
            self._write("".join(f"  {function} | {line}\n" for line in text.splitlines()))

    def note(self, line: str) -> None:
        """A line of its own: a long step's progress (building, installing a runtime's
        libraries), a debugger's state, a reload."""
        self._write(line + "\n")

    def _write(self, text: str) -> None:
        if self._pending:  # a flush is already due this turn
            self._pending.append(text)
            return
        try:
            asyncio.get_running_loop().call_soon(self.flush)
        except RuntimeError:  # no loop (the CLI, a test): at once
            self.out.write(text)
            self.out.flush()
            return
        self._pending.append(text)

    def flush(self) -> None:
        """Write what is pending (the loop does this each turn; shutdown once more)."""
        if self._pending:
            text, self._pending = "".join(self._pending), []
            self.out.write(text)
            self.out.flush()


def template_lines(template: Template) -> list[str]:
    """What the template holds that is not run or not honoured: never silent."""
    return [*(f"  not run: {name}: {reason}" for name, reason in template.skipped.items()),
            *(f"  {line}" for line in template.unsupported)]


def _placement_lines(placements: dict[str, Placement]) -> list[str]:
    modes = sorted({p.mode for p in placements.values()})
    lines = [MODE_LINES[mode] for mode in modes if mode in MODE_LINES]
    # Functions on the same Runtime get the same warning: said once, naming them.
    warned: dict[str, list[str]] = {}
    for name, placement in placements.items():
        if placement.choice.warning:
            warned.setdefault(placement.choice.warning, []).append(name)
    return lines + [f"  warning: {', '.join(names)}: {warning}"
                    for warning, names in warned.items()]


def _path(path: str) -> str:
    return "/*" if path == "$default" else path
