"""The API's one exception tree and its kinds of problem: every 4xx and 5xx is a problem (RFC 9457), sent
by api/problems.py.

Every error answer is `application/problem+json`:

    {"type": "urn:ehcp:problem:invalid-input", "title": "Invalid input", "status": 422,
     "detail": "decided_on: 2025-03-09 is in the future", "field": "decided_on",
     "errors": [{"loc": ["body", "decided_on"], "pointer": "#/decided_on", "msg": "...", "type": "refused"}]}

`type` names the kind of problem (one per kind, each described in docs/errors.md) and `title` is fixed
for it, so a client branches on `type` and shows `detail`, the sentence that names what is wrong and what
to do. `field` names the top-level field at fault (or null), as the answers did before problems. Invalid
input lists each fault in `errors`: where it is (`loc`, and for the body a JSON Pointer), what is wrong
(`msg`, `type`), never the value sent.

The answers come from here whoever refuses: a route or service raising an `ApiError`, FastAPI's
validation (`RequestValidationError`), Starlette's own 404 and 405, the body limit's 413
(api/body_limit.py), a Temporal failure no service turned into an answer (503), and any other exception
(500, saying nothing of it). A workflow validator refuses a step with an `ApplicationError` whose type
says why (workflows/common/rules.py, `refuse`); the message of an `InvalidInput` starts with the name of
the field at fault, which the answer carries in `field`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import ClassVar

from temporalio.exceptions import ApplicationError

PROBLEM_MEDIA_TYPE = "application/problem+json"
# A type's URI is this and the type's anchor (docs/errors.md describes each under that anchor). The URI is
# the type's identity for clients (RFC 9457 s.3.1.1), the same on every council's deployment and never
# changed once published; a URN, because the service has no address of its own that every deployment
# shares (RFC 9457 allows a type URI that cannot be fetched).
PROBLEM_TYPES = "urn:ehcp:problem"
UNREADABLE_BODY = "ehcp.unreadable_body"  # the scope key api/body_parse.py sets on a body it cannot read


@dataclass(frozen=True, slots=True)
class ProblemType:
    """One kind of problem: its anchor in docs/errors.md, its fixed title and its HTTP status."""

    anchor: str
    title: str
    status: int

    @property
    def uri(self) -> str:
        # A status with no kind of its own is `about:blank`, titled by the status (RFC 9457 s.4.2.1).
        return f"{PROBLEM_TYPES}:{self.anchor}" if self.anchor else "about:blank"


INVALID_INPUT = ProblemType("invalid-input", "Invalid input", 422)
UNAUTHENTICATED = ProblemType("unauthenticated", "Not authenticated", 401)
FORBIDDEN = ProblemType("forbidden", "Not allowed for this role", 403)
NOT_FOUND = ProblemType("not-found", "Not found", 404)
METHOD_NOT_ALLOWED = ProblemType("method-not-allowed", "Method not allowed", 405)
CONFLICT = ProblemType("conflict", "Not possible where the case stands", 409)
CONTENT_TOO_LARGE = ProblemType("content-too-large", "Request body too large", 413)
TOO_MANY_REQUESTS = ProblemType("too-many-requests", "Too many failed authentications", 429)
INTERNAL_ERROR = ProblemType("internal-error", "Internal error", 500)
UNAVAILABLE = ProblemType("unavailable", "Service unavailable", 503)
TIMED_OUT = ProblemType("timed-out", "Timed out", 504)
PROBLEMS = (
    INVALID_INPUT,
    UNAUTHENTICATED,
    FORBIDDEN,
    NOT_FOUND,
    METHOD_NOT_ALLOWED,
    CONFLICT,
    CONTENT_TOO_LARGE,
    TOO_MANY_REQUESTS,
    INTERNAL_ERROR,
    UNAVAILABLE,
    TIMED_OUT,
)


class ApiError(Exception):
    """Root of the errors the API answers on purpose; `problem` is the kind, `status_code` its status."""

    problem: ClassVar[ProblemType] = INTERNAL_ERROR
    status_code: ClassVar[int] = INTERNAL_ERROR.status
    default_headers: ClassVar[dict[str, str]] = {}

    def __init__(self, detail: str, *, field: str | None = None, headers: dict[str, str] | None = None):
        super().__init__(detail)
        self.detail = detail
        self.field = field
        self.headers = {**self.default_headers, **(headers or {})}


class Unauthenticated(ApiError):
    """No bearer token, or one that belongs to no enabled account."""

    problem = UNAUTHENTICATED
    status_code = UNAUTHENTICATED.status
    default_headers: ClassVar[dict[str, str]] = {"WWW-Authenticate": 'Bearer realm="ehcp"'}


class Forbidden(ApiError):
    """The caller's role may not do this."""

    problem = FORBIDDEN
    status_code = FORBIDDEN.status


