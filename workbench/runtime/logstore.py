"""Function logs kept per log stream (one stream per environment), as CloudWatch keeps them."""

from __future__ import annotations

from collections import OrderedDict, deque

MAX_STREAM_CHARS = 256 * 1024  # per stream, the newest text is kept
MAX_STREAMS = 100  # per function, the newest streams are kept


class LogStore:
    def __init__(self) -> None:
        self._groups: dict[str, OrderedDict[str, deque[str]]] = {}
        self._sizes: dict[tuple[str, str], int] = {}

    def append(self, function: str, stream: str, text: str) -> None:
        group = self._groups.setdefault(function, OrderedDict())
        chunks = group.setdefault(stream, deque())
        group.move_to_end(stream)
        chunks.append(text)
        key = (function, stream)
        self._sizes[key] = self._sizes.get(key, 0) + len(text)
        while self._sizes[key] > MAX_STREAM_CHARS and len(chunks) > 1:
            self._sizes[key] -= len(chunks.popleft())
        while len(group) > MAX_STREAMS:
            old, _ = group.popitem(last=False)
            self._sizes.pop((function, old), None)

    def streams(self, function: str) -> dict[str, str]:
        """Log group /aws/lambda/<function>: stream name -> its text, oldest stream first."""
        return {name: "".join(chunks) for name, chunks in self._groups.get(function, {}).items()}
