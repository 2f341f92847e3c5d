"""What every part of the API's models shares: the error answer (a problem, RFC 9457) and how OpenAPI
documents it, dates as ISO strings, the example date, a page's cursor.

Names and dates follow docs/vocabulary.md. Of a child's personal data, the API's answers carry only
`ChildRead`, who a case is about (the names and date of birth), to the staff who read the case and the
agency an advice request was sent to; never the UPN, postcode or contacts.
"""

from __future__ import annotations

import re
import types
from datetime import date, datetime
from functools import cache
from typing import Annotated, Any, TypeVar, Union, cast, get_args, get_origin

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, TypeAdapter, create_model
from pydantic_core import PydanticCustomError

from api.errors import INVALID_INPUT, PROBLEM_MEDIA_TYPE
from statute.history import EARLIEST, LATEST
from workflows.common.messages import DAY_YEARS

TODAY = "2025-03-03"  # the date in every example
CHILD = {"given_name": "Ada", "family_name": "Example", "date_of_birth": "2015-03-01", "year_group": 5}
CONTACTS = [{"name": "Sam Example", "relationship": "mother", "parental_responsibility": True}]


class ChildRead(BaseModel):
    """Who a case is about, as far as telling one child from another needs: the names and date of birth
    (the UPN, postcode and family stay in the case's records)."""

    model_config = ConfigDict(from_attributes=True)
    given_name: str
    family_name: str
    date_of_birth: date


NextAfter = Annotated[
    str | None, Field(description="Pass as `after` for the next page; null on the last page.")
]


def examples(*examples: dict[str, Any]) -> ConfigDict:
    """A request's config: unknown fields refused, and the examples OpenAPI shows."""
    return ConfigDict(extra="forbid", json_schema_extra={"examples": list(examples)})


# ---- dates: an ISO 8601 string (YYYY-MM-DD), nothing else ----

_ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _iso_day(value: object) -> object:
    """Pydantic takes a number as a date (`0` is 1970-01-01) and a string with a time of midnight: a
    request's date is the string YYYY-MM-DD, and anything else is refused naming the field."""
    if (isinstance(value, date) and not isinstance(value, datetime)) or (
        isinstance(value, str) and _ISO_DAY.fullmatch(value)
    ):
        return value  # a date from Python (a body turned into its message), or the string to parse
    raise PydanticCustomError("date_iso", "Input should be a date as a string YYYY-MM-DD (ISO 8601)")


_ISO = BeforeValidator(_iso_day)
# The same bounds as a workflow's `Day`: the years the statute engine counts in, stated in the schema.
IsoDate = Annotated[date, Field(ge=EARLIEST, le=LATEST, json_schema_extra={"pattern": DAY_YEARS}), _ISO]

A = TypeVar("A")
M = TypeVar("M", bound=BaseModel)


def iso_dates(annotation: A) -> A:
    """`annotation`, refusing any date within it (itself, in an optional or a list, a field of a model
    within) that is not sent as an ISO string. The workflows' messages take dates as pydantic does, and
    the API's bodies are made of those messages: the body's value is first checked against a copy of its
    type that takes dates only as YYYY-MM-DD, then validated as the message's own type, so OpenAPI shows
    the same schemas (the response models share the message types) and the body holds the same types."""
    strict = _strict(annotation)
    if strict is annotation:
        return annotation
    adapter: TypeAdapter[Any] = TypeAdapter(strict)

    def check(value: object) -> object:
        adapter.validate_python(value)  # its errors, with their place within the field, are the field's
        return value

    return cast(A, Annotated[annotation, BeforeValidator(check)])


