"""Caseworkers' pages: the authority's cases, and one case with its statutory timeline."""

from __future__ import annotations

import asyncio
import re
import uuid
from dataclasses import dataclass
from datetime import date
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from api.deps import SessionDep, SettingsDep, TemporalDep
from api.errors import NotFound
from api.pages import words
from api.pages.sessions import Caseworker, PageNotFound
from api.pages.steps import RECORDED, offered
from api.pages.templating import attachment, fragment, render
from api.services.audit import audit_read
from api.services.cases import case_with, live_state
from api.services.clock import today_in_england
from db.case_file import case_advice, case_decisions, case_documents, case_notices, case_trail, next_steps
from db.cases import CASE_SORTS, DUE_SOON, NEXT_STEPS, CasePage, CaseSort, list_case_deadlines, list_cases
from db.documents import get_document
from db.errors import InvalidCursor
from db.models import CaseDeadline

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 25


@dataclass(frozen=True, slots=True)
class Search:
    """What the one search box was given, understood: a name's start, a date of birth or a case's
    reference (the start of its id, with or without `assessment-`), and the words saying which."""

    text: str = ""
    name: str | None = None
    born_on: date | None = None
    reference: str | None = None  # lower-case hex digits: the start of the case's id
    said: str = ""
    error: str = ""


_DAY_FIRST = re.compile(r"(\d{1,2})[/. -](\d{1,2})[/. -](\d{4})")
_YEAR_FIRST = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_REFERENCE = re.compile(r"(?:(?:assessment|plan)-)?([0-9a-f]{8}[0-9a-f-]*)")
SEARCH_HELP = "Enter a name, a date of birth like 27/03/2016, or a case reference like assessment-5d1c2f3a"


def understood(text: str) -> Search:
    """The search box's words as a search: a date (dd/mm/yyyy or yyyy-mm-dd), a reference (at least its
    first 8 characters; a bare one needs a digit, so "deadbeef" stays a name), else a name of 2 letters
    or more. Digits that are neither, and control characters, are an error."""
    text = " ".join(text.split())
    if not text:
        return Search()
    if day := _DAY_FIRST.fullmatch(text) or _YEAR_FIRST.fullmatch(text):
        parts = [int(part) for part in day.groups()]
        day_month_year = parts if day.re is _DAY_FIRST else parts[::-1]
        born_on = _date(*day_month_year)
        if born_on is None:
            return Search(text, error="Date of birth must be a real date, like 27/03/2016")
        return Search(text, born_on=born_on, said=f"children born on {born_on:%-d %B %Y}")
    lowered = text.lower()
    if (found := _REFERENCE.fullmatch(lowered)) and (lowered != found.group(1) or _has_digit(lowered)):
        digits = found.group(1).replace("-", "")
        if len(digits) <= 32:
            whole = f"assessment-{uuid.UUID(hex=digits)}" if len(digits) == 32 else None
            said = (
                f"the case {whole}" if whole else f"cases whose reference starts assessment-{found.group(1)}"
            )
            return Search(text, reference=digits, said=said)
    if _has_digit(text) or any(not character.isprintable() for character in text):
        return Search(text, error=SEARCH_HELP)
    if len(text) < 2:
        return Search(text, error="Enter at least 2 letters of the child's name")
    return Search(text, name=text, said=f'children whose name starts with "{text}"')


def _has_digit(text: str) -> bool:
    return any(character.isdigit() for character in text)


def _date(day: int, month: int, year: int) -> date | None:
    try:
        found = date(year, month, day)
    except ValueError:
        return None
    return found if 1900 <= found.year <= 2150 else None


# The columns the list sorts by: each sort's heading, and the query's name for it.
SORTS: dict[CaseSort, str] = {"name": "Child", "received": "Request received", "due": "Next step"}


