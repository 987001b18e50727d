"""A small Debug Adapter Protocol client: what an IDE says to debugpy, and nothing more.

Requests go out with a sequence number; `request()` returns the response to it, keeping
the events that arrive meanwhile for `event()` to find.
"""

from __future__ import annotations

import itertools
import json
import socket
from typing import Any

Message = dict[str, Any]


class DapClient:
    def __init__(self, host: str, port: int, timeout_s: float = 60.0) -> None:
        self._socket = socket.create_connection((host, port), timeout=timeout_s)
        self._reader = self._socket.makefile("rb")
        self._seq = itertools.count(1)
        self.events: list[Message] = []

    def tell(self, command: str, **arguments: Any) -> int:
        """Send a request without waiting for its response; its sequence number."""
        seq = next(self._seq)
        self._send({"seq": seq, "type": "request", "command": command,
                    "arguments": arguments})
        return seq

    def request(self, command: str, **arguments: Any) -> Message:
        """Send a request; its response (raises if the adapter refused it)."""
        seq = self.tell(command, **arguments)
        while True:
            message = self._receive()
            if message["type"] == "event":
                self.events.append(message)
            elif message["type"] == "response" and message["request_seq"] == seq:
                if not message["success"]:
                    raise RuntimeError(f"{command}: {message.get('message')}")
                return message

    def event(self, name: str) -> Message:
        """The first event called `name` not taken yet, waiting for it if need be."""
        while True:
            for index, event in enumerate(self.events):
                if event["event"] == name:
                    return self.events.pop(index)
            message = self._receive()
            if message["type"] == "event":
                self.events.append(message)

    def close(self) -> None:
        self._reader.close()
        self._socket.close()

    def _send(self, message: Message) -> None:
        body = json.dumps(message).encode()
        self._socket.sendall(b"Content-Length: %d\r\n\r\n" % len(body) + body)

    def _receive(self) -> Message:
        length = 0
        while (line := self._reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode("ascii").partition(":")
            if name.lower() == "content-length":
                length = int(value)
        if not length:
            raise ConnectionError("the debug adapter closed the connection")
        message: Message = json.loads(self._reader.read(length))
        return message
