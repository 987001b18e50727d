"""REST request validation (`RequestModel` / `RequestParameters` with a validator), before
the function runs: required parameters first, then the body against the model's JSON
schema (draft 4, API Gateway's dialect), with AWS's exact answers (LocalStack's
AWS-recorded `test_api_gateway_request_validator`: 400 "Missing required request
parameters: [x-header-param, issuer, qs1]", in header, path, query order; 400 "Invalid
request body"). An empty body is validated as `{}`, as API Gateway does.
"""

from __future__ import annotations

import functools
import json
from typing import Any
from urllib.parse import parse_qsl

from jsonschema import Draft4Validator
from jsonschema.exceptions import SchemaError

from workbench.gateway import errors as gw
from workbench.gateway.http import HttpRequest
from workbench.gateway.routing import RouteMatch
from workbench.template import RequestValidation


def validate(request: HttpRequest, match: RouteMatch, rules: RequestValidation) -> None:
    missing = [name for source, name in sorted(
        (source, source.rsplit(".", 1)[-1]) for source, required in rules.parameters
        if required) if not _present(source, name, request, match)]
    if missing:
        raise gw.BadRequestParameters(
            f"Missing required request parameters: [{', '.join(missing)}]")
    if rules.body_schema is None and not rules.body_required:
        return
    if rules.body_required and not request.body:
        raise gw.BadRequestBody()
    try:
        document = json.loads(request.body or b"{}")
    except ValueError:
        raise gw.BadRequestBody() from None
    if rules.body_schema is not None and not _validator(
            json.dumps(rules.body_schema, sort_keys=True)).is_valid(document):
        raise gw.BadRequestBody()


def _present(source: str, name: str, request: HttpRequest, match: RouteMatch) -> bool:
    if source.startswith("method.request.header."):
        return bool(request.header(name) is not None)
    if source.startswith("method.request.querystring."):
        return any(k == name for k, _ in parse_qsl(request.query_string,
                                                    keep_blank_values=True))
    if source.startswith("method.request.path."):
        return name in (match.path_parameters or {})
    return True  # not a parameter API Gateway validates


@functools.lru_cache(maxsize=256)
def _validator(schema_json: str) -> Any:
    schema = json.loads(schema_json)
    try:
        Draft4Validator.check_schema(schema)
    except SchemaError:
        # A model API Gateway would have refused at deploy time: nothing passes it.
        return _Refuse()
    return Draft4Validator(schema)


class _Refuse:
    def is_valid(self, _: Any) -> bool:
        return False