def _strict(annotation: Any) -> Any:
    """A copy of `annotation` taking its dates only as ISO strings; `annotation` itself if it has none."""
    if annotation is date:
        return IsoDate
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return _strict_model(annotation)
    origin = get_origin(annotation)
    if origin is None:
        return annotation
    args = get_args(annotation)
    if origin is Annotated:
        inner = args[0]
        if inner is date:  # the check runs before the bounds (`Day`: from 1950 to 2150)
            return Annotated[(date, *args[1:], _ISO)]
        new_inner = _strict(inner)
        return annotation if new_inner is inner else Annotated[(new_inner, *args[1:])]
    new = tuple(_strict(arg) for arg in args)
    if all(a is b for a, b in zip(new, args, strict=True)):
        return annotation
    if origin in (Union, types.UnionType):
        return Union[new]  # noqa: UP007 (a union made from a tuple of types)
    return origin[new]


@cache
def _strict_model(model: type[BaseModel]) -> type[BaseModel]:
    """`model`, or when a date is among its fields (at any depth) a subclass taking them only as ISO
    strings, with the same validators. It only checks a value: it never appears in a schema."""
    changed = {
        name: (strict, info)
        for name, info in model.model_fields.items()
        if (strict := _strict(info.annotation)) is not info.annotation
    }
    if not changed:
        return model
    return create_model(  # type: ignore[no-any-return,call-overload]
        model.__name__, __base__=model, __module__=model.__module__, **changed
    )


def dates_as_iso(model: type[M]) -> type[M]:
    """A hand-written request model whose dates (its own and its nested models') are taken only as ISO
    strings; the command bodies get this from `command_body`. The model is the same but for that check."""
    fields = {
        name: (checked, info)
        for name, info in model.model_fields.items()
        if (checked := iso_dates(info.annotation)) is not info.annotation
    }
    if not fields:
        return model
    return cast(
        type[M],
        create_model(  # type: ignore[call-overload]
            model.__name__, __base__=model, __module__=model.__module__, __doc__=model.__doc__, **fields
        ),
    )


# ---- the error answer: a problem (RFC 9457) ----


class ProblemField(BaseModel):
    """One fault of the input: where it is and what is wrong with it, never the value sent."""

    loc: list[str | int] = Field(
        description=(
            "Where: `body`, `query`, `path` or `header`, then the field's path within it, "
            'e.g. `["body", "child", "date_of_birth"]`.'
        )
    )
    pointer: str | None = Field(
        default=None,
        description="For a fault in the body: its JSON Pointer as a URI fragment (`#/child/date_of_birth`).",
    )
    msg: str = Field(description="What is wrong, and what the field takes.")
    type: str = Field(
        description=(
            "The kind of fault: pydantic's (`missing`, `extra_forbidden`, `less_than_equal`...), "
            "`date_iso` (a date not sent as YYYY-MM-DD), `body_unreadable` (a body that is not JSON, "
            "or not a multipart form), or `refused` (a well-formed value the law or the service refuses)."
        )
    )
    ctx: dict[str, Any] | None = Field(
        default=None, description="What the field accepts (a limit, a pattern), when there is a rule."
    )


class Problem(BaseModel):
    """Every error the API answers, as `application/problem+json` (RFC 9457): a stable `type` for each
    kind of problem (docs/errors.md), its fixed `title`, the HTTP `status`, and the `detail` saying what
    is wrong and what to do. Invalid input (422) names the field at fault in `field` and lists every
    fault in `errors`."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "type": INVALID_INPUT.uri,
                    "title": INVALID_INPUT.title,
                    "status": 422,
                    "detail": "decided_on: 2025-03-09 is in the future",
                    "field": "decided_on",
                    "errors": [
                        {
                            "loc": ["body", "decided_on"],
                            "pointer": "#/decided_on",
                            "msg": "decided_on: 2025-03-09 is in the future",
                            "type": "refused",
                        }
                    ],
                }
            ]
        }
    )
    type: str = Field(
        json_schema_extra={"format": "uri"},
        description="The kind of problem: a URI naming its section of docs/errors.md, never changed.",
    )
    title: str = Field(description="The kind's short title, the same for every problem of the kind.")
    status: int = Field(description="The HTTP status.")
    detail: str = Field(description="What is wrong and what to do, for a person; never a value sent.")
    field: str | None = Field(description="The top-level field at fault, if one is.")
    errors: list[ProblemField] | None = Field(
        default=None, description="Invalid input (422): every fault, where it is and what is wrong."
    )


_ERRORS = {
    401: "No bearer token, or an unknown one",
    403: "The caller's role may not do this",
    404: "No such case, plan or request (for an agency: none sent to it)",
    409: "An illegal step for where the case stands, or a closed case or ceased plan",
    413: "The request body is larger than the API accepts",
    422: (
        "Input refused: `field` names it and `errors` says where and why (a field of the body, a query "
        "parameter the route does not take, or a body that is not JSON)"
    ),
    429: "Too many failed authentications from this address or for this account; `Retry-After` says when",
    500: "An unexpected failure of the service; the answer says nothing more of it",
    503: "The database or workflow service is not ready",
    504: "The case accepted the command but did not finish it in time: retry with the same Idempotency-Key",
}


def error_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` for the error codes a route can answer (each a `Problem`)."""
    return {code: {"model": Problem, "description": _ERRORS[code]} for code in codes}


