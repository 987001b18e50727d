"""The workbench's exception tree.

Every error that can reach a user carries what it needs to be shown: the CLI prints
`WorkbenchError` as one line and exits 2; the dev server turns `AwsError` into the HTTP
answer AWS would give, in one place (`workbench.server.app`).
"""

from __future__ import annotations


class WorkbenchError(Exception):
    """A problem the user can fix: a bad flag, template, file or trace."""


class TemplateError(WorkbenchError):
    """A SAM template the workbench cannot use; names the resource and property."""

    def __init__(self, path: str, resource: str | None, prop: str | None, message: str) -> None:
        where = ", ".join(
            part for part in (
                f"resource {resource}" if resource else "",
                f"property {prop}" if prop else "",
            ) if part
        )
        super().__init__(f"{path}: {where + ': ' if where else ''}{message}")
        self.resource = resource
        self.prop = prop
        self.detail = f"property {prop}: {message}" if prop else message


class AwsError(Exception):
    """An error AWS answers with: an HTTP status, an error type and a message."""

    status = 500
    error_type = "ServiceException"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# Lambda Invoke API errors (names and statuses as in the Lambda API reference).

class ResourceNotFound(AwsError):
    status = 404
    error_type = "ResourceNotFoundException"


class AmbiguousFunction(ResourceNotFound, WorkbenchError):
    """A name several functions answer to (a CDK construct id used twice, a nested stack's
    logical id in two children): the CLI's one-line error, the Invoke API's 404."""


class InvalidRequestContent(AwsError):
    status = 400
    error_type = "InvalidRequestContentException"


class ValidationError(AwsError):
    """A parameter outside its documented pattern or length ("1 validation error detected:
    Value '...' at 'functionName' failed to satisfy constraint: ...")."""

    status = 400
    error_type = "ValidationException"


class InvalidParameterValue(AwsError):
    status = 400
    error_type = "InvalidParameterValueException"


class RequestTooLarge(AwsError):
    status = 413
    error_type = "RequestEntityTooLargeException"


class ServiceException(AwsError):
    """Lambda's own failure, not the function's: "The Lambda service encountered an
    internal error" (500). Retried by the AWS SDKs, as a transient error should be."""

    status = 500
    error_type = "ServiceException"


class Stopped(ServiceException):
    """The dev server stopped, and its grace period ended, before the function answered."""

    def __init__(self, function: str) -> None:
        super().__init__(f"The Lambda Workbench stopped before {function} answered "
                         "(its shutdown grace period ended)")


class ResourceConflict(AwsError):
    status = 409
    error_type = "ResourceConflictException"


class NotBuilt(ResourceConflict):
    """A function whose build failed (serve runs the others): Lambda's answer to an invoke
    of a function in state Failed, which it never runs (Lambda dg, functions-states.html;
    the message as LocalStack gives it, its docs' "Function in Failed state"). `reason` is
    the build's one-line error, for the console (Lambda's StateReason)."""

    def __init__(self, function: str, reason: str) -> None:
        super().__init__("The operation cannot be performed at this time. The function is "
                         "currently in the following state: Failed")
        self.function = function
        self.reason = reason


class TooManyRequests(AwsError):
    """Throttled: reserved or account concurrency exhausted. Lambda never queues a sync invoke."""

    status = 429
    error_type = "TooManyRequestsException"

    def __init__(
        self,
        message: str = "Rate Exceeded.",
        reason: str = "ReservedFunctionConcurrentInvocationLimitExceeded",
    ) -> None:
        super().__init__(message)
        self.reason = reason

