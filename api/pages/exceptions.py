"""Exceptions to a time limit in the pages (regs 5(4), 8(2), 10(4); issue 10 s.2 and s.4): a caseworker
claims one against one deadline of a case, with its evidence, and the statute judges it at once; a
manager who did not make the claim approves it next, and the parent is told (Code of Practice 9.43).
Both are the API's commands, checked by its bodies and the workflow's validators."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from starlette.datastructures import UploadFile

from api.deps import SessionDep, SettingsDep, TemporalDep
from api.errors import ApiError
from api.pages import words
from api.pages.actions import Sent, TheCase, answered_date, form_page, form_values, in_page_order, send_step
from api.pages.sessions import Caseworker, PageNotFound, PageRoles, Person
from api.schemas.cases import CaseRead, ExceptionApprovalCreate, ExceptionClaimCreate
from api.services.clock import today_in_england
from api.services.evidence import attach_documents
from api.services.uploads import Upload, read_upload
from workflows.assessment.messages import ExceptionClaim

router = APIRouter(include_in_schema=False)

Approver = Annotated[Person, Depends(PageRoles("manager"))]
ClaimId = Annotated[str, Path(max_length=200)]
# As the form asks them.
CLAIM_FIELDS = ("deadline", "kind", "school", "start", "end", "evidence", "evidence_file", "claimed_on")
CLAIM_DATES = ("start", "end", "claimed_on")
# A deadline can take a claim while it is still owed: not met, not ended, not a family's own window.
OWED = ("open", "due_soon", "overdue")


def claimable(case: CaseRead) -> dict[str, str]:
    """The case's deadlines still owed, as the form offers them: "final_plan", "advice/health"."""
    offered: dict[str, str] = {}
    for d in case.state.deadlines if case.state else []:
        if d.status in OWED and d.statutory:
            value = f"{d.deadline}/{d.id}" if d.deadline == "advice" and d.id else d.deadline
            offered[value] = words.deadline(d.deadline) + (f" ({d.id})" if d.deadline == "advice" else "")
    return offered


def read_claim(
    values: dict[str, str], offered: dict[str, str], *, document: bool = False
) -> tuple[dict[str, Any], dict[str, str]]:
    """The API's body from the form, and what is wrong with it by field id; `document` when the evidence
    is attached as a file (then words are optional)."""
    errors: dict[str, str] = {}
    chosen = values.get("deadline", "")
    if chosen not in offered:
        errors["deadline"] = "Select the time limit the exception is to"
    deadline, _, advice_id = chosen.partition("/")
    if values.get("kind", "") not in words.EXCEPTION_KINDS:
        errors["kind"] = "Select the kind of exception"
    body: dict[str, Any] = {
        "deadline": deadline,
        "advice_id": advice_id or None,
        "kind": values.get("kind"),
        "school": values.get("school", "").strip() or None,
        "evidence": values.get("evidence", "").strip(),
    }
    for name, what in (
        ("start", "the day it began"),
        ("end", "the day it ended"),
        ("claimed_on", "the date of the claim"),
    ):
        value = answered_date(values, name, what, errors, optional=name != "claimed_on")
        if value is not None:
            body[name] = value
    if not body["evidence"] and not document:
        errors["evidence"] = "Say what the claim rests on, or attach the document it rests on"
    if not errors:
        try:
            ExceptionClaimCreate.model_validate(body)
        except ValidationError as error:
            for problem in error.errors():
                name = str(problem["loc"][0]) if problem["loc"] else "deadline"
                name = name if name in CLAIM_FIELDS else "deadline"
                errors.setdefault(f"{name}-day" if name in CLAIM_DATES else name, str(problem["msg"]))
    return body, in_page_order(errors, CLAIM_FIELDS)


def _claim_form(request: Request, case: CaseRead, sent: Sent | None = None) -> HTMLResponse:
    title = "Claim an exception to a time limit"
    return form_page(
        request,
        "exception_claim.html",
        title,
        sent,
        case=case,
        deadlines=claimable(case),
        kinds=words.EXCEPTION_KINDS,
    )


@router.get("/cases/{case_id}/exceptions")
async def claim_page(*, request: Request, case: TheCase, person: Caseworker) -> Response:
    return _claim_form(request, case)