_SCHEMAS = "#/components/schemas/"
_PROBLEM = {"$ref": f"{_SCHEMAS}Problem"}
_FASTAPI_422 = {"$ref": f"{_SCHEMAS}HTTPValidationError"}  # FastAPI's own, which the API never answers


def document_problems(document: dict[str, Any]) -> dict[str, Any]:
    """The OpenAPI document with every error answer as the API sends it: `application/problem+json`
    with the `Problem` schema, in place of FastAPI's `HTTPValidationError` (a list in `detail`, which
    the API has never answered) and of the JSON a route's `responses` declared. The answers every
    operation of its kind can give are declared too:

    - 422 and 500 on every operation (every route refuses a query parameter it does not take,
      api/query.py; and a bug is a 500);
    - 401 and 429 on an authenticated one (api/deps.py, api/limits.py);
    - 413 on one taking a body (api/body_limit.py);
    - 504 on a command (it takes an `Idempotency-Key`: accepted by the case, not finished in time).

    A response a route declares with a model of its own (the readiness report's 503) is left as it is.
    """
    schemas: dict[str, Any] = document.setdefault("components", {}).setdefault("schemas", {})
    for name, schema in _problem_schemas().items():
        schemas.setdefault(name, schema)
    for item in document.get("paths", {}).values():
        for operation in item.values():
            if isinstance(operation, dict) and "responses" in operation:
                _document_operation(operation)
    used = str(document.get("paths", {}))
    for name in ("HTTPValidationError", "ValidationError"):
        if f"{_SCHEMAS}{name}'" not in used:
            schemas.pop(name, None)
    return document


def _document_operation(operation: dict[str, Any]) -> None:
    responses: dict[str, Any] = operation["responses"]
    implied = {422, 500}
    if operation.get("security"):
        implied |= {401, 429}
    if "requestBody" in operation:
        implied.add(413)
    parameters = operation.get("parameters", [])
    if any(p.get("in") == "header" and p.get("name") == "Idempotency-Key" for p in parameters):
        implied.add(504)
    for implied_code in sorted(implied):
        responses.setdefault(str(implied_code), {"description": _ERRORS[implied_code]})
    for code, response in responses.items():
        if not (code == "default" or code[:1] in ("4", "5")):
            continue
        content = response.get("content")
        schema = (content or {}).get("application/json", {}).get("schema")
        if content and schema not in (_PROBLEM, _FASTAPI_422):
            continue  # the route's own answer, e.g. the readiness report
        if schema == _FASTAPI_422:
            response["description"] = _ERRORS[422]
        response["content"] = {PROBLEM_MEDIA_TYPE: {"schema": dict(_PROBLEM)}}


@cache
def _problem_schemas() -> dict[str, Any]:
    """`Problem` and `ProblemField` as OpenAPI components."""
    schema = Problem.model_json_schema(ref_template=_SCHEMAS + "{model}", mode="serialization")
    defs: dict[str, Any] = schema.pop("$defs", {})
    return {**defs, "Problem": schema}
