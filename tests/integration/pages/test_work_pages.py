"""The first pages of the day's work (issue 10 s.2-3): a caseworker's list of cases and a case's statutory
timeline, and an agency's requests, each naming the child, from the application database."""

from __future__ import annotations

import html
import re
import uuid
from datetime import date, timedelta

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.pages.cases import PAGE_SIZE, SEARCH_HELP
from api.services.clock import today_in_england
from core.settings import Settings
from db.advice import record_advice_received, record_advice_request, record_advice_withdrawn
from db.users import create_user
from tests.documents import pdf
from tests.integration.api.conftest import LA_CODE, project
from tests.integration.api.test_advice import assessed_case
from tests.integration.db.factories import a_deadline, an_agency

from .conftest import People, Temporal, csrf_of, sign_in, signed_in, with_password


@pytest.fixture
def settings(settings: Settings, empty_url: str) -> Settings:
    """These pages on both databases: a SQLite file, and a PostgreSQL schema of their own."""
    return settings.model_copy(update={"database_url": empty_url})


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


async def test_an_agency_s_requests_come_open_first_with_the_school_and_any_condition(
    browser: httpx.AsyncClient, people: People, sessions: async_sessionmaker[AsyncSession]
) -> None:
    """The EP service's 27 requests (24 open, 2 answered, 1 no longer needed) over two pages, open ones
    soonest due first; the child's school where the case names one; the reg 6(2) condition shown to the
    school asked for a visually impaired child's educational advice, and to no one else."""
    today = today_in_england()
    ep, icb = people.psychology.agency_id, people.health.agency_id
    assert ep is not None
    assert icb is not None
    async with sessions() as session:
        school = await an_agency(session, name="Riverside Primary", kind="school")
        await create_user(
            session=session, username="head", display_name="Head", role="agency", agency_id=school.id
        )
        expected: list[tuple[str, int, date]] = []
        standing = ["received", "requested", "withdrawn", "requested", "received"] + ["requested"] * 22
        for n, status in enumerate(standing):
            due = today + timedelta(days=(n * 11) % 27 - 5)
            case_id = await a_childs_case(
                session, f"Child{n:02}", "Example", received_on=today, visual_impairment=n == 1
            )
            asked = {"ep": ("psychological", ep), "school": ("educational", school.id if n < 2 else icb)}
            for advice_id, (kind, agency_id) in asked.items():
                await record_advice_request(
                    session=session,
                    case_id=case_id,
                    advice_id=advice_id,
                    kind=kind,
                    agency_id=agency_id,
                    requested_on=today,
                    received_by_body_on=today,
                    due_on=due,
                )
            if status == "received":
                await record_advice_received(
                    session=session, case_id=case_id, advice_id="ep", received_on=today
                )
            if status == "withdrawn":
                await record_advice_withdrawn(session=session, case_id=case_id, advice_id="ep")
            expected.append((f"Child{n:02}", ["requested", "received", "withdrawn"].index(status), due))
        await session.commit()
    order = [name for name, *_ in sorted(expected, key=lambda e: (e[1], e[2]))]
    await signed_in(browser, sessions, "ep")
    first = await browser.get("/inbox")
    [following] = re.findall(r'href="(/inbox\?after=[^"]+)" rel="next"', first.text)
    second = await browser.get(html.unescape(following))
    rows = [
        " ".join(html.unescape(re.sub(r"<[^>]+>", " ", row)).split())
        for page in (first, second)
        for row in re.findall(r'<tr class="govuk-table__row">(.*?)</tr>', page.text, re.DOTALL)[1:]
    ]
    assert [row.split()[0] for row in rows] == order
    assert 'rel="next"' not in second.text
    assert (await browser.get("/inbox?after=nonsense")).status_code == 404
    child00 = next(row for row in rows if row.startswith("Child00"))
    assert child00.startswith(
        "Child00 Example Born 1 March 2015 Riverside Primary Psychological advice How the child"
    )
    assert "Sent " in child00
    assert next(row for row in rows if row.startswith("Child02")).endswith("No longer needed")
    assert any(
        row.startswith("Child03 Example Born 1 March 2015 Not known Psychological advice") for row in rows
    )
    assert all("regulation 6(1)(d)" in row and "qualified" not in row for row in rows)

    await signed_in(browser, sessions, "head")
    inbox = words_of(await browser.get("/inbox"))
    condition = (
        "Given after consulting a person qualified to teach pupils with a visual impairment (reg 6(2))"
    )
    assert "Riverside Primary Educational advice What the child needs" in inbox
    assert inbox.count(condition) == 1  # Child01's; Child00 sees well
    [child01] = re.findall(r'href="(/inbox/[^"]+/school)">Child01', (await browser.get("/inbox")).text)
    one = words_of(await browser.get(child01))
    assert "School Riverside Primary" in one
    assert f"How the advice must be given {condition}" in one
    assert (await browser.get(child01.replace("/school", "/ep"))).status_code == 404  # the EP's request


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


