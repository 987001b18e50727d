"""Where arrival times come from: a recorded trace (streamed) or a generated pattern."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np

from workbench.errors import WorkbenchError
from workbench.trace import read_trace

BLOCK = 65536


def parse(spec: str) -> tuple[str, list[float]]:
    """`poisson:RATE:DURATION` or `bursty:LOW:HIGH:ON_S:OFF_S:DURATION` (rates per second)."""
    kind, _, rest = spec.partition(":")
    arity = {"poisson": 2, "bursty": 5}
    if kind not in arity:
        raise WorkbenchError(f"--arrivals {spec!r}: use poisson:RATE:DURATION or "
                             "bursty:LOW:HIGH:ON_S:OFF_S:DURATION")
    try:
        numbers = [float(x) for x in rest.split(":")]
    except ValueError:
        raise WorkbenchError(f"--arrivals {spec!r}: the parameters must be numbers") from None
    if len(numbers) != arity[kind] or any(n < 0 for n in numbers) or numbers[-1] <= 0:
        raise WorkbenchError(f"--arrivals {spec!r}: {kind} takes {arity[kind]} non-negative "
                             "numbers and a positive duration")
    return kind, numbers


def generated(spec: str, seed: int) -> Iterator[float]:
    kind, numbers = parse(spec)
    rng = np.random.default_rng(seed)
    duration = numbers[-1]
    if kind == "poisson":
        rate = numbers[0]
        phases = [(0.0, duration, rate)]
    else:
        low, high, on, off = numbers[:4]
        phases, t = [], 0.0
        while t < duration:
            phases.append((t, min(t + on, duration), high))
            phases.append((t + on, min(t + on + off, duration), low))
            t += on + off
    for start, end, rate in phases:
        if rate <= 0 or start >= end:
            continue
        t = start
        while True:
            for gap in rng.exponential(1 / rate, BLOCK).tolist():
                t += gap
                if t >= end:
                    break
                yield t
            else:
                continue
            break


def from_trace(path: Path, function: str | None,
               problems: list[tuple[int, str]]) -> Iterator[float]:
    """Arrival times of one function (or all) in a trace, in order."""
    for t, name in named_from_trace(path, problems):
        if function is None or name == function:
            yield t


def named_from_trace(path: Path, problems: list[tuple[int, str]]) -> Iterator[tuple[float, str]]:
    """(time, function) of every record. Unsorted timestamps are rejected, not sorted:
    sorting needs the whole trace in memory, and a mis-ordered trace is usually a bug."""
    last = None
    for record in read_trace(path, lambda n, m: problems.append((n, m))):
        if last is not None and record.time < last:
            raise WorkbenchError(f"{path}: timestamps go backwards at t={record.time} (after "
                                 f"{last}); sort the trace by time first")
        last = record.time
        yield record.time, record.function
