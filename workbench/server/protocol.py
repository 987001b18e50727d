"""uvicorn's HTTP protocol, keeping header names as the client sent them.

ASGI lower-cases header names; API Gateway's REST (v1) events keep the client's case
(`Content-Type`), and handlers that index `event["headers"]["Content-Type"]` work on AWS.
The original names ride along in the scope's `extensions`, in the same order.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

EXTENSION = "workbench.header_names"


class CasePreservingProtocol(HttpToolsProtocol):
    def on_message_begin(self) -> None:
        super().on_message_begin()
        self.scope["extensions"] = {EXTENSION: []}  # type: ignore[dict-item]

    def on_header(self, name: bytes, value: bytes) -> None:
        names: list[str] = self.scope["extensions"][EXTENSION]  # type: ignore[assignment]
        names.append(name.decode("latin-1"))
        super().on_header(name, value)


def header_pairs(scope: MutableMapping[str, Any]) -> list[tuple[str, str]]:
    """The request's headers, in order, with their original names where known."""
    names = scope.get("extensions", {}).get(EXTENSION)
    headers = scope["headers"]
    if names is None or len(names) != len(headers):
        names = [name.decode("latin-1") for name, _ in headers]
    values = [value.decode("latin-1") for _, value in headers]
    return list(zip(names, values, strict=True))
