"""The API's one exception tree, and how a refused Temporal update becomes an HTTP answer.

Every error body is `{"detail": "...", "field": "..." | null}`. A workflow validator refuses a step with an
`ApplicationError` whose type says why (workflows/common/rules.py, `refuse`); the message of an
`InvalidInput` starts with the name of the field at fault, which the body carries in `field`.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from temporalio.client import RPCTimeoutOrCancelledError
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError


class ApiError(Exception):
    """Root of the errors the API answers on purpose; `status_code` is the HTTP status."""

    status_code = 500
    default_headers: ClassVar[dict[str, str]] = {}

    def __init__(self, detail: str, *, field: str | None = None, headers: dict[str, str] | None = None):
        super().__init__(detail)
        self.detail = detail
        self.field = field
        self.headers = {**self.default_headers, **(headers or {})}


class Unauthenticated(ApiError):
    """No bearer token, or one that belongs to no enabled account."""

    status_code = 401
    default_headers: ClassVar[dict[str, str]] = {"WWW-Authenticate": 'Bearer realm="ehcp"'}


class Forbidden(ApiError):
    """The caller's role may not do this."""

    status_code = 403


class NotFound(ApiError):
    """No such case or advice request, or (for an agency) one not sent to it."""

    status_code = 404


class Conflict(ApiError):
    """An illegal step for where the case stands, or a case that is closed."""

    status_code = 409


class Unprocessable(ApiError):
    """Input the statute or the service refuses; `field` names what to fix."""

    status_code = 422


class ContentTooLarge(ApiError):
    """A request body over the size the API reads; answered by api/body_limit.py before any route."""

    status_code = 413


class TooManyRequests(ApiError):
    """Too many failed authentications from this address or for this account; `Retry-After` says when
    to try again (api/limits.py)."""

    status_code = 429

    def __init__(self, detail: str, *, retry_after: int):
        super().__init__(detail, headers={"Retry-After": str(retry_after)})


class Unavailable(ApiError):
    """The case cannot take the command yet; retry after a moment."""

    status_code = 503
    default_headers: ClassVar[dict[str, str]] = {"Retry-After": "1"}


class TimedOut(ApiError):
    """Temporal did not answer in time; the command may still complete (retry with the same key)."""

    status_code = 504
    default_headers: ClassVar[dict[str, str]] = {"Retry-After": "5"}


class NotTaken(TimedOut):
    """The case did not take the command in time (no worker, or Temporal away): not applied yet, it may
    be once they are back, so a retry must use the same key (api/services/temporal.py)."""

    status_code = 503


_FIELD = re.compile(r"^([a-z_][a-z0-9_]*)(?::|\s)")
_BY_TYPE: dict[str, type[ApiError]] = {
    "IllegalStep": Conflict,
    "InvalidInput": Unprocessable,
    "Forbidden": Forbidden,
    "NotFound": NotFound,
    "NotReady": Unavailable,
}


def field_of(message: str) -> str | None:
    """The field an `InvalidInput` message starts with (`decided_on: ...`, `received_on 2025-...`)."""
    found = _FIELD.match(message)
    return found.group(1) if found else None


def refusal(cause: BaseException | None) -> ApiError:
    """The HTTP error for an update a workflow refused (or failed)."""
    if not isinstance(cause, ApplicationError) or cause.type not in _BY_TYPE:
        return ApiError("the command failed on the case; it was not applied")
    error = _BY_TYPE[cause.type]
    field = field_of(cause.message) if error is Unprocessable else None
    return error(cause.message, field=field)


async def _answer(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, ApiError)
    return JSONResponse(
        {"detail": error.detail, "field": error.field}, status_code=error.status_code, headers=error.headers
    )


def without_input(error: dict[str, Any]) -> dict[str, Any]:
    """A validation error as the caller sees it: `loc`, `msg`, `type` and what the field accepts (`ctx`),
    never the `input`. A missing field's input is the whole object around it, the child's name included,
    and answers end up in proxies' and clients' logs (UK GDPR art. 5(1)(c), data minimisation)."""
    sent = error.get("input")
    shown: dict[str, Any] = {key: error[key] for key in ("type", "loc", "msg") if key in error}
    # ctx holds the rule broken (a limit, a pattern); an entry that quotes the input is left out.
    ctx = {
        key: value
        for key, value in (error.get("ctx") or {}).items()
        if not (isinstance(sent, str) and sent and sent in str(value))
    }
    return {**shown, "ctx": ctx} if ctx else shown


async def _invalid(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    detail = [without_input(item) for item in error.errors()]
    return JSONResponse({"detail": jsonable_encoder(detail)}, status_code=422)


async def _unreachable(request: Request, error: Exception) -> JSONResponse:
    """A Temporal failure that no service turned into an answer: 503, never a plain-text 500."""
    return await _answer(
        request,
        Unavailable(
            "the workflow service did not answer: retry in a few seconds (a command with the same "
            "Idempotency-Key, which is never applied twice)",
            headers={"Retry-After": "5"},
        ),
    )


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ApiError, _answer)
    app.add_exception_handler(RPCError, _unreachable)
    app.add_exception_handler(RPCTimeoutOrCancelledError, _unreachable)
    app.add_exception_handler(RequestValidationError, _invalid)
