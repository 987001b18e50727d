"""API Gateway proxy request parsing and responses for handlers.

A client mistake is a 400 with a message that says what is wrong; it must never escape
as an exception, which API Gateway would turn into a 502.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any


class BadRequest(Exception):
    """The request is wrong; the message is shown to the client."""


def json_body(event: Any) -> Any:
    """The JSON body of a v1 or v2 proxy event (base64 bodies decoded)."""
    if not isinstance(event, dict):
        raise BadRequest("the event is not an API Gateway proxy event")
    body = event.get("body")
    if body is None or body == "":
        raise BadRequest("request body is missing; send a JSON object")
    if not isinstance(body, str):
        raise BadRequest("request body must be a string")
    if event.get("isBase64Encoded"):
        try:
            raw = base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError):
            raise BadRequest("request body is not valid base64") from None
    else:
        raw = body.encode("utf-8", "surrogatepass")
    try:
        return json.loads(raw)
    except UnicodeDecodeError:
        raise BadRequest("request body is not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        message = f"request body is not valid JSON: {exc.msg} at position {exc.pos}"
        raise BadRequest(message) from None


def json_response(status: int, payload: Any) -> dict[str, Any]:
    return {
        "statusCode": status,
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps(payload),
        "isBase64Encoded": False,
    }


def error_response(status: int, message: str) -> dict[str, Any]:
    return json_response(status, {"message": message})