class NotFound(ApiError):
    """No such case or advice request, or (for an agency) one not sent to it."""

    problem = NOT_FOUND
    status_code = NOT_FOUND.status


class Conflict(ApiError):
    """An illegal step for where the case stands, or a case that is closed."""

    problem = CONFLICT
    status_code = CONFLICT.status


class Unprocessable(ApiError):
    """Input the statute or the service refuses; `field` names what to fix."""

    problem = INVALID_INPUT
    status_code = INVALID_INPUT.status


class ContentTooLarge(ApiError):
    """A request body over the size the API reads; answered by api/body_limit.py before any route."""

    problem = CONTENT_TOO_LARGE
    status_code = CONTENT_TOO_LARGE.status


class TooManyRequests(ApiError):
    """Too many failed authentications from this address or for this account; `Retry-After` says when
    to try again (api/limits.py)."""

    problem = TOO_MANY_REQUESTS
    status_code = TOO_MANY_REQUESTS.status

    def __init__(self, detail: str, *, retry_after: int):
        super().__init__(detail, headers={"Retry-After": str(retry_after)})


class Unavailable(ApiError):
    """The case cannot take the command yet; retry after a moment."""

    problem = UNAVAILABLE
    status_code = UNAVAILABLE.status
    default_headers: ClassVar[dict[str, str]] = {"Retry-After": "1"}


class TimedOut(ApiError):
    """Temporal did not answer in time; the command may still complete (retry with the same key)."""

    problem = TIMED_OUT
    status_code = TIMED_OUT.status
    default_headers: ClassVar[dict[str, str]] = {"Retry-After": "5"}


class NotTaken(TimedOut):
    """The case did not take the command in time (no worker, or Temporal away): not applied yet, it may
    be once they are back, so a retry must use the same key (api/services/temporal.py)."""

    problem = UNAVAILABLE
    status_code = UNAVAILABLE.status


_FIELD = re.compile(r"^([a-z_][a-z0-9_]*(?:\[\d+\])?)(?::|\s)")  # `advice`, `existing_advice[0]`
_BY_TYPE: dict[str, type[ApiError]] = {
    "IllegalStep": Conflict,
    "InvalidInput": Unprocessable,
    "Forbidden": Forbidden,
    "NotFound": NotFound,
    "NotReady": Unavailable,
}


def field_of(message: str) -> str | None:
    """The field an `InvalidInput` message starts with (`decided_on: ...`, `received_on 2025-...`,
    `existing_advice[0]: ...`)."""
    found = _FIELD.match(message)
    return found.group(1) if found else None


def refusal(cause: BaseException | None) -> ApiError:
    """The HTTP error for an update a workflow refused (or failed)."""
    if not isinstance(cause, ApplicationError) or cause.type not in _BY_TYPE:
        return ApiError("the command failed on the case; it was not applied")
    error = _BY_TYPE[cause.type]
    field = field_of(cause.message) if error is Unprocessable else None
    return error(cause.message, field=field)
