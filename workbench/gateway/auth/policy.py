"""The IAM policy a Lambda authorizer returns, evaluated as API Gateway evaluates it.

The method ARN is `arn:aws:execute-api:{region}:{account}:{apiId}/{stage}/{METHOD}/{path}`
(the path as requested, without its leading slash). A statement applies when its Action
is `execute-api:Invoke` (or a wildcard) and one of its Resources matches the ARN, where
`*` matches any run of characters (slashes included) and `?` one character. An explicit
Deny wins; otherwise an Allow is needed (developer guide,
api-gateway-lambda-authorizer-output.html; IAM user guide, reference_policies_elements_resource).
"""

from __future__ import annotations

import functools
import re
from typing import Any, Literal

ACTIONS = ("execute-api:invoke", "execute-api:*", "*")
Verdict = Literal["allow", "deny", "none"]


class PolicyError(ValueError):
    """The authorizer's answer is not a policy API Gateway can use."""


def method_arn(region: str, account_id: str, api_id: str, stage: str, method: str,
               path: str) -> str:
    return f"arn:aws:execute-api:{region}:{account_id}:{api_id}/{stage}/{method}/{path.lstrip('/')}"


def verdict(document: Any, arn: str) -> Verdict:
    """"allow", "deny" (an explicit Deny matched) or "none" (no Allow matched: an implicit
    deny) for invoking `arn`; PolicyError when the document is malformed."""
    if not isinstance(document, dict):
        raise PolicyError("policyDocument must be an object")
    statements = document.get("Statement")
    if isinstance(statements, dict):
        statements = [statements]
    if not isinstance(statements, list) or not statements:
        raise PolicyError("policyDocument has no Statement")
    found: Verdict = "none"
    for statement in statements:
        effect, actions, resources = _parts(statement)
        if not any(a.lower() in ACTIONS for a in actions):
            continue
        if any(_pattern(r).fullmatch(arn) for r in resources):
            if effect == "deny":
                return "deny"
            found = "allow"
    return found


def _parts(statement: Any) -> tuple[str, list[str], list[str]]:
    if not isinstance(statement, dict):
        raise PolicyError("a Statement must be an object")
    effect = statement.get("Effect")
    if not isinstance(effect, str) or effect.lower() not in ("allow", "deny"):
        raise PolicyError("a Statement's Effect must be Allow or Deny")
    return effect.lower(), _strings(statement.get("Action")), _strings(statement.get("Resource"))


def _strings(value: Any) -> list[str]:
    values = [value] if isinstance(value, str) else value
    if not isinstance(values, list) or not values or not all(isinstance(v, str) for v in values):
        raise PolicyError("Action and Resource must be strings or lists of strings")
    return values


@functools.lru_cache(maxsize=1024)
def _pattern(resource: str) -> re.Pattern[str]:
    return re.compile("".join(".*" if c == "*" else "." if c == "?" else re.escape(c)
                              for c in resource), re.DOTALL)
