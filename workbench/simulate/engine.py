"""Lambda's scaling, in virtual time, for a stream of arrivals.

One pass over the arrivals, in order: finished invocations free their environments,
idle ones past the keep-alive are reclaimed, then the arrival is throttled (reserved or
account concurrency, or the scaling rate for new environments), served warm by the most
recently freed environment, or served cold by a new one. Memory stays flat however long
the stream: latencies go into a log-scale histogram and time into a bounded series.
"""

from __future__ import annotations

import heapq
import math
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

from workbench.profile import Profile

# Lambda's CPU share is proportional to memory: 1,769 MB buys one full vCPU.
MB_PER_VCPU = 1769
BUCKETS_MAX = 2000


@dataclass(frozen=True)
class Limits:
    memory_mb: int
    reserved: int | None = None
    provisioned: int = 0
    keepalive_s: float = 600.0
    account_concurrency: int = 1000
    # Since 2023 each function may add 1,000 environments every 10 seconds.
    scale_per_window: int = 1000
    scale_window_s: float = 10.0


class Sampler:
    """Durations and Init Durations drawn from a profile, scaled to a memory size."""

    def __init__(self, profile: Profile, memory_mb: int, seed: int, block: int = 65536) -> None:
        self.rng = np.random.default_rng(seed)
        factor = 1.0
        if profile.scales_with_memory:
            # A single-threaded handler speeds up with memory only up to one vCPU.
            factor = min(profile.memory_mb, MB_PER_VCPU) / min(memory_mb, MB_PER_VCPU)
        self.durations = np.asarray(profile.duration_ms, dtype=float) * factor / 1000
        inits = profile.init_duration_ms or [0.0]
        self.inits = np.asarray(inits, dtype=float) * factor / 1000
        self.block = block
        self._d: list[float] = []
        self._i: list[float] = []

    def duration(self) -> float:
        if not self._d:
            self._d = self.rng.choice(self.durations, self.block).tolist()
        return self._d.pop()

    def init(self) -> float:
        if not self._i:
            self._i = self.rng.choice(self.inits, self.block).tolist()
        return self._i.pop()


