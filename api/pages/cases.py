"""Caseworkers' pages: the authority's cases, and one case with its statutory timeline."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from api.deps import SessionDep, SettingsDep, TemporalDep
from api.errors import NotFound
from api.pages import words
from api.pages.actions import RECORDED, offered
from api.pages.sessions import Caseworker, PageNotFound
from api.pages.templating import attachment, render
from api.schemas.cases import CasePage
from api.services.audit import audit_read
from api.services.cases import get_case_with_state, list_cases
from api.services.clock import today_in_england
from db.case_file import case_advice, case_decisions, case_documents, case_notices, case_trail, next_steps
from db.cases import list_case_deadlines
from db.documents import get_document
from db.models import CaseDeadline

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 25
DUE_SOON = timedelta(days=7)


@router.get("/cases")
async def cases_page(
    *,
    request: Request,
    person: Caseworker,
    session: SessionDep,
    settings: SettingsDep,
    mine: bool = True,
    after: Annotated[str | None, Query(max_length=500)] = None,
    name: Annotated[str, Query(max_length=100)] = "",
    day: Annotated[str, Query(max_length=10)] = "",
    month: Annotated[str, Query(max_length=10)] = "",
    year: Annotated[str, Query(max_length=10)] = "",
) -> HTMLResponse:
    """The caseworker's own cases; or, searched by a child's name or date of birth, the authority's."""
    errors: dict[str, str] = {}
    name = " ".join(name.split())
    if name and len(name) < 2:
        errors["name"] = "Enter at least 2 letters of the child's name"
    born_on = None
    if day or month or year:
        born_on = _date(day, month, year)
        if born_on is None:
            errors["born-day"] = "Date of birth must be a real date, like 27 3 2016"
    searching = bool(name or born_on)
    mine = mine and person.role == "caseworker" and not searching
    page = (
        CasePage(items=[], next_after=None)
        if errors
        else await list_cases(
            session=session,
            la_code=settings.la_code,
            caseworker_id=person.principal.id if mine else None,
            name=name or None,
            born_on=born_on,
            after=after,
            limit=PAGE_SIZE,
        )
    )
    steps = await next_steps(session=session, case_ids=[item.id for item in page.items])
    return render(
        request,
        "cases.html",
        next_steps={case_id: (step, tag(step)) for case_id, step in steps.items()},
        status_code=422 if errors else 200,
        title="Your cases" if mine else "Children found" if searching else "All cases",
        active="cases",
        page=page,
        mine=mine,
        searching=searching,
        search={"name": name, "day": day, "month": month, "year": year},
        errors=errors,
        query=request.url.query,
        words=words,
    )


def _date(day: str, month: str, year: str) -> date | None:
    try:
        found = date(int(year), int(month), int(day))
    except ValueError:
        return None
    return found if 1900 <= found.year <= 2150 else None


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
    try:
        case = await get_case_with_state(
            session=session, client=client, case_id=case_id, deadline=settings.temporal_deadline
        )
    except NotFound:
        raise PageNotFound(
            "Case not found", "There is no case at this address. Check it, or find the case in the list."
        ) from None
    # The read model's timeline: the assessment's steps and, once the plan is made, the plan's own, as the
    # overdue list and the measures count them (the assessment's state stops at the final plan).
    steps = await list_case_deadlines(session=session, case_id=case_id)
    return render(
        request,
        "case.html",
        title="Case",
        active="cases",
        case=case,
        steps=[(step, tag(step)) for step in steps],
        advice=await case_advice(session=session, case_id=case_id),
        decisions=await case_decisions(session=session, case_id=case_id),
        documents=await case_documents(session=session, case_id=case_id),
        notices=await case_notices(session=session, case_id=case_id),
        trail=await case_trail(session=session, case_id=case_id),
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
