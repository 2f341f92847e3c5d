"""Advice that reached the authority by post or email, recorded by a caseworker in the pages (reg 8(1);
issue 9 s.5, issue 10 s.2): the date it was received, the documents, a note and, for a date before today,
how it came and why it is recorded only now, since that date decides whether the advice was on time.
The API's service and the advice workflow's validator check it as they check `POST
/api/cases/{case}/advice/{advice}`; the same form sent twice records it once (the same files, date and
note make the same key)."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, File, Form, Path, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession

from api.deps import OptionalIdempotencyKey, SessionDep, SettingsDep, TemporalDep
from api.errors import ApiError
from api.pages.actions import Sent, TheCase, answered_date, form_page
from api.pages.sessions import CSRF_FIELD, Caseworker, PageNotFound, check_csrf
from api.schemas.cases import CaseRead
from api.services.advice import submit_advice
from api.services.uploads import read_upload
from db.case_file import AdviceLine, case_advice

router = APIRouter(include_in_schema=False)

AdviceId = Annotated[str, Path(max_length=40)]
FIELDS = ("received_on", "files", "summary", "reason")


async def _line(session: AsyncSession, case_id: uuid.UUID, advice_id: str) -> AdviceLine:
    line = next(
        (a for a in await case_advice(session=session, case_id=case_id) if a.advice_id == advice_id), None
    )
    if line is None:
        raise PageNotFound(
            "Advice request not found", "The case asked for no advice by this name. Go back to the case."
        )
    return line


def _page(request: Request, case: CaseRead, line: AdviceLine, sent: Sent | None = None) -> HTMLResponse:
    path = f"/cases/{case.case_id}/advice/{quote(line.advice_id, safe='')}"
    return form_page(
        request, "advice_by_post.html", "Record advice received", sent, case=case, line=line, path=path
    )


@router.get("/cases/{case_id}/advice/{advice_id}")
async def by_post_page(
    *, request: Request, case: TheCase, advice_id: AdviceId, person: Caseworker, session: SessionDep
) -> Response:
    return _page(request, case, await _line(session, case.case_id, advice_id))


@router.post("/cases/{case_id}/advice/{advice_id}")
async def record_by_post(
    *,
    request: Request,
    case: TheCase,
    advice_id: AdviceId,
    person: Caseworker,
    session: SessionDep,
    client: TemporalDep,
    settings: SettingsDep,
    key: OptionalIdempotencyKey,
    files: Annotated[list[UploadFile], File()] = [],  # noqa: B006 (FastAPI copies the default)
    summary: Annotated[str, Form(max_length=2000)] = "",
    reason: Annotated[str, Form(max_length=2000)] = "",
    day: Annotated[str, Form(alias="received_on-day", max_length=10)] = "",
    month: Annotated[str, Form(alias="received_on-month", max_length=10)] = "",
    year: Annotated[str, Form(alias="received_on-year", max_length=10)] = "",
    csrf_token: Annotated[str, Form(alias=CSRF_FIELD)] = "",
) -> Response:
    check_csrf(request, csrf_token)
    line = await _line(session, case.case_id, advice_id)
    values = {
        "received_on-day": day,
        "received_on-month": month,
        "received_on-year": year,
        "summary": summary,
        "reason": reason,
    }
    errors: dict[str, str] = {}
    received_on = answered_date(values, "received_on", "the date the advice was received", errors)
    chosen = [file for file in files if file.filename]
    if not chosen:
        errors["files"] = "Select the document with the advice"
    if errors or received_on is None:
        return _page(request, case, line, Sent(values, errors, 422))
    try:
        await submit_advice(
            session=session,
            client=client,
            user=person.principal,
            case_id=case.case_id,
            advice_id=advice_id,
            received_on=date.fromisoformat(received_on),
            summary=summary.strip(),
            uploads=[await read_upload(file, max_bytes=settings.upload_max_bytes) for file in chosen],
            idempotency_key=key,
            reason=reason.strip(),
            deadline=settings.temporal_deadline,
        )
    except ApiError as error:
        return _page(request, case, line, Sent.refused_by(values, error, FIELDS, ("received_on",)))
    return RedirectResponse(f"/cases/{case.case_id}?done=advice", status_code=303)