class Histogram:
    """Latencies in log-spaced bins (0.5% wide): percentiles within 0.5%, memory fixed."""

    def __init__(self) -> None:
        self.low, self.ratio = 1e-5, 1.005  # seconds
        self.counts = np.zeros(4096, dtype=np.int64)
        self._pending: list[float] = []

    def add(self, seconds: float) -> None:
        self._pending.append(seconds)
        if len(self._pending) >= 65536:
            self.flush()

    def flush(self) -> None:
        if self._pending:
            values = np.maximum(np.asarray(self._pending), self.low)
            index = np.minimum((np.log(values / self.low) / math.log(self.ratio)).astype(int),
                               len(self.counts) - 1)
            self.counts += np.bincount(index, minlength=len(self.counts))
            self._pending = []

    def percentile(self, q: float) -> float | None:
        self.flush()
        total = int(self.counts.sum())
        if total == 0:
            return None
        rank = np.searchsorted(np.cumsum(self.counts), q / 100 * total)
        return float(self.low * self.ratio ** (rank + 0.5))

    def cdf(self, points: int = 200) -> list[tuple[float, float]]:
        self.flush()
        total = self.counts.sum()
        if total == 0:
            return []
        cumulative = np.cumsum(self.counts) / total
        used = np.nonzero(self.counts)[0]
        step = max(1, len(used) // points)
        return [(float(self.low * self.ratio ** (i + 1) * 1000), float(cumulative[i]))
                for i in used[::step]]


@dataclass
class Series:
    """Per-bucket peak concurrency and cold starts; the bucket widens to stay bounded."""

    width: float = 1.0
    start: float | None = None
    peak: list[int] = field(default_factory=list)
    colds: list[int] = field(default_factory=list)

    def mark(self, t: float, concurrency: int, cold: bool) -> None:
        if self.start is None:
            self.start = t
        index = int((t - self.start) / self.width)
        while index >= BUCKETS_MAX:
            self.peak = [max(self.peak[i:i + 2]) for i in range(0, len(self.peak), 2)]
            self.colds = [sum(self.colds[i:i + 2]) for i in range(0, len(self.colds), 2)]
            self.width *= 2
            index = int((t - self.start) / self.width)
        while len(self.peak) <= index:
            self.peak.append(0)
            self.colds.append(0)
        self.peak[index] = max(self.peak[index], concurrency)
        self.colds[index] += cold


@dataclass
class Outcome:
    invocations: int = 0
    cold_starts: int = 0
    throttles: int = 0
    environments_created: int = 0
    peak_concurrency: int = 0
    busy_seconds: float = 0.0  # sum of durations (concurrency-seconds)
    billed_ms: float = 0.0  # durations and INIT, rounded up to 1 ms each
    first_arrival: float | None = None
    last_end: float = 0.0
    with_init: Histogram = field(default_factory=Histogram)
    without_init: Histogram = field(default_factory=Histogram)
    series: Series = field(default_factory=Series)

    @property
    def span_s(self) -> float:
        return max(0.0, self.last_end - (self.first_arrival or 0.0))


@dataclass
class _Function:
    sampler: Sampler
    limits: Limits
    out: Outcome = field(default_factory=Outcome)
    busy: list[tuple[float, int]] = field(default_factory=list)  # (end, provisioned?) heap
    idle: deque[float] = field(default_factory=deque)  # on-demand: when each became idle
    provisioned_idle: int = 0
    created: deque[float] = field(default_factory=deque)  # creations in the scaling window

    def release(self, t: float) -> None:
        while self.busy and self.busy[0][0] <= t:
            end, provisioned = heapq.heappop(self.busy)
            if provisioned:
                self.provisioned_idle += 1
            else:
                self.idle.append(end)
        while self.idle and self.idle[0] + self.limits.keepalive_s <= t:
            self.idle.popleft()  # reclaimed after the keep-alive


def simulate_many(arrivals: Iterable[tuple[float, str]],
                  functions: dict[str, tuple[Sampler, Limits]],
                  account_concurrency: int = 1000) -> dict[str, Outcome]:
    """Several functions sharing the account's concurrency; arrivals are (time, name),
    ascending. Arrivals for functions not in `functions` are ignored."""
    states = {name: _Function(sampler, limits, provisioned_idle=limits.provisioned)
              for name, (sampler, limits) in functions.items()}
    many = len(states) > 1
    for t, name in arrivals:
        state = states.get(name)
        if state is None:
            continue
        if many:
            for other in states.values():
                other.release(t)
        else:
            state.release(t)
        _arrive(state, t, sum(len(s.busy) for s in states.values()) if many
                else len(state.busy), account_concurrency)
    for state in states.values():
        state.out.environments_created += state.limits.provisioned
    return {name: state.out for name, state in states.items()}


def simulate(arrivals: Iterable[float], sampler: Sampler, limits: Limits) -> Outcome:
    """One function: run the arrivals (seconds, ascending) through Lambda's scaling."""
    return simulate_many(((t, "") for t in arrivals), {"": (sampler, limits)},
                         limits.account_concurrency)[""]


def _arrive(state: _Function, t: float, account_busy: int, account_cap: int) -> None:
    out, limits = state.out, state.limits
    if out.first_arrival is None:
        out.first_arrival = t
    out.invocations += 1
    reserved = limits.reserved if limits.reserved is not None else account_cap
    if len(state.busy) >= reserved or account_busy >= account_cap:
        out.throttles += 1  # throttled at once: Lambda never queues a synchronous call
        return
    cold, init, flag = False, 0.0, 0
    if state.provisioned_idle:
        state.provisioned_idle -= 1
        flag = 1
    elif state.idle:
        state.idle.pop()  # the most recently used environment is reused first
    else:
        while state.created and state.created[0] + limits.scale_window_s <= t:
            state.created.popleft()
        if len(state.created) >= limits.scale_per_window:
            out.throttles += 1
            return
        state.created.append(t)
        cold, init = True, state.sampler.init()
        out.cold_starts += 1
        out.environments_created += 1
    duration = state.sampler.duration()
    end = t + init + duration
    heapq.heappush(state.busy, (end, flag))
    out.busy_seconds += duration
    out.billed_ms += math.ceil(duration * 1000) + (math.ceil(init * 1000) if cold else 0)
    out.with_init.add(init + duration)
    out.without_init.add(duration)
    out.last_end = max(out.last_end, end)
    concurrency = len(state.busy)
    out.peak_concurrency = max(out.peak_concurrency, concurrency)
    out.series.mark(t, concurrency, cold)
