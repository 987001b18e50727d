"""The trace format: one JSON object per line, one line per invocation.

Recorded by `workbench serve --record`, produced by `workbench trace import`, read by
replay and simulation. Events stay raw dicts so they replay byte for byte. A reader
streams (a million-line trace never sits in memory) and reports each malformed line by
number instead of dropping it silently.
"""

from __future__ import annotations

import json
import queue
import threading
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal, TextIO

import orjson

from workbench.errors import WorkbenchError

FORMAT_VERSION = 1
Source = Literal["apigw-rest", "apigw-http", "invoke"]
SOURCES: tuple[Source, ...] = ("apigw-rest", "apigw-http", "invoke")


@dataclass
class TraceRecord:
    time: float  # arrival, seconds since the epoch
    function: str  # the template's logical id
    source: Source
    event: Any  # a proxy event (dict) for API sources; any JSON value for "invoke"
    response: Any = None  # proxy response dict / Invoke payload; None when there was none
    status: int | None = None  # what the client saw
    duration_ms: float | None = None
    init_duration_ms: float | None = None  # set on a cold start only
    cold: bool | None = None
    throttled: bool = False
    error_type: str | None = None
    max_memory_used_mb: int | None = None
    request_id: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)  # importer-specific provenance

    def to_json(self) -> str:
        return json.dumps({"v": FORMAT_VERSION, **asdict(self)}, separators=(",", ":"))

    @classmethod
    def from_json(cls, line: str) -> TraceRecord:
        """Parse one line; ValueError says what is wrong with it."""
        data = json.loads(line)
        if not isinstance(data, dict):
            raise ValueError("not a JSON object")
        if data.pop("v", FORMAT_VERSION) != FORMAT_VERSION:
            raise ValueError(f"unknown trace format version (this reads v{FORMAT_VERSION})")
        for key in ("time", "function", "source", "event"):
            if key not in data:
                raise ValueError(f"missing {key!r}")
        if isinstance(data["time"], bool) or not isinstance(data["time"], (int, float)):
            raise ValueError("'time' must be a number (seconds since the epoch)")
        if not isinstance(data["function"], str):
            raise ValueError("'function' must be a string")
        if data["source"] not in SOURCES:
            raise ValueError(f"'source' must be one of {', '.join(SOURCES)}")
        if data["source"] != "invoke" and not isinstance(data["event"], dict):
            raise ValueError("'event' must be a JSON object (an API Gateway proxy event)")
        known = cls.__dataclass_fields__
        unknown = set(data) - set(known)
        if unknown:
            raise ValueError(f"unknown keys {sorted(unknown)}")
        return cls(**data)


def payload_bytes(value: Any) -> bytes:
    """A JSON value as the payload Lambda is handed: compact UTF-8 JSON, as API Gateway
    sends it. orjson encodes an event in a tenth of json.dumps' time (this is on every
    request's path); what it refuses (a lone surrogate, an integer past 64 bits) goes
    through json."""
    try:
        return orjson.dumps(value)
    except TypeError:  # orjson.JSONEncodeError
        return json.dumps(value).encode()


def payload_value(payload: bytes) -> Any:
    """A Lambda payload as a trace keeps it: parsed JSON, or the text when it is not JSON."""
    try:
        return json.loads(payload)
    except ValueError:
        return payload.decode("utf-8", errors="replace")


Problem = Callable[[int, str], None]


def read_trace(path: Path, on_problem: Problem | None = None) -> Iterator[TraceRecord]:
    """Stream records; each bad line goes to `on_problem(line_number, message)` and is skipped.

    Without `on_problem`, the first bad line raises WorkbenchError naming it.
    """
    try:
        handle = path.open(encoding="utf-8", errors="strict")
    except OSError as exc:
        raise WorkbenchError(f"{path}: cannot read trace: {exc.strerror or exc}") from None
    with handle:
        number = 0
        while True:
            try:
                line = handle.readline()
            except UnicodeDecodeError:
                raise WorkbenchError(f"{path}:{number + 1}: not UTF-8 text") from None
            if not line:
                return
            number += 1
            if not line.strip():
                continue
            try:
                yield TraceRecord.from_json(line)
            except (ValueError, TypeError) as exc:
                truncated = not line.endswith("\n")
                message = "truncated last line" if truncated else str(exc)
                if on_problem is None:
                    raise WorkbenchError(f"{path}:{number}: {message}") from None
                on_problem(number, message)


class TraceWriter:
    """Appends records from any thread without blocking the caller.

    A background thread writes and flushes each record as it comes, so a stopped server
    (Ctrl-C, SIGTERM) loses nothing that was handed over before `close()`.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._file: TextIO = path.open("a", encoding="utf-8")
        except OSError as exc:
            raise WorkbenchError(f"{path}: cannot write trace: {exc.strerror or exc}") from None
        self._queue: queue.SimpleQueue[TraceRecord | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="trace-writer", daemon=True)
        self._thread.start()
        self.written = 0

    def write(self, record: TraceRecord) -> None:
        self._queue.put(record)

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join()
        self._file.close()

    def _run(self) -> None:
        while (record := self._queue.get()) is not None:
            self._file.write(record.to_json() + "\n")
            self._file.flush()
            self.written += 1