@router.post("/cases/{case_id}/exceptions")
async def claim_exception(
    *,
    request: Request,
    case_id: uuid.UUID,
    case: TheCase,
    person: Caseworker,
    session: SessionDep,
    client: TemporalDep,
    settings: SettingsDep,
) -> Response:
    values = await form_values(request)
    upload, problem = await _evidence_file(request, max_bytes=settings.upload_max_bytes)
    body, errors = read_claim(values, claimable(case), document=upload is not None or problem is not None)
    if problem is not None:
        errors = in_page_order({**errors, "evidence_file": problem}, CLAIM_FIELDS)
    if errors:
        return _claim_form(request, case, Sent(values, errors, 422))
    try:
        if upload is not None:  # kept on the case, and the claim rests on it
            user = person.principal
            [document] = await attach_documents(session=session, user=user, case_id=case_id, uploads=[upload])
            body["evidence_document_ids"] = [document.id]
        await send_step(
            case_id=case_id,
            path="exceptions",
            command=ExceptionClaimCreate.model_validate(body).command(actor=person.principal.actor()),
            values=values,
            person=person,
            session=session,
            client=client,
            settings=settings,
        )
    except ApiError as error:
        return _claim_form(request, case, Sent.refused_by(values, error, CLAIM_FIELDS, CLAIM_DATES))
    return RedirectResponse(f"/cases/{case_id}?done=exceptions#exceptions", status_code=303)


async def _evidence_file(request: Request, *, max_bytes: int) -> tuple[Upload | None, str | None]:
    """The evidence attached to the form, read and checked (too large, empty, or not the type it says is
    the field's problem); none when no file was chosen. The file is closed either way."""
    file = (await request.form()).get("evidence_file")
    if not isinstance(file, UploadFile):
        return None, None
    try:
        if not file.filename:
            return None, None
        return await read_upload(file, max_bytes=max_bytes), None
    except ApiError as error:
        return None, error.detail.removeprefix("files: ")
    finally:
        await file.close()


def claim_of(case: CaseRead, claim_id: str) -> ExceptionClaim:
    claim = next((c for c in (case.state.claims if case.state else []) if c.claim_id == claim_id), None)
    if claim is None:
        raise PageNotFound(
            "Claim not found", "The case has no exception claim at this address. Go back to the case."
        )
    return claim


def _approval_form(
    request: Request, case: CaseRead, claim: ExceptionClaim, person: Person, sent: Sent | None = None
) -> HTMLResponse:
    today = today_in_england()
    sent = sent or Sent({"approved_on-day": str(today.day), "approved_on-month": str(today.month),
                         "approved_on-year": str(today.year)})  # fmt: skip
    own_claim = claim.claimed_by == person.principal.id
    return form_page(
        request,
        "exception_approval.html",
        "Approve an exception",
        sent,
        case=case,
        claim=claim,
        own_claim=own_claim,
        words=words,
    )


@router.get("/cases/{case_id}/exceptions/{claim_id}")
async def approval_page(*, request: Request, case: TheCase, claim_id: ClaimId, person: Approver) -> Response:
    return _approval_form(request, case, claim_of(case, claim_id), person)


@router.post("/cases/{case_id}/exceptions/{claim_id}")
async def approve_exception(
    *,
    request: Request,
    case_id: uuid.UUID,
    case: TheCase,
    claim_id: ClaimId,
    person: Approver,
    session: SessionDep,
    client: TemporalDep,
    settings: SettingsDep,
) -> Response:
    claim = claim_of(case, claim_id)
    values = await form_values(request)
    errors: dict[str, str] = {}
    approved_on = answered_date(values, "approved_on", "the date of the approval", errors)
    try:
        body = ExceptionApprovalCreate.model_validate({"approved_on": approved_on})
    except ValidationError as error:
        errors.setdefault("approved_on-day", str(error.errors()[0]["msg"]))
    if errors:
        return _approval_form(request, case, claim, person, Sent(values, errors, 422))
    try:
        await send_step(
            case_id=case_id,
            path=f"exceptions/{claim_id}/approval",
            command=body.command(actor=person.principal.actor(), claim_id=claim_id),
            values=values,
            person=person,
            session=session,
            client=client,
            settings=settings,
        )
    except ApiError as error:
        refused = Sent.refused_by(values, error, ("approved_on",), ("approved_on",))
        return _approval_form(request, case, claim, person, refused)
    return RedirectResponse(f"/cases/{case_id}?done=approval#exceptions", status_code=303)