@router.get("/cases")
async def cases_page(
    *,
    request: Request,
    person: Caseworker,
    session: SessionDep,
    settings: SettingsDep,
    mine: bool = True,
    after: Annotated[str | None, Query(max_length=500)] = None,
    q: Annotated[str, Query(max_length=100)] = "",
    sort: Annotated[str, Query(max_length=20)] = "due",
    order: Annotated[str, Query(max_length=4)] = "asc",
    stage: Annotated[list[str] | None, Query()] = None,
    status: Annotated[list[str] | None, Query()] = None,
) -> HTMLResponse:
    """The caseworker's own cases or the authority's, sorted by a column, filtered by stage and by the
    next step's status; searched by a child's name, date of birth or a case's reference, the authority's.
    Values the page never offers are left out rather than refused."""
    search = understood(q)
    by: CaseSort = sort if sort in CASE_SORTS else "due"
    descending = order == "desc"
    stages = [name for name in words.STAGES if name in (stage or ())]
    statuses = [name for name in NEXT_STEPS if name in (status or ())]
    searching = bool(search.name or search.born_on or search.reference)
    kept = [("mine", "false")] if not mine and person.role == "caseworker" else []
    mine = mine and person.role == "caseworker" and not searching
    page = CasePage(rows=(), next_after=None)
    if not search.error:
        try:
            page = await list_cases(
                session=session,
                la_code=settings.la_code,
                caseworker_id=person.principal.id if mine else None,
                name=search.name,
                born_on=search.born_on,
                case_id_prefix=search.reference,
                stages=stages,
                next_step=statuses,
                today=today_in_england(),
                sort=by,
                descending=descending,
                after=after,
                limit=PAGE_SIZE,
            )
        except InvalidCursor:
            raise PageNotFound(
                "Page not found", "This page of the list is out of date. Go back to its first page."
            ) from None
    steps = await next_steps(session=session, case_ids=[row.case.id for row in page.rows])
    chosen = [("q", search.text)] if search.text else []
    chosen += [("stage", name) for name in stages] + [("status", name) for name in statuses]
    return render(
        request,
        "cases.html",
        next_steps={case_id: (step, tag(step)) for case_id, step in steps.items()},
        status_code=422 if search.error else 200,
        title="Your cases" if mine else "Children found" if searching else "All cases",
        active="cases",
        page=page,
        mine=mine,
        searching=searching,
        search=search,
        stages=stages,
        statuses=statuses,
        filters=fragment("cases_filters.html", stages=tuple(stages), statuses=tuple(statuses)),
        sorted_by=(by, descending),
        headings=_headings(kept + chosen, by, descending),
        hidden=[*kept, ("sort", by), ("order", "desc" if descending else "asc")],
        kept=kept,
        errors={"q": search.error} if search.error else {},
        query=request.url.query,
        words=words,
    )


def _headings(kept: list[tuple[str, str]], by: CaseSort, descending: bool) -> dict[str, dict[str, str]]:
    """Each sortable column's link (the same list sorted by it: ascending first, then turned round) and
    its `aria-sort` when the list is sorted by it."""
    headings: dict[str, dict[str, str]] = {}
    for column, heading in SORTS.items():
        turn = column == by and not descending
        link = "/cases?" + urlencode([*kept, ("sort", column), ("order", "desc" if turn else "asc")])
        aria = ("descending" if descending else "ascending") if column == by else ""
        headings[column] = {"text": heading, "href": link, "aria_sort": aria}
    return headings


def tag(step: CaseDeadline) -> tuple[str, str]:
    """A step's status as its tag: an open step past its due date is overdue (the workflow marks it at its
    next wake), and one due within a week is "due this week"."""
    today = today_in_england()
    if step.status == "open" and step.due < today:
        return words.STATUSES["overdue"]
    if step.status == "open" and step.due - today <= DUE_SOON:
        return words.STATUSES["due_soon"]
    return words.STATUSES.get(step.status, (step.status, "govuk-tag--grey"))


@router.get("/cases/{case_id}")
async def case_page(
    *,
    request: Request,
    case_id: uuid.UUID,
    person: Caseworker,
    session: SessionDep,
    client: TemporalDep,
    settings: SettingsDep,
    done: Annotated[str, Query(max_length=50)] = "",
) -> HTMLResponse:
    # The workflow answers its state query on the worker while the read model is read here: the page waits
    # for the longer of the two, not their sum.
    live = asyncio.create_task(
        live_state(client=client, case_id=case_id, deadline=settings.temporal_deadline)
    )
    try:
        # The read model's timeline: the assessment's steps and, once the plan is made, the plan's own, as
        # the overdue list and the measures count them (the assessment's state stops at the final plan).
        steps = await list_case_deadlines(session=session, case_id=case_id)
        advice = await case_advice(session=session, case_id=case_id)
        decisions = await case_decisions(session=session, case_id=case_id)
        documents = await case_documents(session=session, case_id=case_id)
        notices = await case_notices(session=session, case_id=case_id)
        trail = await case_trail(session=session, case_id=case_id)
        state = await live
    finally:
        live.cancel()  # a read that failed leaves no query behind; done, it is a no-op
    try:
        case = await case_with(session=session, case_id=case_id, state=state)
    except NotFound:
        raise PageNotFound(
            "Case not found", "There is no case at this address. Check it, or find the case in the list."
        ) from None
    return render(
        request,
        "case.html",
        title="Case",
        active="cases",
        case=case,
        steps=[(step, tag(step)) for step in steps],
        advice=advice,
        decisions=decisions,
        documents=documents,
        notices=notices,
        trail=trail,
        actions=offered(case.state.stage if case.state else None),
        done=RECORDED.get(done),
        words=words,
    )


@router.get("/cases/{case_id}/documents/{document_id}")
async def case_document(
    *, case_id: uuid.UUID, document_id: uuid.UUID, person: Caseworker, session: SessionDep
) -> Response:
    """One of the case's documents, to download; audited."""
    document = await get_document(session=session, document_id=document_id)
    if document is None or document.case_id != case_id:
        raise PageNotFound(
            "Document not found", "The case has no document at this address. Go back to the case."
        )
    await audit_read(
        session=session,
        user=person.principal,
        action="case.document.downloaded",
        case_id=case_id,
        detail={"document_id": str(document_id)},
    )
    return attachment(document)
