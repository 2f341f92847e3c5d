"""A caseworker takes a step on a case in the pages (issue 10 s.2): only the steps legal now are offered,
each a form checked as the API checks it, with the error summary and inline errors; a step the workflow
refuses shows its reason; the same form sent twice acts once."""

from __future__ import annotations

import html
import re
import uuid
from datetime import date, timedelta

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.integration.api.conftest import new_request, project
from tests.integration.api.test_advice import assessed_case

from .conftest import People, Temporal, csrf_of, signed_in


def text_of(page: httpx.Response) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", page.text).split())


async def test_a_caseworker_withdraws_a_request_through_its_form(
    browser: httpx.AsyncClient,
    api: httpx.AsyncClient,
    people: People,
    temporal: Temporal,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    case_id = await assessed_case(api, people, temporal, sessions)
    await signed_in(browser, sessions, "cw")
    case = await browser.get(f"/cases/{case_id}")
    offered = re.findall(rf'href="/cases/{case_id}/([a-z-]+)"', case.text)
    assert offered == ["decision-to-issue", "exceptions", "school-closures", "withdrawal"]  # gathering advice

    form = await browser.get(f"/cases/{case_id}/withdrawal")
    assert form.status_code == 200
    key = re.search(r'name="form_key" value="([^"]+)"', form.text)
    assert key is not None
    today = await temporal.today()
    sent = {"csrf_token": csrf_of(form), "form_key": key.group(1), "reasons": "The family moved away."}

    empty = await browser.post(f"/cases/{case_id}/withdrawal", data=sent)
    assert empty.status_code == 422
    assert "Enter the date the request was withdrawn" in text_of(empty)
    assert 'href="#withdrawn_on-day"' in empty.text

    future = today + timedelta(days=5)
    refused = await browser.post(
        f"/cases/{case_id}/withdrawal",
        data={**sent, "withdrawn_on-day": str(future.day), "withdrawn_on-month": str(future.month),
              "withdrawn_on-year": str(future.year)},
    )  # fmt: skip
    assert refused.status_code == 422
    assert "is in the future" in text_of(refused)  # the workflow's own reason
    assert "The family moved away." in refused.text  # what was typed is kept
    renewed = re.search(r'name="form_key" value="([^"]+)"', refused.text)
    assert renewed is not None
    assert renewed.group(1) != key.group(1)  # the refused sending spent its key
    sent["form_key"] = renewed.group(1)

    on = {"withdrawn_on-day": str(today.day), "withdrawn_on-month": str(today.month),
          "withdrawn_on-year": str(today.year)}  # fmt: skip
    done = await browser.post(f"/cases/{case_id}/withdrawal", data={**sent, **on})
    assert done.status_code == 303, text_of(done)[-1500:]
    assert done.headers["location"] == f"/cases/{case_id}?done=withdrawal"
    again = await browser.post(f"/cases/{case_id}/withdrawal", data={**sent, **on})
    assert again.status_code == 303  # the same form sent twice: applied once, answered again
    shown = await browser.get(done.headers["location"])
    assert "Recorded: withdraw the request." in text_of(shown)
    state = (await api.get(f"/api/cases/{case_id}", headers=people.caseworker.auth)).json()["state"]
    assert state["stage"] == "withdrawn"
    assert re.findall(rf'href="/cases/{case_id}/([a-z-]+)"', shown.text) == []  # nothing more to do


async def test_a_step_no_form_takes_or_a_case_nobody_knows_is_not_found(
    browser: httpx.AsyncClient, people: People, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await signed_in(browser, sessions, "cw")
    nobody = "00000000-0000-0000-0000-000000000000"
    for path in (f"/cases/{nobody}/withdrawal", f"/cases/{nobody}/no-such-step"):
        page = await browser.get(path)
        assert page.status_code == 404, path
        assert "Page not found" in page.text


async def test_a_caseworker_decides_to_assess_with_the_advice_the_child_needs(
    browser: httpx.AsyncClient,
    api: httpx.AsyncClient,
    people: People,
    temporal: Temporal,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    today = await temporal.today()
    created = await api.post("/api/requests", json=new_request(today), headers=people.caseworker.command())
    case_id = created.json()["case_id"]
    async with sessions() as session:
        await project(session, case_id=uuid.UUID(case_id), received_on=today)
        await session.commit()
    await signed_in(browser, sessions, "cw")
    case = await browser.get(f"/cases/{case_id}")
    assert re.findall(rf'href="/cases/{case_id}/([a-z-]+)"', case.text) == [
        "decision-to-assess",
        "exceptions",
        "school-closures",
        "withdrawal",
    ]

    form = await browser.get(f"/cases/{case_id}/decision-to-assess")
    assert form.status_code == 200
    asked = re.findall(r'name="ask-([a-z-]+)" type="checkbox" value="yes" checked', form.text)
    assert sorted(asked) == ["educational", "medical", "parent", "psychological", "social-care"]
    key = re.search(r'name="form_key" value="([^"]+)"', form.text)
    assert key is not None
    on = {
        "decided_on-day": str(today.day),
        "decided_on-month": str(today.month),
        "decided_on-year": str(today.year),
    }
    sent = {"csrf_token": csrf_of(form), "form_key": key.group(1), **on}

    unexplained = await browser.post(
        f"/cases/{case_id}/decision-to-assess", data={**sent, "outcome": "refuse"}
    )
    assert unexplained.status_code == 422
    assert "A refusal must give reasons" in text_of(unexplained)  # the workflow's own rule, on its field
    assert 'href="#reasons"' in unexplained.text

    renewed = re.search(r'name="form_key" value="([^"]+)"', unexplained.text)
    assert renewed is not None
    first_choice = r'id="agency-([a-z-]+)" name="agency-[a-z-]+">\s*<option value="([^"]+)"'
    agencies = dict(re.findall(first_choice, form.text))
    choices = {f"ask-{a}": "yes" for a in asked} | {f"agency-{a}": agencies[a] for a in asked}
    decided = await browser.post(
        f"/cases/{case_id}/decision-to-assess",
        data={**sent, "form_key": renewed.group(1), "outcome": "assess", **choices},
    )
    assert decided.status_code == 303, text_of(decided)[-800:]
    state = (await api.get(f"/api/cases/{case_id}", headers=people.caseworker.auth)).json()["state"]
    assert state["stage"] == "gathering_advice"
    assert sorted(a["advice_id"] for a in state["advice"]) == sorted(asked)


def date_boxes(name: str, day: date) -> dict[str, str]:
    return {f"{name}-day": str(day.day), f"{name}-month": str(day.month), f"{name}-year": str(day.year)}


async def test_a_caseworker_records_a_school_closure_learned_after_the_request(
    browser: httpx.AsyncClient,
    api: httpx.AsyncClient,
    people: People,
    temporal: Temporal,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    """Issue 11 s.4: the closure the statute's answer asks for is recorded in a form and shown on the
    case; one overlapping it is refused with the workflow's reason."""
    case_id = await assessed_case(api, people, temporal, sessions)
    await signed_in(browser, sessions, "cw")
    form = await browser.get(f"/cases/{case_id}/school-closures")
    assert form.status_code == 200
    key = re.search(r'name="form_key" value="([^"]+)"', form.text)
    assert key is not None
    today = await temporal.today()
    sent = {
        "csrf_token": csrf_of(form),
        "form_key": key.group(1),
        "school": "Riverside Primary",
        **date_boxes("first_closed", today + timedelta(days=3)),
        **date_boxes("reopens", today + timedelta(days=45)),
        **date_boxes("recorded_on", today),
    }
    done = await browser.post(f"/cases/{case_id}/school-closures", data=sent)
    assert done.status_code == 303, text_of(done)[-1500:]
    shown = html.unescape(text_of(await browser.get(done.headers["location"])))
    assert "Recorded: record a school's closure." in shown
    assert "cw: Recorded a school's closure" in shown
    first, reopens = today + timedelta(days=3), today + timedelta(days=45)
    assert (
        f"Riverside Primary Closed from {first.day} {first:%B %Y}, reopens {reopens.day} {reopens:%B %Y}"
        in shown
    )

    again = await browser.get(f"/cases/{case_id}/school-closures")
    renewed = re.search(r'name="form_key" value="([^"]+)"', again.text)
    assert renewed is not None
    overlapping = await browser.post(
        f"/cases/{case_id}/school-closures",
        data={**sent, "form_key": renewed.group(1), **date_boxes("first_closed", today + timedelta(days=40)),
              **date_boxes("reopens", today + timedelta(days=60))},
    )  # fmt: skip
    assert overlapping.status_code == 409
    assert "already recorded as closed" in text_of(overlapping)