async def test_one_search_box_finds_a_child_by_name_date_of_birth_or_reference(
    browser: httpx.AsyncClient, people: People, sessions: async_sessionmaker[AsyncSession]
) -> None:
    today = today_in_england()
    ours = uuid.UUID("5d1c2f3a-0000-4000-8000-000000000001")
    async with sessions() as session:
        await project(session, received_on=today - timedelta(days=9), date_of_birth=date(2016, 3, 27))
        await project(session, received_on=today - timedelta(days=8), date_of_birth=date(2014, 1, 2))
        await a_childs_case(session, "Bo", "Other", case_id=ours, received_on=today)
        elsewhere = uuid.UUID("5d1c2f3a-0000-4000-8000-000000000002")  # another authority's
        await a_childs_case(session, "Bo", "Elsewhere", case_id=elsewhere, received_on=today, la_code="999")
        await session.commit()
    await signed_in(browser, sessions, "cw")
    mine = await browser.get("/cases")
    assert "There are no cases to show" in mine.text  # none is this caseworker's

    by_name = await browser.get("/cases?q=ada+exa")
    assert by_name.status_code == 200
    assert "Children found" in by_name.text
    assert len(case_ids(by_name)) == 2
    assert 'Showing children whose name starts with "ada exa", across the authority.' in words_of(by_name)
    for typed in ("27/03/2016", "27/3/2016", "2016-03-27", " 27-03-2016 "):
        born = await browser.get("/cases", params={"q": typed})
        assert len(case_ids(born)) == 1, typed
        assert "Born 27 March 2016" in born.text
        assert "Showing children born on 27 March 2016, across the authority." in words_of(born)
    for typed in (f"assessment-{ours}", "5d1c2f3a", "ASSESSMENT-5D1C2F3A", ours.hex):
        found = await browser.get("/cases", params={"q": typed})
        assert case_ids(found) == [str(ours)], typed  # never the other authority's
    whole = words_of(await browser.get("/cases", params={"q": f"assessment-{ours}"}))
    assert f"Showing the case assessment-{ours}, across the authority." in whole
    short = words_of(await browser.get("/cases", params={"q": "5d1c2f3a"}))
    assert "Showing cases whose reference starts assessment-5d1c2f3a, across the authority." in short
    nobody = await browser.get("/cases?q=zz")
    assert "No child matches the search" in nobody.text

    for typed, error in [
        ("a", "Enter at least 2 letters of the child's name"),
        ("31/02/2016", "Date of birth must be a real date, like 27/03/2016"),
        ("assessment-5d1c", SEARCH_HELP),  # fewer than 8 characters of a reference
        ("12", SEARCH_HELP),
        ("ada\x01", SEARCH_HELP),
    ]:
        wrong = await browser.get("/cases", params={"q": typed})
        assert wrong.status_code == 422, typed
        assert error in words_of(wrong)
        assert 'href="#q"' in wrong.text


FAMILIES = ["de Vries", "Dunn", "abbott", "Zed", "Moss", "khan", "Bell", "Evans"]


