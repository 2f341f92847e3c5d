"""Agencies' pages: the advice requests sent to their own agency, soonest due first; one request, with the
child it is for and what is asked; the advice sent with a document and a note (received today, by the
service's clock: reg 8(1)); and what was sent, to download. Another agency's request is not found."""

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
from api.services.advice import list_inbox, read_request, sent_document, sent_documents, submit_advice
from api.services.clock import today_in_england
from api.services.uploads import read_upload

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 25
AdviceId = Annotated[str, Path(max_length=40)]
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
    await session.commit()  # the read's audit line
    return render(
        request,
        "advice_request.html",
        status_code=status_code,
        title=f"Advice for {found.child.given_name} {found.child.family_name}",
        active="inbox",
        item=found,
        sent=sent,
        kinds=ADVICE_KINDS,
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
