"""Agencies' pages: the advice requests sent to their own agency, those still open first and soonest due
first, each with the child it is for (name, date of birth, school where the case says it), the advice
asked in words and any condition on it; one request, the same; the advice sent with a document and a note
(received today, by the service's clock: reg 8(1)); and what was sent, to download. Another agency's
request is not found."""

from __future__ import annotations

import uuid
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, File, Form, Path, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession

from api.deps import OptionalIdempotencyKey, SessionDep, SettingsDep, TemporalDep
from api.errors import ApiError, NotFound
from api.pages import words
from api.pages.sessions import CSRF_FIELD, AgencyPerson, PageNotFound, Person, check_csrf
from api.pages.templating import attachment, render
from api.services.advice import read_request, sent_document, sent_documents, submit_advice
from api.services.audit import audit_read
from api.services.clock import today_in_england
from api.services.uploads import read_upload
from db.advice import InboxLine, list_inbox, read_inbox_line
from db.errors import InvalidCursor
from statute.advice import required_advice
from statute.events import Child as StatuteChild

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 25
AdviceId = Annotated[str, Path(max_length=40)]


def conditions(line: InboxLine) -> tuple[str, ...]:
    """What the law asks of how this advice is given, as the statute engine states it for the child's
    recorded facts (reg 6(2): educational advice after consulting a qualified teacher of pupils with the
    child's visual or hearing impairment); none for most requests."""
    if not (line.visual_impairment or line.hearing_impairment):
        return ()
    child = StatuteChild(visual_impairment=line.visual_impairment, hearing_impairment=line.hearing_impairment)
    found = [item.conditions for item in required_advice(child) if item.advice == line.request.kind]
    return tuple(text[:1].upper() + text[1:] for text in (found[0] if found else ()))


@router.get("/inbox")
async def inbox_page(
    request: Request,
    person: AgencyPerson,
    session: SessionDep,
    after: Annotated[str | None, Query(max_length=500)] = None,
) -> HTMLResponse:
    """The requests sent to the person's agency: those still open first, soonest due first; then those
    answered, then those no longer needed. Read as the API's inbox is, and audited the same way."""
    agency_id = person.principal.agency_id
    assert agency_id is not None
    try:
        page = await list_inbox(session=session, agency_id=agency_id, after=after, limit=PAGE_SIZE)
    except InvalidCursor:
        raise PageNotFound(
            "Page not found", "This page of the list is out of date. Go back to its first page."
        ) from None
    # Kept apart from the session: the audit line's write may roll back a try (SQLite locked), which would
    # expire the rows read and leave the page to load them again outside the database's context (a 500).
    session.expunge_all()
    await audit_read(
        session=session,
        user=person.principal,
        action="agency.advice_requests.listed",
        detail={"count": len(page.lines)},
    )
    return render(
        request,
        "inbox.html",
        title="Advice requests",
        active="inbox",
        page=page,
        lines=[(line, words.advice(line.request.kind), conditions(line)) for line in page.lines],
    )


def _request_path(case_id: uuid.UUID, advice_id: str) -> str:
    return f"/inbox/{case_id}/{quote(advice_id, safe='')}"


async def _request_page(
    request: Request,
    person: Person,
    session: AsyncSession,
    case_id: uuid.UUID,
    advice_id: str,
    *,
    errors: dict[str, str] | None = None,
    summary: str = "",
    status_code: int = 200,
) -> HTMLResponse:
    try:
        found = await read_request(
            session=session, user=person.principal, case_id=case_id, advice_id=advice_id
        )
    except NotFound:
        raise PageNotFound(
            "Request not found", "No request for advice at this address was sent to your organisation."
        ) from None
    sent = await sent_documents(session=session, user=person.principal, case_id=case_id, advice_id=advice_id)
    assert person.principal.agency_id is not None
    line = await read_inbox_line(
        session=session, agency_id=person.principal.agency_id, case_id=case_id, advice_id=advice_id
    )
    assert line is not None  # read_request found it, sent to this agency
    await session.commit()  # the read's audit line
    return render(
        request,
        "advice_request.html",
        status_code=status_code,
        title=f"Advice for {found.child.given_name} {found.child.family_name}",
        active="inbox",
        item=found,
        school=line.school,
        asked=words.advice(found.kind),
        conditions=conditions(line),
        sent=sent,
        path=_request_path(case_id, advice_id),
        errors=errors or {},
        summary=summary,
        just_sent=request.query_params.get("sent") == "1",
    )


@router.get("/inbox/{case_id}/{advice_id}")
async def advice_request_page(
    *, request: Request, case_id: uuid.UUID, advice_id: AdviceId, person: AgencyPerson, session: SessionDep
) -> HTMLResponse:
    return await _request_page(request, person, session, case_id, advice_id)


@router.post("/inbox/{case_id}/{advice_id}")
async def send_advice(
    *,
    request: Request,
    case_id: uuid.UUID,
    advice_id: AdviceId,
    person: AgencyPerson,
    session: SessionDep,
    client: TemporalDep,
    settings: SettingsDep,
    key: OptionalIdempotencyKey,
    files: Annotated[list[UploadFile], File()] = [],  # noqa: B006 (FastAPI copies the default)
    summary: Annotated[str, Form(max_length=2000)] = "",
    csrf_token: Annotated[str, Form(alias=CSRF_FIELD)] = "",
) -> Response:
    """The agency's advice, received today by the service's clock (reg 8(1)); sent once, however often the
    form is submitted (the same files and note make the same key)."""
    check_csrf(request, csrf_token)
    chosen = [file for file in files if file.filename]
    if not chosen:
        errors = {"files": "Select the document with your advice"}
        return await _request_page(
            request, person, session, case_id, advice_id, errors=errors, summary=summary, status_code=422
        )
    try:
        uploads = [await read_upload(file, max_bytes=settings.upload_max_bytes) for file in chosen]
        await submit_advice(
            session=session,
            client=client,
            user=person.principal,
            case_id=case_id,
            advice_id=advice_id,
            received_on=today_in_england(),
            summary=summary,
            uploads=uploads,
            idempotency_key=key,
            deadline=settings.temporal_deadline,
        )
    except ApiError as error:
        field = error.field if error.field in ("files", "summary") else "files"
        message = error.detail.split(": ", 1)[1] if error.detail.startswith(f"{field}: ") else error.detail
        return await _request_page(
            request,
            person,
            session,
            case_id,
            advice_id,
            errors={field: message[:1].upper() + message[1:]},
            summary=summary,
            status_code=error.status_code,
        )
    return RedirectResponse(_request_path(case_id, advice_id) + "?sent=1", status_code=303)


@router.get("/inbox/{case_id}/{advice_id}/documents/{document_id}")
async def sent_document_download(
    *,
    case_id: uuid.UUID,
    advice_id: AdviceId,
    document_id: uuid.UUID,
    person: AgencyPerson,
    session: SessionDep,
) -> Response:
    document = await sent_document(
        session=session, user=person.principal, case_id=case_id, advice_id=advice_id, document_id=document_id
    )
    await session.commit()  # the download's audit line
    return attachment(document)
