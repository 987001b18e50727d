"""Cold-start profiles: measured Init Duration, Duration and Max Memory Used of a function.

Built from REPORT lines (dev server, LocalStack's CloudWatch Logs, an AWS export) or
from a trace; read by the simulator, which draws its samples from here.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workbench.errors import WorkbenchError
from workbench.runtime.logs import Report

FORMAT_VERSION = 1


@dataclass
class Profile:
    function: str
    memory_mb: int  # the MemorySize the samples were measured at
    init_duration_ms: list[float] = field(default_factory=list)
    duration_ms: list[float] = field(default_factory=list)
    max_memory_used_mb: list[int] = field(default_factory=list)
    # CPU-bound work speeds up with MemorySize (CPU share grows with it); I/O-bound does not.
    scales_with_memory: bool = True
    source: str = ""

    @classmethod
    def from_reports(cls, function: str, reports: Iterable[Report], source: str = "") -> Profile:
        profile = cls(function=function, memory_mb=0, source=source)
        for report in reports:
            profile.memory_mb = report.memory_size_mb
            profile.duration_ms.append(report.duration_ms)
            profile.max_memory_used_mb.append(report.max_memory_used_mb)
            if report.init_duration_ms is not None:
                profile.init_duration_ms.append(report.init_duration_ms)
        return profile

    def to_dict(self) -> dict[str, Any]:
        return {
            "v": FORMAT_VERSION,
            "function": self.function,
            "memory_mb": self.memory_mb,
            "scales_with_memory": self.scales_with_memory,
            "source": self.source,
            "samples": {
                "init_duration_ms": self.init_duration_ms,
                "duration_ms": self.duration_ms,
                "max_memory_used_mb": self.max_memory_used_mb,
            },
        }

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.to_dict(), indent=1) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> Profile:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            samples = data["samples"]
            profile = cls(
                function=str(data["function"]),
                memory_mb=int(data["memory_mb"]),
                init_duration_ms=[float(x) for x in samples.get("init_duration_ms", [])],
                duration_ms=[float(x) for x in samples.get("duration_ms", [])],
                max_memory_used_mb=[int(x) for x in samples.get("max_memory_used_mb", [])],
                scales_with_memory=bool(data.get("scales_with_memory", True)),
                source=str(data.get("source", "")),
            )
        except OSError as exc:
            raise WorkbenchError(f"{path}: cannot read profile: {exc.strerror or exc}") from None
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise WorkbenchError(f"{path}: not a workbench profile: {exc}") from None
        if not profile.duration_ms:
            raise WorkbenchError(f"{path}: profile has no Duration samples")
        if profile.memory_mb <= 0:
            raise WorkbenchError(f"{path}: profile memory_mb must be positive")
        return profile
