"""The Invoke API's FunctionName and Qualifier, checked as Lambda checks them.

FunctionName is a name (`my-function`), a name with a qualifier (`my-function:live`),
a partial ARN (`123456789012:function:my-function`) or a full ARN
(`arn:aws:lambda:us-east-1:123456789012:function:my-function`). Lambda's API reference
(Invoke, Request Parameters) gives its pattern and 1-170 characters; Qualifier is
`(|[a-zA-Z0-9$_-]+)`, 1-128 characters. A value outside them is 400 ValidationException;
an ARN of another region is 404 "Functions from 'eu-west-1' are not reachable in this
region ('us-east-1')"; one of another account names a function this account does not
have (404); a qualifier in the name that differs from the Qualifier parameter is 400
InvalidParameterValueException. (Order and wording as LocalStack's AWS-validated
`localstack/services/lambda_/api_utils.py` records them.)
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from workbench.errors import InvalidParameterValue, ResourceNotFound, ValidationError
from workbench.runtime.environ import LATEST, PUBLISHED
from workbench.template import FunctionSpec, Template

# Lambda's pattern for FunctionName, as its ValidationException quotes it.
NAME_PATTERN = (r"(arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:)?"
                r"(\d{12}:)?(function:)?([a-zA-Z0-9-_\.]+)(:(\$LATEST|[a-zA-Z0-9-_]+))?")
NAME_MAX = 170
QUALIFIER_PATTERN = r"(|[a-zA-Z0-9$_-]+)"
QUALIFIER_MAX = 128
_NAME = re.compile(
    r"(?:arn:(?:aws[a-zA-Z-]*)?:lambda:)?(?P<region>[a-z]{2}(?:-gov|-iso[a-z]?)?-[a-z]+-\d:)?"
    r"(?P<account>\d{12}:)?(?:function:)?(?P<name>[a-zA-Z0-9_.-]+)"
    r"(?::(?P<qualifier>\$LATEST|[a-zA-Z0-9_-]+))?")
_QUALIFIER = re.compile(r"[a-zA-Z0-9$_-]+")
# A hostile value is echoed in the message, as Lambda does, but cut to this length.
ECHO_MAX = 200


@dataclass(frozen=True)
class Target:
    spec: FunctionSpec
    qualifier: str | None  # None, "$LATEST", one of the function's aliases or version 1


def resolve(function_name: str, qualifier: str | None, template: Template, *, region: str,
            account_id: str) -> Target:
    """The function (and qualifier) an Invoke names, or the error Lambda would answer."""
    if "/" in function_name and not qualifier and (
            spec := template.function(function_name)) is not None:
        # (templates, #14) A nested stack's function, named `Child/Function` as SAM CLI
        # names it, or a CDK function by its construct path: not a Lambda name, so it is
        # looked up before the name is checked.
        return Target(spec, None)
    problems = _name_problems(function_name)
    if qualifier:
        problems += _qualifier_problems(qualifier)
    match = _NAME.fullmatch(function_name)
    if match is not None and not problems:
        arn_region = (match["region"] or "").rstrip(":")
        if arn_region and arn_region != region:
            raise ResourceNotFound(f"Functions from '{arn_region}' are not reachable in this "
                                   f"region ('{region}')")
    if problems:
        count = len(problems)
        raise ValidationError(f"{count} validation error{'s' if count > 1 else ''} detected: "
                              + "; ".join(problems))
    assert match is not None
    name, in_name = match["name"], match["qualifier"]
    if qualifier and in_name and qualifier != in_name:
        raise InvalidParameterValue("The derived qualifier from the function name does not "
                                    "match the specified qualifier.")
    qualifier = qualifier or in_name
    account = (match["account"] or "").rstrip(":") or account_id
    spec = template.function(name) if account == account_id else None
    if spec is None or qualifier not in _qualifiers(spec):
        raise ResourceNotFound(f"Function not found: arn:aws:lambda:{region}:{account}:function:"
                               f"{name}" + (f":{qualifier}" if qualifier else ""))
    return Target(spec, qualifier)


def _qualifiers(spec: FunctionSpec) -> tuple[str | None, ...]:
    """What an Invoke may name: $LATEST, and with an alias it and version 1 it points to."""
    return (None, LATEST, *spec.aliases, *((PUBLISHED,) if spec.aliases else ()))


def _name_problems(value: str) -> list[str]:
    problems = []
    if not value:
        problems.append(_problem(value, "functionName",
                                 "Member must have length greater than or equal to 1"))
    if len(value) > NAME_MAX:
        problems.append(_problem(value, "functionName",
                                 f"Member must have length less than or equal to {NAME_MAX}"))
    if not _NAME.fullmatch(value):  # linear in the length: no nested repetition
        problems.append(_problem(value, "functionName",
                                 f"Member must satisfy regular expression pattern: {NAME_PATTERN}"))
    return problems


def _qualifier_problems(value: str) -> list[str]:
    problems = []
    if len(value) > QUALIFIER_MAX:
        problems.append(_problem(value, "qualifier", "Member must have length less than or "
                                                     f"equal to {QUALIFIER_MAX}"))
    if not _QUALIFIER.fullmatch(value):
        problems.append(_problem(value, "qualifier", "Member must satisfy regular expression "
                                                     f"pattern: {QUALIFIER_PATTERN}"))
    return problems


def _problem(value: str, member: str, constraint: str) -> str:
    shown = value if len(value) <= ECHO_MAX else value[:ECHO_MAX] + "..."
    return f"Value '{shown}' at '{member}' failed to satisfy constraint: {constraint}"
