"""What every part of the API's models shares: the error answer, the example date, a page's cursor.

Names and dates follow docs/vocabulary.md. No model of the API carries a child's personal data back out,
except the create requests that bring it in.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

TODAY = "2025-03-03"  # the date in every example
CHILD = {"given_name": "Ada", "family_name": "Example", "date_of_birth": "2015-03-01", "year_group": 5}
CONTACTS = [{"name": "Sam Example", "relationship": "mother", "parental_responsibility": True}]

NextAfter = Annotated[
    str | None, Field(description="Pass as `after` for the next page; null on the last page.")
]


def examples(*examples: dict[str, Any]) -> ConfigDict:
    """A request's config: unknown fields refused, and the examples OpenAPI shows."""
    return ConfigDict(extra="forbid", json_schema_extra={"examples": list(examples)})


class ErrorRead(BaseModel):
    """Every error the API answers on purpose."""

    model_config = examples({"detail": "decided_on: 2025-03-09 is in the future", "field": "decided_on"})
    detail: str
    field: str | None = None


_ERRORS = {
    401: "No bearer token, or an unknown one",
    403: "The caller's role may not do this",
    404: "No such case, plan or request (for an agency: none sent to it)",
    409: "An illegal step for where the case stands, or a closed case or ceased plan",
    422: "Input refused; `field` (or the validation error's `loc`) names what to fix",
    503: "The database or workflow service is not ready",
}


def error_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` for the error codes a route can answer."""
    return {code: {"model": ErrorRead, "description": _ERRORS[code]} for code in codes}
