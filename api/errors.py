"""The API's one exception tree, and its one error shape: every 4xx and 5xx is a problem (RFC 9457).

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
from http import HTTPStatus
from typing import Any, ClassVar

from fastapi import FastAPI, Request, params
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException
from temporalio.client import RPCTimeoutOrCancelledError
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError

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


# ---- the answer ----


class ProblemResponse(JSONResponse):
    """A JSON answer typed as a problem (RFC 9457 s.3)."""

    media_type = PROBLEM_MEDIA_TYPE


def problem_response(
    problem: ProblemType,
    detail: str,
    *,
    field: str | None = None,
    errors: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
) -> ProblemResponse:
    """The answer to one problem. Invalid input always lists its faults in `errors`."""
    body: dict[str, Any] = {
        "type": problem.uri,
        "title": problem.title,
        "status": problem.status,
        "detail": detail,
        "field": field,
    }
    if errors is not None or problem is INVALID_INPUT:
        body["errors"] = jsonable_encoder(errors or [])
    return ProblemResponse(body, status_code=problem.status, headers=headers)


def error_response(error: ApiError, request: Request | None = None) -> ProblemResponse:
    """The answer to an `ApiError`; a refused field is located from the request (path, query or body)."""
    errors = None
    if error.problem is INVALID_INPUT:
        errors = [] if error.field is None else [_refused(error, request)]
    return problem_response(
        error.problem, error.detail, field=error.field, errors=errors, headers=error.headers
    )


_STEP = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def _refused(error: ApiError, request: Request | None) -> dict[str, Any]:
    """The `errors` item of a field the service or a workflow refused (`advice[3].agency_id`, `after`)."""
    assert error.field is not None
    steps: list[str | int] = [name or int(index) for name, index in _STEP.findall(error.field)]
    path = steps or [error.field]
    top = str(path[0])
    where = "body"
    if request is not None and top in request.path_params:
        where = "path"
    elif request is not None and top in request.query_params:
        where = "query"
    return _item([where, *path], error.detail, "refused")


def _item(loc: list[Any], msg: str, kind: str, ctx: dict[str, Any] | None = None) -> dict[str, Any]:
    """One fault of the input: where (`loc`; for the body a JSON Pointer too), what, of which kind."""
    item: dict[str, Any] = {"loc": loc}
    if loc and loc[0] == "body":
        item["pointer"] = "#" + "".join(
            "/" + str(step).replace("~", "~0").replace("/", "~1") for step in loc[1:]
        )
    item["msg"] = msg
    item["type"] = kind
    if ctx:
        item["ctx"] = ctx
    return item


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


def _named(loc: list[Any]) -> str:
    """A location as a person reads it: `child.date_of_birth`, `advice[3].agency_id`, `year (query)`."""
    where, *path = loc or ["body"]
    name = "".join(f"[{step}]" if isinstance(step, int) else f".{step}" for step in path).lstrip(".")
    if where == "body":
        return name or "body"
    return f"{name} ({where})" if name else str(where)


def _top_field(loc: list[Any]) -> str:
    """The top-level field of a location: what `field` has always named."""
    if len(loc) > 1 and isinstance(loc[1], str):
        return loc[1]
    return str(loc[0]) if loc else "body"


def body_kind(content_type: str | None) -> str | None:
    """`json` for a body FastAPI reads as JSON (`application/json`, `application/...+json`), `form` for a
    form (`multipart/form-data`, `application/x-www-form-urlencoded`), None for anything else."""
    kind = (content_type or "").split(";")[0].strip().lower()
    if kind == "application/json" or (kind.startswith("application/") and kind.endswith("+json")):
        return "json"
    if kind in ("multipart/form-data", "application/x-www-form-urlencoded"):
        return "form"
    return None


@dataclass(frozen=True, slots=True)
class Unreadable:
    """A body api/body_parse.py could not read: the media type it came as, and what is wrong with it."""

    content_type: str
    problem: str


def _body_problem(request: Request) -> str | None:
    """What is wrong with the body as a whole, if anything: not the media type the route reads, or (as
    api/body_parse.py found) not readable as the media type it claims."""
    unreadable: Unreadable | None = request.scope.get(UNREADABLE_BODY)
    sent = unreadable.content_type if unreadable else request.headers.get("content-type")
    body_field = getattr(request.scope.get("route"), "body_field", None)
    if body_field is not None and (sent or request.headers.get("content-length", "0") != "0"):
        form = isinstance(body_field.field_info, params.Form)
        if body_kind(sent) != ("form" if form else "json"):
            expected = "multipart/form-data" if form else "application/json"
            return f"not {expected}: send it as {expected}, with the header Content-Type: {expected}"
    return unreadable.problem if unreadable else None


def _validation_items(request: Request, error: RequestValidationError) -> list[dict[str, Any]]:
    """The faults FastAPI found, each without the value sent. A body that is not the media type the
    route reads, or that could not be read at all (api/body_parse.py), is one fault naming the body."""
    problem = _body_problem(request)
    items = [
        _item(
            list(shown.get("loc", ())),
            str(shown.get("msg", "")),
            str(shown.get("type", "")),
            shown.get("ctx"),
        )
        for shown in map(without_input, error.errors())
    ]
    if problem is None:
        return items
    # The body's own faults ("missing", "not an object") say nothing once the body could not be read.
    return [_item(["body"], problem, "body_unreadable")] + [i for i in items if i["loc"][:1] != ["body"]]


async def _answer(request: Request, error: Exception) -> ProblemResponse:
    assert isinstance(error, ApiError)
    return error_response(error, request)


async def _invalid(request: Request, error: Exception) -> ProblemResponse:
    assert isinstance(error, RequestValidationError)
    items = _validation_items(request, error)
    named = [f"{_named(item['loc'])}: {item['msg']}" for item in items[:3]]
    more = f"; and {len(items) - 3} more (see errors)" if len(items) > 3 else ""
    detail = "; ".join(named) + more if named else "the request is not valid"
    return problem_response(
        INVALID_INPUT,
        detail,
        field=_top_field(items[0]["loc"]) if items else None,
        errors=items,
    )


async def _http(request: Request, error: Exception) -> ProblemResponse:
    """Starlette's own answers (an unknown path, a method the path does not take) as problems."""
    assert isinstance(error, HTTPException)
    headers = dict(error.headers or {})
    if error.status_code == NOT_FOUND.status:
        return problem_response(
            NOT_FOUND,
            "no such route: check the path against the API's documentation (/api/docs)",
            headers=headers,
        )
    if error.status_code == METHOD_NOT_ALLOWED.status:
        allowed = headers.get("Allow") or headers.get("allow") or "none"
        return problem_response(
            METHOD_NOT_ALLOWED,
            f"{request.method} is not allowed on this path; it takes: {allowed}",
            headers=headers,
        )
    if error.status_code == 400:
        # A body Starlette could not parse (api/body_parse.py turns those it can see coming into a 422
        # after authentication): invalid input naming the body, like any other.
        return problem_response(
            INVALID_INPUT,
            "body: the request body could not be read; send it as JSON (or, for files, as "
            "multipart/form-data)",
            field="body",
            errors=[_item(["body"], "the request body could not be read", "body_unreadable")],
            headers=headers,
        )
    known = next((p for p in PROBLEMS if p.status == error.status_code), None)
    if known is not None:
        return problem_response(known, str(error.detail), headers=headers)
    phrase = HTTPStatus(error.status_code).phrase
    return problem_response(ProblemType("", phrase, error.status_code), str(error.detail), headers=headers)


async def _unreachable(request: Request, error: Exception) -> ProblemResponse:
    """A Temporal failure that no service turned into an answer: 503, never a plain-text 500."""
    return error_response(
        Unavailable(
            "the workflow service did not answer: retry in a few seconds (a command with the same "
            "Idempotency-Key, which is never applied twice)",
            headers={"Retry-After": "5"},
        )
    )


async def _failed(_request: Request, _error: Exception) -> ProblemResponse:
    """Any other exception: a bug. The answer says nothing of it (its message may quote a record); the
    server logs it (Starlette raises it on after this answer)."""
    return problem_response(
        INTERNAL_ERROR,
        "the service failed unexpectedly and the failure was logged; a command may be sent again with "
        "the same Idempotency-Key (it is never applied twice), or tell the service's administrator",
    )


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ApiError, _answer)
    app.add_exception_handler(RPCError, _unreachable)
    app.add_exception_handler(RPCTimeoutOrCancelledError, _unreachable)
    app.add_exception_handler(RequestValidationError, _invalid)
    app.add_exception_handler(HTTPException, _http)
    app.add_exception_handler(Exception, _failed)
