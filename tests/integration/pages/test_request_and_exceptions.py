"""A caseworker records a request in the pages, and claims an exception that a manager approves (issue 10
s.2, s.4): each a form checked as the API checks it, with the error summary; the same form sent twice acts
once; only another manager approves a claim."""

from __future__ import annotations

import re
import uuid
from datetime import date, timedelta

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.deps import Principal
from api.pages.request import read_request
from api.pages.sessions import Person
from tests.documents import pdf
from tests.integration.api.test_advice import assessed_case

from .conftest import People, Temporal, csrf_of, signed_in
from .test_actions import text_of


def key_of(page: httpx.Response) -> str:
    found = re.search(r'name="form_key" value="([^"]+)"', page.text)
    assert found, "the form has no key"
    return found.group(1)


def day(name: str, on: date) -> dict[str, str]:
    return {f"{name}-day": str(on.day), f"{name}-month": str(on.month), f"{name}-year": str(on.year)}


async def test_a_caseworker_records_a_request_once(
    browser: httpx.AsyncClient,
    api: httpx.AsyncClient,
    people: People,
    temporal: Temporal,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await signed_in(browser, sessions, "cw")
    form = await browser.get("/cases/new")
    assert form.status_code == 200
    assert 'id="caseworker_id"' not in form.text  # a caseworker's own request is theirs
    # A parent, with parental responsibility unless told otherwise: their notices go by email.
    assert 'name="contact_pr" type="checkbox" value="yes" checked' in form.text
    sent = {"csrf_token": csrf_of(form), "form_key": key_of(form)}

    empty = await browser.post("/cases/new", data=sent)
    assert empty.status_code == 422
    asked = ["given_name", "family_name", "date_of_birth-day", "received_on-day", "source"]
    assert re.findall(r'<a href="#([a-z_-]+)">', empty.text)[: len(asked)] == asked  # in the order asked
    assert "Enter the child&#39;s given name" in empty.text

    today = await temporal.today()
    child = {
        "given_name": "Ada",
        "family_name": "Example",
        **day("date_of_birth", date(2016, 5, 4)),
        "source": "parent",
    }
    bad_email = await browser.post(
        "/cases/new",
        data={
            **sent,
            **child,
            **day("received_on", today),
            "contact_name": "Grace Example",
            "contact_email": "grace@",
        },
    )
    assert bad_email.status_code == 422
    assert 'href="#contact_email"' in bad_email.text
    assert 'value="Grace Example"' in bad_email.text  # what was typed is kept

    future = await browser.post(
        "/cases/new", data={**sent, **child, **day("received_on", today + timedelta(days=3))}
    )
    assert future.status_code == 422
    assert "is in the future" in text_of(future)  # the API service's own reason
    assert 'href="#received_on-day"' in future.text
    sent["form_key"] = key_of(future)  # the refused sending spent its key

    filled = {**sent, **child, **day("received_on", today), "contact_name": "Grace Example",
              "contact_email": "grace@example.org", "condition": "hi"}  # fmt: skip
    done = await browser.post("/cases/new", data=filled)
    assert done.status_code == 303, text_of(done)[-800:]
    location = done.headers["location"]
    assert re.fullmatch(r"/cases/[0-9a-f-]{36}\?done=request", location)
    again = await browser.post("/cases/new", data=filled)
    assert again.headers["location"] == location  # the same form sent twice makes one case
    case_id = location.split("/")[2].split("?")[0]
    case = (await api.get(f"/api/cases/{case_id}", headers=people.caseworker.auth)).json()
    assert case["state"]["stage"] == "awaiting_decision_to_assess"
    listed = (await api.get("/api/cases", headers=people.caseworker.auth)).json()
    assert [c["id"] for c in listed["items"]].count(case_id) <= 1
    shown = await browser.get(location)
    assert "Recorded: the request for an assessment." in text_of(shown)


async def test_a_manager_gives_the_case_to_a_caseworker(
    browser: httpx.AsyncClient, people: People, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await signed_in(browser, sessions, "mgr")
    form = await browser.get("/cases/new")
    assert f'<option value="{people.caseworker.id}"' in form.text
    unknown = await browser.post(
        "/cases/new",
        data={"csrf_token": csrf_of(form), "form_key": key_of(form), "given_name": "Ada",
              "family_name": "Example", **day("date_of_birth", date(2016, 5, 4)),
              **day("received_on", date(2026, 1, 5)),
              "source": "attention", "caseworker_id": "not-an-id"},
    )  # fmt: skip
    assert unknown.status_code == 422
    assert 'href="#caseworker_id"' in unknown.text


def test_the_form_reads_as_the_api_body() -> None:
    person = Person(
        principal=Principal(id=uuid.uuid4(), username="m", role="manager", agency_id=None), display_name="M"
    )
    body, errors = read_request(
        {"given_name": " Ada ", "family_name": "Example", **day("date_of_birth", date(2010, 1, 2)),
         **day("received_on", date(2026, 1, 5)), "source": "attention", "year_group": "10",
         "condition": "vi,hi", "caseworker_id": ""},
        person,
    )  # fmt: skip
    assert errors == {}
    assert body["child"] == {"given_name": "Ada", "family_name": "Example", "date_of_birth": "2010-01-02",
                             "upn": None, "postcode": None, "year_group": 10, "visual_impairment": True,
                             "hearing_impairment": True}  # fmt: skip
    assert (body["source"], body["brought_to_attention"], body["contacts"]) == (None, True, [])
    _, wrong = read_request({**day("date_of_birth", date(2010, 1, 2)), "date_of_birth-day": "31",
                             "date_of_birth-month": "2"}, person)  # fmt: skip
    assert wrong["date_of_birth-day"] == "The child's date of birth must be a real date"
    _, ancient = read_request(day("date_of_birth", date(1900, 1, 2)), person)  # the statute counts from 1950
    assert ancient["date_of_birth-day"] == "The child's date of birth must be a real date"


async def test_a_claim_is_judged_and_approved_by_another_manager(
    browser: httpx.AsyncClient,
    api: httpx.AsyncClient,
    people: People,
    temporal: Temporal,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    case_id = await assessed_case(api, people, temporal, sessions)
    today = await temporal.today()
    await signed_in(browser, sessions, "cw")
    case = await browser.get(f"/cases/{case_id}")
    assert f'href="/cases/{case_id}/exceptions"' in case.text
    form = await browser.get(f"/cases/{case_id}/exceptions")
    assert 'value="advice/health"' in form.text
    assert 'value="final_plan"' in form.text
    sent = {"csrf_token": csrf_of(form), "form_key": key_of(form)}
    empty = await browser.post(f"/cases/{case_id}/exceptions", data=sent)
    assert empty.status_code == 422
    asked = ["deadline", "kind", "evidence", "claimed_on-day"]
    assert re.findall(r'<a href="#([a-z_-]+)">', empty.text)[: len(asked)] == asked  # in the order asked

    claim = {**sent, "deadline": "advice/health", "kind": "personal_circumstances", **day("start", today),
             "evidence": "Hospital stay; the discharge letter is on file.",
             **day("claimed_on", today)}  # fmt: skip
    done = await browser.post(f"/cases/{case_id}/exceptions", data=claim)
    assert done.status_code == 303, text_of(done)[-800:]
    shown = text_of(await browser.get(done.headers["location"]))
    assert "Exceptions claimed" in shown
    assert "Waiting for a manager" in shown

    state = (await api.get(f"/api/cases/{case_id}", headers=people.caseworker.auth)).json()["state"]
    [made] = state["claims"]
    assert (made["deadline"], made["advice_id"], made["accepted"]) == ("advice", "health", True)
    approval = f"/cases/{case_id}/exceptions/{made['claim_id']}"
    assert (await browser.get(approval)).status_code == 403  # a caseworker does not approve

    await browser.post("/sign-out", data={"csrf_token": csrf_of(await browser.get("/cases"))})
    await signed_in(browser, sessions, "mgr")
    case = await browser.get(f"/cases/{case_id}")
    assert f'href="{approval}"' in case.text
    page = await browser.get(approval)
    assert page.status_code == 200
    assert "Approve the exception" in page.text
    too_early = day("approved_on", today - timedelta(days=400))
    wrong = await browser.post(
        approval, data={"csrf_token": csrf_of(page), "form_key": key_of(page), **too_early}
    )
    assert wrong.status_code == 422  # before the claim: the workflow's validator says so
    assert 'href="#approved_on-day"' in wrong.text
    approved = await browser.post(
        approval, data={"csrf_token": csrf_of(page), "form_key": key_of(wrong), **day("approved_on", today)}
    )
    assert approved.status_code == 303, text_of(approved)[-800:]
    shown = text_of(await browser.get(approved.headers["location"]))
    assert f"Approved {today.day} {today:%B %Y}" in shown
    state = (await api.get(f"/api/cases/{case_id}", headers=people.caseworker.auth)).json()["state"]
    assert state["claims"][0]["approved_on"] == today.isoformat()
    assert (await browser.get(f"{approval}-nothing")).status_code == 404


async def test_a_caseworker_records_advice_that_came_by_post(
    browser: httpx.AsyncClient,
    api: httpx.AsyncClient,
    people: People,
    temporal: Temporal,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    case_id = await assessed_case(api, people, temporal, sessions)
    await temporal.env.sleep(timedelta(days=3))
    today = await temporal.today()
    await signed_in(browser, sessions, "cw")
    case = await browser.get(f"/cases/{case_id}")
    path = f"/cases/{case_id}/advice/parent"
    assert f'href="{path}"' in case.text
    form = await browser.get(path)
    assert form.status_code == 200
    assert "Record the advice" in form.text
    letter = {"files": ("views.pdf", pdf("The family's views."), "application/pdf")}
    came = today - timedelta(days=2)
    sent = {"csrf_token": csrf_of(form), **day("received_on", came), "summary": "Letter from the family."}
    unexplained = await browser.post(path, data=sent, files=letter)
    assert unexplained.status_code == 422  # the workflow asks why a past date is recorded only now
    assert 'href="#reason"' in unexplained.text
    nothing = await browser.post(path, data={"csrf_token": csrf_of(form)})
    assert nothing.status_code == 422
    assert 'href="#received_on-day"' in nothing.text
    assert 'href="#files"' in nothing.text
    done = await browser.post(path, data={**sent, "reason": "Came by post to the old office."}, files=letter)
    assert done.status_code == 303, text_of(done)[-800:]
    again = await browser.post(path, data={**sent, "reason": "Came by post to the old office."}, files=letter)
    assert again.status_code == 303  # the same form sent twice records it once
    state = (await api.get(f"/api/cases/{case_id}", headers=people.caseworker.auth)).json()["state"]
    assert state["advice_received"]["parent"] == came.isoformat()
    assert (await browser.get(f"/cases/{case_id}/advice/nobody")).status_code == 404


async def test_a_claims_evidence_is_a_document_kept_on_the_case(
    browser: httpx.AsyncClient,
    api: httpx.AsyncClient,
    people: People,
    temporal: Temporal,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    """Issue 11 s.4: the claim rests on the clinic's letter, attached in the form instead of words; the case
    lists it beside the claim, to download; a file that is not what it says is refused by its field."""
    case_id = await assessed_case(api, people, temporal, sessions)
    today = await temporal.today()
    await signed_in(browser, sessions, "cw")
    form = await browser.get(f"/cases/{case_id}/exceptions")
    assert 'enctype="multipart/form-data"' in form.text
    claim = {"csrf_token": csrf_of(form), "form_key": key_of(form), "deadline": "advice/health",
             "kind": "missed_appointment", **day("start", today), **day("claimed_on", today)}  # fmt: skip
    url = f"/cases/{case_id}/exceptions"
    fake = await browser.post(
        url, data=claim, files={"evidence_file": ("letter.pdf", b"not a pdf", "application/pdf")}
    )
    assert fake.status_code == 422
    assert 'href="#evidence_file"' in fake.text
    letter = ("clinic letter.pdf", pdf("clinic"), "application/pdf")
    done = await browser.post(url, data={**claim, "form_key": key_of(fake)}, files={"evidence_file": letter})
    assert done.status_code == 303, text_of(done)[-800:]

    state = (await api.get(f"/api/cases/{case_id}", headers=people.caseworker.auth)).json()["state"]
    [made] = state["claims"]
    [document_id] = made["evidence_document_ids"]
    case = await browser.get(f"/cases/{case_id}")
    link = f'href="/cases/{case_id}/documents/{document_id}"'
    assert link in case.text
    downloaded = await browser.get(f"/cases/{case_id}/documents/{document_id}")
    assert (downloaded.status_code, downloaded.content) == (200, pdf("clinic"))
