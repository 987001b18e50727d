"""A bounded buffer for what a function prints between two invocations' ends."""

from __future__ import annotations

from collections import deque

# Keep at most this much of one invocation's output; a handler printing 10 MB must not
# grow the workbench's memory. The tail is kept (it holds the traceback that matters).
MAX_KEPT_BYTES = 1024 * 1024


class LogBuffer:
    def __init__(self, limit: int = MAX_KEPT_BYTES) -> None:
        self.limit = limit
        self._chunks: deque[bytes] = deque()
        self._size = 0
        self._dropped = 0

    def write(self, data: bytes) -> None:
        self._chunks.append(data)
        self._size += len(data)
        while self._size > self.limit and self._chunks:
            excess = self._size - self.limit
            head = self._chunks[0]
            if len(head) <= excess:
                self._chunks.popleft()
                self._size -= len(head)
                self._dropped += len(head)
            else:
                self._chunks[0] = head[excess:]
                self._size -= excess
                self._dropped += excess

    def take(self) -> str:
        """Everything kept since the last take, as text; says how much was dropped."""
        text = b"".join(self._chunks).decode("utf-8", errors="replace")
        if self._dropped:
            note = f"[workbench: {self._dropped} bytes of output dropped, over {self.limit} kept]"
            text = note + "\n" + text
        self._chunks.clear()
        self._size = self._dropped = 0
        if text and not text.endswith("\n"):
            text += "\n"
        return text
