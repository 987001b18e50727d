"""Every fixture event loads and has exactly the keys the builder produces for its kind."""

from __future__ import annotations

import pytest

from workbench.errors import WorkbenchError
from workbench.fixtures import list_events, load_event
from workbench.gateway.events import build_event, synthetic_match
from workbench.gateway.http import HttpRequest

REQUEST = HttpRequest("GET", "/x", "", [("Host", "h")], b"")
BUILT = {
    "apigw-rest": build_event(REQUEST, synthetic_match("rest", "GET", "/x")),
    "apigw-http": build_event(REQUEST, synthetic_match("http", "GET", "/x")),
}
OPTIONAL_V2 = {"cookies", "queryStringParameters", "pathParameters", "body", "stageVariables"}


def test_the_curated_set_is_there() -> None:
    variants = {v for _, v in list_events()}
    assert {"get-repeated-query", "post-json", "binary-upload", "cookies", "path-parameters",
            "proxy-plus", "stage-variables", "authorizer"} <= variants
    assert {s for s, _ in list_events()} == {"apigw-rest", "apigw-http"}


@pytest.mark.parametrize("source, variant", list_events())
def test_fixture_keys_match_the_builder(source: str, variant: str) -> None:
    event = load_event(source, variant)
    expected = set(BUILT[source])
    if source == "apigw-rest":
        assert set(event) == expected
        assert set(event["requestContext"]) - {"authorizer"} == set(BUILT[source]["requestContext"])
    else:
        assert expected - OPTIONAL_V2 <= set(event) <= expected | OPTIONAL_V2


def test_missing_and_unknown_fixtures_are_clear_errors() -> None:
    with pytest.raises(WorkbenchError, match="no fixture event apigw-rest/nope"):
        load_event("apigw-rest", "nope")
    with pytest.raises(WorkbenchError, match="unknown event source"):
        load_event("sqs", "x")
