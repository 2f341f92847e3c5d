"""Agencies' pages: the advice requests sent to their own agency, open ones first."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from api.deps import SessionDep
from api.pages import words
from api.pages.sessions import AgencyPerson
from api.pages.templating import render
from api.services.advice import list_inbox

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 25
ADVICE_KINDS = {
    "parent": "From the parent or young person",
    "educational": "Educational advice",
    "medical": "Medical advice",
    "psychological": "Psychological advice",
    "social_care": "Social care advice",
    "preparing_for_adulthood": "Preparing for adulthood",
    "other": "Other advice the authority thinks appropriate",
    "requested_by_parent": "Advice the parent asked for",
}


@router.get("/inbox")
async def inbox_page(
    request: Request,
    person: AgencyPerson,
    session: SessionDep,
    after: Annotated[str | None, Query(max_length=500)] = None,
) -> HTMLResponse:
    page = await list_inbox(session=session, user=person.principal, after=after, limit=PAGE_SIZE)
    return render(
        request,
        "inbox.html",
        title="Advice requests",
        active="inbox",
        page=page,
        kinds=ADVICE_KINDS,
        words=words,
    )