async def test_the_cases_sort_by_each_column_a_page_at_a_time(
    browser: httpx.AsyncClient, people: People, sessions: async_sessionmaker[AsyncSession]
) -> None:
    """32 of the caseworker's cases: 29 with a step owed (26 overdue, 2 due this week, 1 later), 3 with
    nothing owed; names whose order ignores case. Each order, both ways round, over two pages."""
    today = today_in_england()
    cases: dict[str, tuple[tuple[str, str], date, date | None]] = {}
    overdue = [today - timedelta(days=40 - n) for n in range(26)]
    dues = [*overdue, today + timedelta(days=1), today + timedelta(days=3), today + timedelta(days=30)]
    async with sessions() as session:
        for n in range(32):
            family, given = FAMILIES[n % 8], f"Child{31 - n:02}"
            received = today - timedelta(days=200 - (n * 7) % 32)  # 32 days, none twice
            due_on = dues[n] if n < len(dues) else None
            case_id = await a_childs_case(
                session, given, family, received_on=received, due=due_on, caseworker_id=people.caseworker.id
            )
            cases[str(case_id)] = ((family.lower(), given.lower()), received, due_on)
        await a_childs_case(session, "Not", "Mine", received_on=today, due=today)  # no caseworker's
        await session.commit()
    await signed_in(browser, sessions, "cw")

    def expected(sort: str, descending: bool) -> list[str]:
        ids = sorted(cases, key=uuid.UUID)
        if sort == "name":
            return sorted(ids, key=lambda c: cases[c][0], reverse=descending)
        if sort == "received":
            return sorted(ids, key=lambda c: cases[c][1], reverse=descending)
        owed = sorted((c for c in ids if cases[c][2]), key=lambda c: cases[c][2] or today, reverse=descending)
        return owed + sorted(
            (c for c in ids if not cases[c][2]), key=lambda c: cases[c][1], reverse=descending
        )

    first = await browser.get("/cases")
    assert heading_link(first, "Next step") == ("/cases?sort=due&order=desc", "ascending")  # the default
    assert case_ids(first) == expected("due", False)[:PAGE_SIZE]  # the longest overdue first
    assert await every_page(browser, "/cases") == expected("due", False)
    for heading, sort in [("Child", "name"), ("Request received", "received"), ("Next step", "due")]:
        ascending, aria = heading_link(first, heading)
        assert ascending == f"/cases?sort={sort}&order={'desc' if sort == 'due' else 'asc'}"
        ascending = f"/cases?sort={sort}&order=asc"
        assert await every_page(browser, ascending) == expected(sort, False), sort
        sorted_page = await browser.get(ascending)
        descending, aria = heading_link(sorted_page, heading)
        assert (descending, aria) == (f"/cases?sort={sort}&order=desc", "ascending")
        assert sorted_page.text.count("aria-sort=") == 1
        assert await every_page(browser, descending) == expected(sort, True), sort
        turned = await browser.get(descending)
        assert heading_link(turned, heading) == (ascending, "descending")

    # The authority's list keeps its own sorting and paging; a filtered one too.
    everyone = await every_page(browser, "/cases?mine=false&sort=name&order=desc")
    assert len(everyone) == 33
    late = [c for c in expected("name", False) if (cases[c][2] or today) < today]
    assert await every_page(browser, "/cases?sort=name&status=overdue") == late
    assert len(late) == 26

    # A cursor that is not one, or another order's, leaves the list at its first page.
    second = re.findall(r'href="/cases\?[^"]*after=([^"&]+)', first.text)[0]
    for wrong in ("nonsense", second):
        gone = await browser.get("/cases", params={"sort": "name", "after": wrong})
        assert gone.status_code == 404
        assert "This page of the list is out of date" in gone.text


