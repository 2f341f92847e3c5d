"""The first pages of the day's work (issue 10 s.2-3): a caseworker's list of cases and a case's statutory
timeline, and an agency's requests, each naming the child, from the application database."""

from __future__ import annotations

import re
from datetime import date, timedelta

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.pages.cases import PAGE_SIZE
from api.services.clock import today_in_england
from tests.documents import pdf
from tests.integration.api.conftest import project
from tests.integration.api.test_advice import assessed_case
from tests.integration.db.factories import a_deadline

from .conftest import People, Temporal, csrf_of, sign_in, signed_in, with_password


async def test_a_caseworker_finds_the_child_and_reads_the_timeline(
    browser: httpx.AsyncClient,
    api: httpx.AsyncClient,
    people: People,
    temporal: Temporal,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    case_id = await assessed_case(api, people, temporal, sessions)
    await signed_in(browser, sessions, "cw")
    listed = await browser.get("/cases?mine=false")
    assert listed.status_code == 200
    assert f'href="/cases/{case_id}"' in listed.text
    assert "Ada Example" in listed.text
    assert "Born 1 March 2015" in listed.text

    case = await browser.get(f"/cases/{case_id}")
    assert case.status_code == 200
    assert "Ada Example</h1>" in case.text.replace("\n", "")

    today = today_in_england()
    async with sessions() as session:
        late = await project(
            session,
            received_on=today - timedelta(weeks=8),
            deadlines=[
                a_deadline("decision_to_assess", today - timedelta(days=10)),
                a_deadline("final_plan", today + timedelta(days=3)),
            ],
        )
        await session.commit()
    timeline = await browser.get(f"/cases/{late}")
    rows = re.findall(r"<tr class=\"govuk-table__row\">(.*?)</tr>", timeline.text, flags=re.DOTALL)
    steps = [" ".join(re.sub(r"<[^>]+>", " ", row).split()) for row in rows[1:]]
    assert steps[0].startswith("Decision whether to assess")
    assert "Overdue" in steps[0]
    assert "reg 4(1)" in steps[0]  # the rule behind it, as the read model holds it (the factory's)
    assert steps[1].startswith("Final plan")
    assert "Due this week" in steps[1]

    # The list shows each case's next step still owed, with its tag.
    listed = await browser.get("/cases?mine=false")
    [row] = [
        r
        for r in re.findall(r"<tr class=\"govuk-table__row\">(.*?)</tr>", listed.text, re.DOTALL)
        if str(late) in r
    ]
    assert "Decision whether to assess" in row
    assert "Overdue" in row

    missing = await browser.get("/cases/00000000-0000-0000-0000-000000000000")
    assert missing.status_code == 404
    assert "Case not found" in missing.text


async def test_an_agency_sees_which_child_each_of_its_requests_is_for(
    browser: httpx.AsyncClient,
    api: httpx.AsyncClient,
    people: People,
    temporal: Temporal,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await assessed_case(api, people, temporal, sessions)
    await with_password(sessions, "ep", "ep@council.test")
    await with_password(sessions, "icb", "icb@council.test")
    await sign_in(browser, "ep@council.test")
    inbox = await browser.get("/inbox")
    assert inbox.status_code == 200
    assert "Ada Example" in inbox.text
    assert "Psychological advice" in inbox.text
    assert "Medical advice" not in inbox.text  # the ICB's request is the ICB's alone


async def test_the_list_of_cases_is_read_a_page_at_a_time(
    browser: httpx.AsyncClient, people: People, sessions: async_sessionmaker[AsyncSession]
) -> None:
    today = today_in_england()
    async with sessions() as session:
        for n in range(PAGE_SIZE + 2):
            received = today - timedelta(days=60 - n)
            await project(session, received_on=received, caseworker_id=people.caseworker.id)
        await session.commit()
    await signed_in(browser, sessions, "cw")
    first = await browser.get("/cases")
    assert first.text.count('<tr class="govuk-table__row">') == PAGE_SIZE + 1  # and the heading's row
    [following] = re.findall(r'href="(/cases\?after=[^"]+)" rel="next"', first.text)
    second = await browser.get(following.replace("&amp;", "&"))
    assert second.status_code == 200
    assert second.text.count('<tr class="govuk-table__row">') == 2 + 1
    assert 'rel="next"' not in second.text


async def test_an_agency_sends_its_advice_once_and_can_download_it(
    browser: httpx.AsyncClient,
    api: httpx.AsyncClient,
    people: People,
    temporal: Temporal,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    case_id = await assessed_case(api, people, temporal, sessions)
    await signed_in(browser, sessions, "ep")
    path = f"/inbox/{case_id}/ep"
    page = await browser.get(path)
    assert page.status_code == 200
    assert "Ada Example" in page.text
    assert "Send your advice" in page.text

    nothing = await browser.post(path, data={"csrf_token": csrf_of(page), "summary": "Seen twice."})
    assert nothing.status_code == 422
    assert "Select the document with your advice" in nothing.text

    html = await browser.post(
        path,
        data={"csrf_token": csrf_of(page), "summary": "Seen twice."},
        files=[("files", ("advice.pdf", b"%PDF-1.7\n<html><script>x</script>", "application/pdf"))],
    )
    assert html.status_code == 422
    assert "advice.pdf" in html.text  # the file named, and what is wrong with it

    advice = pdf("the EP's advice")
    form = {"csrf_token": csrf_of(page), "summary": "Seen twice."}
    sent = await browser.post(path, data=form, files=[("files", ("ep.pdf", advice, "application/pdf"))])
    assert (sent.status_code, sent.headers["location"]) == (303, f"{path}?sent=1")
    again = await browser.post(path, data=form, files=[("files", ("ep.pdf", advice, "application/pdf"))])
    assert again.status_code == 303  # the same form twice: the same advice, taken once
    assert len(temporal.fakes.advice_received) == 1

    done = await browser.get(f"{path}?sent=1")
    assert "Advice sent" in done.text
    assert "Send your advice" not in done.text
    [link] = re.findall(rf'href="({path}/documents/[^"]+)"', done.text)
    download = await browser.get(link)
    assert download.status_code == 200
    assert download.content == advice
    assert download.headers["content-disposition"] == "attachment; filename*=UTF-8''ep.pdf"

    await with_password(sessions, "icb", "icb@council.test")
    other = await sign_in(browser, "icb@council.test")
    assert other.status_code == 303
    assert (await browser.get(path)).status_code == 404  # another agency's request
    assert (await browser.get(link)).status_code == 404

    # The caseworker finds it on the case, and downloads it (audited).
    await signed_in(browser, sessions, "cw")
    case = await browser.get(f"/cases/{case_id}")
    [staff_link] = re.findall(rf'href="(/cases/{case_id}/documents/[^"]+)"', case.text)
    assert (await browser.get(staff_link)).content == advice
    assert "cw: Downloaded a document" in " ".join(
        re.sub(r"<[^>]+>", " ", (await browser.get(f"/cases/{case_id}")).text).split()
    )


async def test_a_caseworker_finds_a_child_by_name_or_date_of_birth(
    browser: httpx.AsyncClient, people: People, sessions: async_sessionmaker[AsyncSession]
) -> None:
    today = today_in_england()
    async with sessions() as session:
        await project(session, received_on=today - timedelta(days=9), date_of_birth=date(2016, 3, 27))
        await project(session, received_on=today - timedelta(days=8), date_of_birth=date(2014, 1, 2))
        await session.commit()
    await signed_in(browser, sessions, "cw")
    mine = await browser.get("/cases")
    assert "There are no cases to show" in mine.text  # none is this caseworker's

    by_name = await browser.get("/cases?name=ada+exa")
    assert by_name.status_code == 200
    assert "Children found" in by_name.text
    assert by_name.text.count('href="/cases/') == 2
    born = await browser.get("/cases?day=27&month=3&year=2016")
    assert born.text.count('href="/cases/') == 1
    assert "Born 27 March 2016" in born.text
    nobody = await browser.get("/cases?name=zz")
    assert "No child matches the search" in nobody.text

    short = await browser.get("/cases?name=a")
    assert short.status_code == 422
    assert "Enter at least 2 letters of the child&#39;s name" in short.text
    unreal = await browser.get("/cases?day=31&month=2&year=2016")
    assert unreal.status_code == 422
    assert 'href="#born-day"' in unreal.text
    assert "Date of birth must be a real date" in unreal.text


async def test_the_case_page_shows_its_advice_decisions_and_who_did_what(
    browser: httpx.AsyncClient,
    api: httpx.AsyncClient,
    people: People,
    temporal: Temporal,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    case_id = await assessed_case(api, people, temporal, sessions)
    await signed_in(browser, sessions, "cw")
    case = await browser.get(f"/cases/{case_id}")
    text = " ".join(re.sub(r"<[^>]+>", " ", case.text).split())
    assert "Psychological (ep) Northshire EP service" in text
    assert "Medical (health) Northshire ICB" in text
    assert "Asked" in text
    assert "cw: Decided whether to assess" in text  # the audit trail, by name
    assert "cw: Recorded the request" in text
    missing = await browser.get(f"/cases/{case_id}/documents/00000000-0000-0000-0000-000000000000")
    assert missing.status_code == 404
    assert "Document not found" in missing.text
