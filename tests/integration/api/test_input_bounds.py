"""Poison input never reaches a workflow (issue 9 s.1): every field the API takes has the bounds that the
workflow, the statute engine (1950 to 2150) and both databases (VARCHAR(13) for a UPN, (10) for a
postcode, (200) for a name) can carry. Before, each of these passed the API and then failed in the
workflow or the database, where activities retried it for ever and the request never answered.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import httpx
import pytest

from tests.integration.api.conftest import People, advice_for, new_request

TODAY = date(2025, 3, 3)
LONG = "x" * 201


@dataclass(frozen=True)
class Poison:
    body: dict[str, Any]
    loc: list[str | int]


def _child(**changes: Any) -> dict[str, Any]:
    body = new_request(TODAY)
    return {**body, "child": {**body["child"], **changes}}


CREATE = {
    "received-before-1950": Poison(new_request(date(1949, 12, 31)), ["body", "received_on"]),
    "born-after-2150": Poison(_child(date_of_birth="2151-01-01"), ["body", "child", "date_of_birth"]),
    "upn-of-15": Poison(_child(upn="A12345678901234"), ["body", "child", "upn"]),
    "long-postcode": Poison(_child(postcode="SW1A 1AA 12345"), ["body", "child", "postcode"]),
    "long-name": Poison(_child(family_name=LONG), ["body", "child", "family_name"]),
    "empty-name": Poison(_child(given_name=""), ["body", "child", "given_name"]),
    "closure-before-1950": Poison(
        {
            **new_request(TODAY),
            "school_closures": [{"school": "Oak", "first_closed": "1949-12-20", "reopens": "1950-01-05"}],
        },
        ["body", "school_closures", 0, "first_closed"],
    ),
    "reopens-before-it-closes": Poison(
        {
            **new_request(TODAY),
            "school_closures": [{"school": "Oak", "first_closed": "2025-07-20", "reopens": "2025-07-01"}],
        },
        ["body", "school_closures", 0],
    ),
}


@pytest.mark.parametrize("poison", CREATE.values(), ids=CREATE.keys())
async def test_a_request_out_of_bounds_is_refused_at_the_door(
    api: httpx.AsyncClient, people: People, poison: Poison
) -> None:
    response = await api.post("/api/requests", json=poison.body, headers=people.caseworker.command())
    assert response.status_code == 422, response.text
    assert [error["loc"] for error in response.json()["errors"]] == [poison.loc]


async def test_a_plan_made_before_1950_is_refused_at_the_door(api: httpx.AsyncClient, people: People) -> None:
    body = {
        "from_la": "Southshire",
        "made_on": "1949-06-10",
        "transferred_on": TODAY.isoformat(),
        "child": new_request(TODAY)["child"],
    }
    response = await api.post("/api/plans", json=body, headers=people.caseworker.command())
    assert response.status_code == 422, response.text
    assert [error["loc"] for error in response.json()["errors"]] == [["body", "made_on"]]


@pytest.mark.parametrize("received_by_body", ["0001-01-01", "9999-12-31"])
async def test_advice_received_out_of_the_engines_years_is_refused(
    api: httpx.AsyncClient, people: People, received_by_body: str
) -> None:
    created = await api.post("/api/requests", json=new_request(TODAY), headers=people.caseworker.command())
    case_id = created.json()["case_id"]
    advice = advice_for(people)
    advice[0] = {**advice[0], "received_by_body": received_by_body}
    body = {"outcome": "assess", "decided_on": TODAY.isoformat(), "advice": advice}
    response = await api.post(
        f"/api/cases/{case_id}/decision-to-assess", json=body, headers=people.caseworker.command()
    )
    assert response.status_code == 422, response.text
    loc = [error["loc"] for error in response.json()["errors"]]
    assert loc == [["body", "advice", 0, "received_by_body"]]


@pytest.mark.parametrize(
    ("field", "value"), [("evidence", "e" * 5001), ("school", ""), ("claimed_on", "1949-12-31")]
)
async def test_an_exception_claim_out_of_bounds_is_refused(
    api: httpx.AsyncClient, people: People, field: str, value: str
) -> None:
    # An empty school once hung the claim and every later command on the case (Schemathesis found it).
    created = await api.post("/api/requests", json=new_request(TODAY), headers=people.caseworker.command())
    case_id = created.json()["case_id"]
    claim = {
        "deadline": "decision_to_assess",
        "kind": "absence",
        "start": "2025-02-01",
        "evidence": "Family abroad.",
        "claimed_on": TODAY.isoformat(),
        field: value,
    }
    response = await api.post(
        f"/api/cases/{case_id}/exceptions", json=claim, headers=people.caseworker.command()
    )
    assert response.status_code == 422, response.text
    assert [error["loc"] for error in response.json()["errors"]] == [["body", field]]
