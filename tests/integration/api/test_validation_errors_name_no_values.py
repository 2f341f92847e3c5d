"""A 422 names the field and the problem, never the value sent (UK GDPR art. 5(1)(c), data minimisation).

FastAPI's default answer to invalid input carries each error's `input`: the bad date, or for a missing
field the whole object around it, the child's name included. Response bodies end up in proxies' and
clients' logs, so a refused request must not echo the child back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import httpx
import pytest

from api.problems import without_input
from tests.integration.api.conftest import People, new_request

GIVEN, FAMILY, UPN, POSTCODE = "Amelia", "Quartermain-Oduya", "A123456789012", "NW1 2AB"
PERSONAL = (GIVEN, FAMILY, UPN, POSTCODE)


def _request(**child: Any) -> dict[str, Any]:
    body = new_request(date(2025, 3, 3))
    body["child"] = {
        **body["child"],
        "given_name": GIVEN,
        "family_name": FAMILY,
        "upn": UPN,
        "postcode": POSTCODE,
        **child,
    }
    return {**body, "child": {key: value for key, value in body["child"].items() if value is not None}}


@dataclass(frozen=True)
class Refusal:
    child: dict[str, Any]  # what is changed in an otherwise valid child
    loc: list[str]
    type: str
    sent: str | None = None  # the bad value itself, when there is one


REFUSALS = {
    "impossible-date": Refusal(
        {"date_of_birth": "2015-02-30"},
        ["body", "child", "date_of_birth"],
        "date_from_datetime_parsing",
        "2015-02-30",
    ),
    # A missing field's `input` is the whole object around it: the child's name and UPN.
    "missing-date": Refusal({"date_of_birth": None}, ["body", "child", "date_of_birth"], "missing"),
    "unknown-field": Refusal(
        {"nickname": "Millie"}, ["body", "child", "nickname"], "extra_forbidden", "Millie"
    ),
    "year-group-out-of-range": Refusal(
        {"year_group": 99}, ["body", "child", "year_group"], "less_than_equal", "99"
    ),
}


@pytest.mark.parametrize("refusal", REFUSALS.values(), ids=REFUSALS.keys())
async def test_a_refused_request_names_the_field_not_the_child(
    api: httpx.AsyncClient, people: People, refusal: Refusal
) -> None:
    response = await api.post(
        "/api/requests", json=_request(**refusal.child), headers=people.caseworker.command()
    )
    assert response.status_code == 422
    for value in (*PERSONAL, *([refusal.sent] if refusal.sent else [])):
        assert value not in response.text, value
    [error] = response.json()["errors"]
    assert (error["loc"], error["type"]) == (refusal.loc, refusal.type)
    assert error["msg"]
    assert "input" not in error


async def test_the_limit_a_value_broke_is_still_named(api: httpx.AsyncClient, people: People) -> None:
    # `ctx` says what the field accepts (here its largest value), which is not the caller's input.
    response = await api.post(
        "/api/requests", json=_request(year_group=99), headers=people.caseworker.command()
    )
    [error] = response.json()["errors"]
    assert error["ctx"] == {"le": 14}
    assert "99" not in response.text


def test_a_ctx_entry_that_quotes_the_input_is_left_out() -> None:
    error = {
        "type": "value_error",
        "loc": ("body", "child", "postcode"),
        "msg": "Value error, not a postcode",
        "input": POSTCODE,
        "ctx": {"error": f"{POSTCODE!r} is not a postcode", "pattern": "^[A-Z]{1,2}[0-9]"},
    }
    assert without_input(error) == {
        "type": "value_error",
        "loc": ("body", "child", "postcode"),
        "msg": "Value error, not a postcode",
        "ctx": {"pattern": "^[A-Z]{1,2}[0-9]"},
    }
