"""REST request validation declared in a SAM template (apps/access/validation.yaml), over
HTTP against a real dev server: required parameters, then the body against the model,
before the function runs. AWS's answers as LocalStack's AWS-recorded snapshot
(test_api_gateway_request_validator) holds them: 400 "Missing required request
parameters: [...]" (header, path, query order) and 400 "Invalid request body"; SAM adds a
validator only with a RequestModel, so RequestParameters alone are not enforced.
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.servers import answer, module_server

pytestmark = pytest.mark.functional
TEMPLATE = Path(__file__).parent / "apps" / "access" / "validation.yaml"
GOOD = {"item": "book", "quantity": 2}
HEADERS = {"X-Request-Id": "r-1", "Content-Type": "application/json"}

server = module_server(TEMPLATE)



def test_a_valid_request_reaches_the_function(http: httpx.Client) -> None:
    response = http.post("/orders", params={"lang": "en"}, headers=HEADERS, json=GOOD)
    assert response.status_code == 200 and response.json()["resource"] == "/orders"


@pytest.mark.parametrize("headers, params, missing", [
    ({}, {}, "X-Request-Id, lang"),
    ({"X-Request-Id": "r-1"}, {}, "lang"),
    ({}, {"lang": "en", "page": "2"}, "X-Request-Id"),
])
def test_missing_required_parameters(http: httpx.Client, headers: dict[str, str],
                                     params: dict[str, str], missing: str) -> None:
    response = http.post("/orders", params=params, headers=headers, json=GOOD)
    assert answer(response) == (400, {
        "message": f"Missing required request parameters: [{missing}]"})
    assert response.headers["x-amzn-ErrorType"] == "BadRequestException"


@pytest.mark.parametrize("body", [
    b"", b"not json", b'{"item": "book"}', b'{"item": "", "quantity": 2}',
    b'{"item": "book", "quantity": "2"}', b'{"item": "book", "quantity": 2, "extra": 1}',
    b"[1, 2]",
], ids=["empty", "not-json", "missing-field", "too-short", "wrong-type", "extra-field",
        "not-an-object"])
def test_a_body_that_does_not_fit_the_model(http: httpx.Client, body: bytes) -> None:
    response = http.post("/orders", params={"lang": "en"}, headers=HEADERS, content=body)
    assert answer(response) == (400, {"message": "Invalid request body"})


def test_an_optional_body_is_validated_when_sent(http: httpx.Client) -> None:
    assert http.put("/orders/1/notes").status_code == 200  # Required: false
    assert http.put("/orders/1/notes", json={"text": "hi"}).status_code == 200
    assert answer(http.put("/orders/1/notes", json={"text": 5})) == (
        400, {"message": "Invalid request body"})


def test_parameters_without_a_validator_are_not_enforced(http: httpx.Client) -> None:
    assert http.get("/orders/1").status_code == 200  # `verbose` is declared, not checked
