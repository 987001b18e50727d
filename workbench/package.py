"""What each function weighs as it deploys, read from its build: one source of truth.

`workbench package --report` builds (cached: seconds when nothing changed) and reports the
built folders' sizes, measured by `workbench.build`: code, dependencies and layers,
unzipped and zipped, against Lambda's limits; the default model left out of the package
is measured apart (it is loaded from S3 at INIT).
"""

from __future__ import annotations

from typing import Any

from workbench.build import BuildResult, BuiltFunction
from workbench.build.sizes import MB, UNZIPPED_LIMIT, ZIPPED_DIRECT_LIMIT, Size, measure

LIMITS = (f"Limits: {ZIPPED_DIRECT_LIMIT:,} bytes zipped for a direct upload (larger goes "
          f"through S3); {UNZIPPED_LIMIT:,} bytes unzipped for a function with all its layers.")


def rows(function: BuiltFunction) -> list[tuple[str, Size]]:
    parts = [("code", function.code), ("dependencies", function.dependencies),
             ("layers", function.layer_size), ("total", function.total)]
    if function.model is not None:
        parts.append(("model (S3)", measure(function.model)))
    return parts


def table(result: BuildResult) -> list[str]:
    lines = [f"{'function':14} {'part':13} {'zipped':>10} {'unzipped':>10}"]
    for function in result.functions.values():
        for part, size in rows(function):
            lines.append(f"{function.name:14} {part:13} {size.zipped / MB:9.1f}M "
                         f"{size.unzipped / MB:9.1f}M")
        for line in [*function.problems, *function.notes] or ["within Lambda's limits"]:
            lines.append(f"  {line}")
    lines.append(LIMITS)
    return lines


def as_json(result: BuildResult) -> list[dict[str, Any]]:
    reports = []
    for function in result.functions.values():
        report = function.to_dict()
        report["parts"] = {part: {"unzipped": s.unzipped, "zipped": s.zipped}
                           for part, s in rows(function)}
        reports.append(report)
    return reports