async def test_the_cases_filter_by_next_step_and_stage(
    browser: httpx.AsyncClient, people: People, sessions: async_sessionmaker[AsyncSession]
) -> None:
    today = today_in_england()
    cw = people.caseworker.id
    async with sessions() as session:
        late = await a_childs_case(
            session, "Late", "One", received_on=today, due=today - timedelta(1), caseworker_id=cw
        )
        soon = await a_childs_case(
            session, "Soon", "One", received_on=today, due=today + timedelta(7), caseworker_id=cw
        )
        later = await a_childs_case(
            session,
            "Later",
            "One",
            received_on=today,
            due=today + timedelta(8),
            caseworker_id=cw,
            stage="drafting",
        )
        done = await a_childs_case(
            session, "Done", "One", received_on=today, caseworker_id=cw, stage="drafting"
        )
        await session.commit()
    await signed_in(browser, sessions, "cw")

    async def shown(query: str) -> set[uuid.UUID]:
        """The cases the filters leave, the same whichever way the list is sorted."""
        found = []
        for sort in ("due", "name", "received"):
            page = await browser.get(f"/cases?{query}&sort={sort}")
            assert page.status_code == 200
            found.append({uuid.UUID(c) for c in case_ids(page)})
        assert found[0] == found[1] == found[2], query
        return found[0]

    assert await shown("") == {late, soon, later, done}
    assert await shown("status=overdue") == {late}
    assert await shown("status=due_soon") == {soon}
    assert await shown("status=open") == {later}
    assert await shown("status=overdue&status=open") == {late, later}
    assert await shown("status=due_soon&status=open") == {soon, later}
    assert await shown("status=overdue&status=due_soon&status=open") == {late, soon, later}
    assert await shown("stage=drafting") == {later, done}
    assert await shown("stage=drafting&status=due_soon") == set()
    assert await shown("stage=drafting&stage=gathering_advice&status=overdue") == {late}
    assert await shown("stage=nonsense&status=never") == {late, soon, later, done}  # left out, not refused
    filtered = await browser.get("/cases?stage=drafting&status=open&status=overdue&sort=received")
    said = words_of(filtered)
    assert "Only the cases whose next step is overdue or open and at the stage drafting the plan." in said
    assert '<details id="filters" class="govuk-details" open>' in filtered.text
    assert 'value="open" checked' in filtered.text
    assert 'value="drafting" checked' in filtered.text
    assert '<input type="hidden" name="sort" value="received">' in filtered.text
    href, _ = heading_link(filtered, "Child")
    assert href == "/cases?stage=drafting&status=overdue&status=open&sort=name&order=asc"
    none = await browser.get("/cases?stage=drafting&status=due_soon")
    assert "No case matches the filters." in none.text


async def a_childs_case(
    session: AsyncSession,
    given: str,
    family: str,
    *,
    received_on: date,
    case_id: uuid.UUID | None = None,
    born: date = date(2015, 3, 1),
    caseworker_id: uuid.UUID | None = None,
    stage: str = "gathering_advice",
    due: date | None = None,
    la_code: str = LA_CODE,
    visual_impairment: bool = False,
) -> uuid.UUID:
    """A case of a child of these names in the read model, its next step owed on `due` (if given)."""
    return await project(
        session,
        case_id=case_id,
        received_on=received_on,
        stage=stage,
        caseworker_id=caseworker_id,
        deadlines=[a_deadline("decision_to_assess", due)] if due else [],
        la_code=la_code,
        date_of_birth=born,
        given_name=given,
        family_name=family,
        visual_impairment=visual_impairment,
    )


def case_ids(page: httpx.Response) -> list[str]:
    return re.findall(r'href="/cases/([0-9a-f-]{36})"', page.text)


def words_of(page: httpx.Response) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page.text)).split())


async def every_page(browser: httpx.AsyncClient, address: str) -> list[str]:
    """The cases a list shows, following its "Next" links to the end."""
    found: list[str] = []
    pages = 0
    while address:
        page = await browser.get(address)
        assert page.status_code == 200, page.text
        found += case_ids(page)
        pages += 1
        following = re.findall(r'href="(/cases\?[^"]+)" rel="next"', page.text)
        address = html.unescape(following[0]) if following else ""
    assert pages == -(-len(found) // PAGE_SIZE)  # full pages, the last one short
    return found


def heading_link(page: httpx.Response, heading: str) -> tuple[str, str]:
    """A sortable column's link and its aria-sort ('' when the list is not sorted by it)."""
    [(aria, href)] = re.findall(
        rf'<th scope="col" class="govuk-table__header"(?: aria-sort="(\w+)")?>\s*'
        rf'<a class="govuk-link" href="([^"]+)">{heading}',
        page.text,
    )
    return html.unescape(href), aria


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
