"""What Lambda returns when an invocation does not end with a response.

The error documents and types are Lambda's: a handler exception comes back as
awslambdaric posted it; a timeout, a crash or the memory limit are written by the
service (`Sandbox.Timedout`, `Runtime.ExitError`, `Runtime.OutOfMemory`).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass

from workbench.runtime.api import Outcome

# Lambda's synchronous response limit, as its error message states it.
MAX_RESPONSE_BYTES = 6291556
# After these the environment is discarded and the next invocation is cold.
FATAL = frozenset({"Sandbox.Timedout", "Runtime.ExitError", "Runtime.OutOfMemory",
                   "Workbench.EphemeralStorageExceeded"})


@dataclass(frozen=True)
class Verdict:
    document: bytes
    function_error: str | None = None  # "Unhandled", as the X-Amz-Function-Error header
    error_type: str | None = None
    log_line: str | None = None  # what the platform writes into the function's log
    status: str | None = None  # REPORT's Status when the platform ended it: timeout or error

    @property
    def report_status(self) -> str | None:
        return self.status

    @property
    def report_error_type(self) -> str | None:
        return self.error_type if self.status == "error" else None

    @property
    def message(self) -> str:
        try:
            return str(json.loads(self.document).get("errorMessage", ""))
        except (ValueError, AttributeError):
            return ""


def _document(error_type: str, message: str) -> bytes:
    return json.dumps({"errorType": error_type, "errorMessage": message}).encode()


def from_outcome(outcome: Outcome) -> Verdict:
    if outcome.kind == "response":
        if len(outcome.body) > MAX_RESPONSE_BYTES:
            message = (f"Response payload size exceeded maximum allowed payload size "
                       f"({MAX_RESPONSE_BYTES} bytes).")
            return Verdict(_document("Function.ResponseSizeTooLarge", message), "Unhandled",
                           "Function.ResponseSizeTooLarge")
        return Verdict(outcome.body)
    return from_document(outcome.body, outcome.error_type)


def from_document(document: bytes, error_type: str | None = None) -> Verdict:
    """An error the runtime posted (handler exception or INIT failure), passed through."""
    try:
        parsed = json.loads(document)
    except ValueError:
        parsed = None
    if not isinstance(parsed, dict):
        parsed = {"errorType": error_type or "Runtime.Unknown",
                  "errorMessage": document.decode(errors="replace")}
        document = json.dumps(parsed).encode()
    return Verdict(document, "Unhandled", str(parsed.get("errorType") or error_type))


def exit_error(request_id: str | None, description: str, oom: bool = False) -> Verdict:
    """The runtime process died: os._exit, a signal, or killed for memory."""
    error_type = "Runtime.OutOfMemory" if oom else "Runtime.ExitError"
    message = f"Error: Runtime exited with error: {description}"
    if request_id:
        message = f"RequestId: {request_id} {message}"
    return Verdict(_document(error_type, message), "Unhandled", error_type,
                   f"{message}\n{error_type}", "error")


def init_failed(document: bytes, error_type: str) -> Verdict:
    """INIT failed again in the invoke phase: the invocation answers with INIT's error."""
    return Verdict(document, "Unhandled", error_type, None, "error")


def tmp_exceeded(request_id: str, used_mb: float, limit_mb: int) -> Verdict:
    """Without a private /tmp (no mount namespace here) a write past EphemeralStorage cannot
    fail with ENOSPC as it would on Lambda; the invocation fails instead, saying why."""
    error_type = "Workbench.EphemeralStorageExceeded"
    message = (f"RequestId: {request_id} Error: /tmp (TMPDIR) holds {used_mb:.0f} MB, over "
               f"EphemeralStorage {limit_mb} MB; on Lambda the write would have failed with "
               "ENOSPC (No space left on device)")
    return Verdict(_document(error_type, message), "Unhandled", error_type,
                   f"{message}\n{error_type}", "error")


def timeout_error(request_id: str | None, timeout_s: float) -> Verdict:
    message = f"Task timed out after {timeout_s:.2f} seconds"
    full = f"RequestId: {request_id} Error: {message}" if request_id else f"Error: {message}"
    # The platform's log line: "<UTC timestamp> <request id> Task timed out after ..."
    now = time.time()
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now)) + f".{int(now % 1 * 1000):03d}Z"
    return Verdict(_document("Sandbox.Timedout", full), "Unhandled", "Sandbox.Timedout",
                   f"{stamp} {request_id} {message}", "timeout")
