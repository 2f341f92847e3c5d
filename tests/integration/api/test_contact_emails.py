"""A family's contacts come in with email addresses that are addresses: notices to parents (regs 5,
13-14) go to them, so a create request with one that is not is refused before any workflow starts."""

from __future__ import annotations

import httpx
import pytest

from .conftest import People, Temporal, new_request

NOT_ADDRESSES = [
    "sam",
    "Sam Example <sam@example.org>",
    "sam@example.org\r\nBcc: someone@elsewhere.example",
    "sam@example.org; alex@example.org",
    "",
]


@pytest.mark.parametrize("email", NOT_ADDRESSES)
async def test_a_request_with_a_contact_email_that_is_not_one_is_refused(
    api: httpx.AsyncClient, people: People, temporal: Temporal, email: str
) -> None:
    contacts = [
        {"name": "Alex Example", "relationship": "father", "email": "alex@example.org"},
        {"name": "Sam Example", "relationship": "mother", "email": email, "parental_responsibility": True},
    ]
    refused = await api.post(
        "/api/requests",
        json=new_request(await temporal.today(), contacts=contacts),
        headers=people.caseworker.command(),
    )

    assert refused.status_code == 422, refused.text
    assert "email: not an email address" in refused.text
    assert "leave it out" in refused.text
    assert "contacts" in refused.text  # where: the contact
    cases = await api.get("/api/cases", headers=people.caseworker.auth)
    assert cases.json()["items"] == []


async def test_a_request_with_contact_addresses_or_none_is_taken(
    api: httpx.AsyncClient, people: People, temporal: Temporal
) -> None:
    contacts = [
        {"name": "Sam Example", "relationship": "mother", "email": "sam@example.org"},
        {"name": "Alex Example", "relationship": "father"},
    ]
    created = await api.post(
        "/api/requests",
        json=new_request(await temporal.today(), contacts=contacts),
        headers=people.caseworker.command(),
    )

    assert created.status_code in (200, 201), created.text


async def test_a_plan_transferred_in_checks_its_contacts_too(
    api: httpx.AsyncClient, people: People, temporal: Temporal
) -> None:
    today = await temporal.today()
    arrival = {
        "from_la": "Southshire",
        "made_on": "2024-06-10",
        "transferred_on": today.isoformat(),
        "child": new_request(today)["child"],
        "contacts": [{"name": "Sam Example", "relationship": "mother", "email": "Sam <sam@example.org>"}],
    }
    refused = await api.post("/api/plans", json=arrival, headers=people.caseworker.command())

    assert refused.status_code == 422, refused.text
    assert "email: not an email address" in refused.text
