"""How an error becomes the API's answer: an `application/problem+json` document (RFC 9457) for an
`ApiError` (api/errors.py), a validation error, Starlette's own 404/405, a Temporal failure no service
answered, and anything unhandled; and the handlers that send them. The kinds of problem and the exception
tree stay in api/errors.py."""

from __future__ import annotations

import re
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request, params
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException
from temporalio.client import RPCTimeoutOrCancelledError
from temporalio.service import RPCError

from api.errors import (
    INTERNAL_ERROR,
    INVALID_INPUT,
    METHOD_NOT_ALLOWED,
    NOT_FOUND,
    PROBLEM_MEDIA_TYPE,
    PROBLEMS,
    UNREADABLE_BODY,
    ApiError,
    ProblemType,
    Unavailable,
)


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
