"""Mapping expressions and body templates where the gateway answers itself."""

from __future__ import annotations

import pytest

from workbench.gateway.http import HttpRequest
from workbench.gateway.mappings import fill, mapped

VALUES = {"context.requestId": "r-1", "stageVariables.env": "dev",
          "context.error.messageString": '"Unauthorized"'}


@pytest.mark.parametrize("mapping, expected", [
    ("'literal, with comma'", "literal, with comma"), ("context.requestId", "r-1"),
    ("method.request.header.x-trace", "t"), ("method.request.querystring.q", "2"),
    ("method.request.header.Absent", None), ("something.else", None),
])
def test_mapped(mapping: str, expected: str | None) -> None:
    request = HttpRequest("GET", "/", "q=1&q=2", [("X-Trace", "t")], b"")
    assert mapped(mapping, request, VALUES) == expected


def test_fill_follows_vtl_references() -> None:
    template = ('{"m": $context.error.messageString, "id": "${context.requestId}", '
                '"env": "$stageVariables.env", "gone": "$!context.nothing", '
                '"kept": "$context.nothing", "input": "$input.body"}')
    assert fill(template, VALUES) == ('{"m": "Unauthorized", "id": "r-1", "env": "dev", '
                                      '"gone": "", "kept": "$context.nothing", '
                                      '"input": "$input.body"}')
