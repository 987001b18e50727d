"""AWS_IAM routes and Function URLs: who signed a request, and what the integration is
told about them. A SigV4 signature is an `Authorization: AWS4-HMAC-SHA256 Credential=...`
header or a presigned URL's `X-Amz-Signature` query (AWS General Reference, "Signature
Version 4 signing process"); it is checked for presence, never against IAM (the banner
says so).
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl

from workbench.gateway.http import HttpRequest

_HEADER = re.compile(r"AWS4-HMAC-SHA256 Credential=([^/,\s]+)/[^,]+,\s*SignedHeaders=[^,]+,"
                     r"\s*Signature=[0-9a-f]{64}")


def signer(request: HttpRequest) -> str | None:
    """The access key that signed the request, or None when it is not signed."""
    found = _HEADER.search(request.header("Authorization") or "")
    if found:
        return found.group(1)
    query = dict(parse_qsl(request.query_string, keep_blank_values=True))
    if query.get("X-Amz-Algorithm") == "AWS4-HMAC-SHA256" and query.get("X-Amz-Signature"):
        return query.get("X-Amz-Credential", "").split("/", 1)[0] or None
    return None


def iam_authorizer(access_key: str, account_id: str) -> dict[str, Any]:
    """Payload 2.0's `requestContext.authorizer` for a signed request (HTTP API
    http-api-develop-integrations-lambda.html; Function URLs urls-invocation.html)."""
    return {"iam": {"accessKey": access_key, "accountId": account_id, "callerId": access_key,
                    "cognitoIdentity": None, "principalOrgId": None,
                    "userArn": f"arn:aws:iam::{account_id}:user/{access_key}",
                    "userId": access_key}}


def rest_identity(access_key: str, account_id: str) -> dict[str, str]:
    """What a REST event's `requestContext.identity` gains for a signed request."""
    return {"accessKey": access_key, "accountId": account_id, "caller": access_key,
            "user": access_key, "userArn": f"arn:aws:iam::{account_id}:user/{access_key}"}
