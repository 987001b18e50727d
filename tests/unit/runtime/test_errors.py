from __future__ import annotations

import json
import signal

import pytest

from workbench.runtime import errors
from workbench.runtime.api import Outcome
from workbench.runtime.process import exit_description


@pytest.mark.parametrize("code, text", [
    (1, "exit status 1"), (-signal.SIGKILL, "signal: killed"),
    (-signal.SIGSEGV, "signal: segmentation fault"), (-signal.SIGABRT, "signal: aborted"),
])
def test_exit_descriptions(code: int, text: str) -> None:
    assert exit_description(code) == text


def test_timeout_document_and_log_line() -> None:
    verdict = errors.timeout_error("req", 3)
    assert json.loads(verdict.document) == {
        "errorType": "Sandbox.Timedout",
        "errorMessage": "RequestId: req Error: Task timed out after 3.00 seconds"}
    assert verdict.log_line is not None and verdict.log_line.endswith(
        " req Task timed out after 3.00 seconds")


def test_oom_and_exit_errors() -> None:
    assert errors.exit_error("r", "signal: killed", oom=True).error_type == "Runtime.OutOfMemory"
    assert errors.exit_error("r", "exit status 2").error_type == "Runtime.ExitError"
    assert errors.FATAL >= {"Runtime.OutOfMemory", "Runtime.ExitError", "Sandbox.Timedout"}


def test_handler_error_documents_pass_through_and_garbage_is_wrapped() -> None:
    document = b'{"errorMessage": "x", "errorType": "KeyError", "stackTrace": []}'
    verdict = errors.from_outcome(Outcome("error", document, "KeyError"))
    assert (verdict.document, verdict.error_type, verdict.function_error) == (
        document, "KeyError", "Unhandled")
    wrapped = errors.from_document(b"not json", "Weird")
    assert json.loads(wrapped.document) == {"errorType": "Weird", "errorMessage": "not json"}


def test_oversized_response_is_a_function_error() -> None:
    verdict = errors.from_outcome(Outcome("response", b"x" * (errors.MAX_RESPONSE_BYTES + 1)))
    assert verdict.error_type == "Function.ResponseSizeTooLarge"
    assert errors.from_outcome(Outcome("response", b"{}")).function_error is None
