"""Agencies' routes: the reg 6 advice requests sent to them, and the advice they send back (reg 8); the
caseworkers' route for advice that came by post or email instead, and for the other documents a case
rests on (an exception's evidence).

An agency sees only what was sent to it: anything else, existing or not, is 404. An agency's advice is
received the day it is sent here; only a caseworker records an earlier date of receipt, with the reason.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Path, Query, UploadFile

from api.deps import AgencyUser, CaseWorker, OptionalIdempotencyKey, SessionDep, SettingsDep, TemporalDep
from api.query import refuse_unknown_query
from api.schemas.advice import AdviceReceipt, AdviceRequestPage, AdviceRequestRead, DocumentRead
from api.schemas.common import IsoDate, error_responses
from api.services.advice import list_inbox, read_request, submit_advice
from api.services.evidence import attach_documents
from api.services.uploads import read_upload

router = APIRouter(
    prefix="/api/advice-requests", tags=["agencies"], dependencies=[Depends(refuse_unknown_query)]
)

by_post = APIRouter(prefix="/api/cases", tags=["caseworkers"], dependencies=[Depends(refuse_unknown_query)])

CaseId = Annotated[uuid.UUID, Path(description="The case the advice is for.")]
AdviceId = Annotated[str, Path(max_length=40, description="The advice request's id on the case.")]
Files = Annotated[
    list[UploadFile], File(min_length=1, description="The advice: PDF, DOCX, PNG or JPEG: one or more.")
]
Summary = Annotated[str, Form(max_length=2000)]


@router.get(
    "",
    response_model=AdviceRequestPage,
    summary="List the advice requests sent to your agency",
    description=(
        "Every reg 6(1) advice request sent to the caller's agency, soonest due first (reg 8(1): advice "
        "is due within 6 weeks of the request); pass `next_after` back as `after` for the next page. "
        "Audited. Role: agency."
    ),
    responses=error_responses(401, 403, 422),
)
async def get_advice_requests(
    *,
    user: AgencyUser,
    session: SessionDep,
    after: str | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> AdviceRequestPage:
    return await list_inbox(session=session, user=user, after=after, limit=limit)


@router.get(
    "/{case_id}/{advice_id}",
    response_model=AdviceRequestRead,
    summary="Read one advice request sent to your agency",
    description=(
        "One reg 6(1) advice request and its reg 8(1) due date; 404 unless it was sent to the caller's "
        "agency. Audited. Role: agency."
    ),
    responses=error_responses(401, 403, 404, 422),
)
async def get_advice_request(
    *, case_id: CaseId, advice_id: AdviceId, user: AgencyUser, session: SessionDep
) -> AdviceRequestRead:
    return await read_request(session=session, user=user, case_id=case_id, advice_id=advice_id)


@router.post(
    "/{case_id}/{advice_id}/advice",
    response_model=AdviceReceipt,
    summary="Send your agency's advice",
    description=(
        "The agency's advice in answer to a reg 6(1) request (reg 8(1)): the date the LA received it, an "
        "optional summary and one or more PDF, DOCX, PNG or JPEG files (typed by content; each at most the "
        "authority's upload limit). Accepted once; 404 unless the request was sent to the caller's "
        "agency; 409 once the request is answered or closed. Audited. Role: agency."
    ),
    responses=error_responses(401, 403, 404, 409, 422, 503),
)
async def post_advice(
    *,
    case_id: CaseId,
    advice_id: AdviceId,
    received_on: Annotated[IsoDate, Form(description="When the LA received the advice (ISO date).")],
    files: Files,
    user: AgencyUser,
    session: SessionDep,
    client: TemporalDep,
    settings: SettingsDep,
    key: OptionalIdempotencyKey,
    summary: Summary = "",
) -> AdviceReceipt:
    uploads = [await read_upload(file, max_bytes=settings.upload_max_bytes) for file in files]
    return await submit_advice(
        session=session,
        client=client,
        user=user,
        case_id=case_id,
        advice_id=advice_id,
        received_on=received_on,
        summary=summary,
        uploads=uploads,
        idempotency_key=key,
        deadline=settings.temporal_deadline,
    )


@by_post.post(
    "/{case_id}/advice/{advice_id}",
    response_model=AdviceReceipt,
    summary="Record advice that came by post or email",
    description=(
        "Advice in answer to a reg 6(1) request that reached the LA by post or email (reg 8(1)), recorded "
        "on the agency's behalf: the date the LA received it (from the request's date to today), the "
        "documents, an optional summary and, for a date before today, the reason (how it came and why it "
        "is recorded only now): the date decides whether the advice was on time, so it is audited with "
        "the reason. Accepted once; 409 once the request is answered or closed. Roles: caseworker, "
        "manager."
    ),
    responses=error_responses(401, 403, 404, 409, 422, 503),
)
async def record_advice(
    *,
    case_id: CaseId,
    advice_id: AdviceId,
    received_on: Annotated[IsoDate, Form(description="When the LA received the advice (ISO date).")],
    files: Files,
    user: CaseWorker,
    session: SessionDep,
    client: TemporalDep,
    settings: SettingsDep,
    key: OptionalIdempotencyKey,
    summary: Summary = "",
    reason: Annotated[
        str,
        Form(
            max_length=2000,
            description="How the advice came, and why it is recorded only now: for a date before today.",
        ),
    ] = "",
) -> AdviceReceipt:
    uploads = [await read_upload(file, max_bytes=settings.upload_max_bytes) for file in files]
    return await submit_advice(
        session=session,
        client=client,
        user=user,
        case_id=case_id,
        advice_id=advice_id,
        received_on=received_on,
        summary=summary,
        uploads=uploads,
        idempotency_key=key,
        reason=reason,
        deadline=settings.temporal_deadline,
    )


@by_post.post(
    "/{case_id}/documents",
    response_model=list[DocumentRead],
    status_code=201,
    summary="Attach documents to a case",
    description=(
        "Documents a case rests on that are not an agency's advice: the evidence of an exception (reg 5(4), "
        "reg 8(2), reg 10(4)), such as a clinic's letter or a school's closure notice, to name by id in a "
        "claim's `evidence_document_ids`. PDF, DOCX, PNG or JPEG (typed by content; each at most the "
        "authority's upload limit); the same bytes again answer the document the case holds already. "
        "404 for a case not known. Audited. Roles: caseworker, manager."
    ),
    responses=error_responses(401, 403, 404, 422),
)
async def post_documents(
    *,
    case_id: Annotated[uuid.UUID, Path(description="The case the documents are for.")],
    files: Annotated[
        list[UploadFile],
        File(min_length=1, description="The documents: PDF, DOCX, PNG or JPEG: one or more."),
    ],
    user: CaseWorker,
    session: SessionDep,
    settings: SettingsDep,
) -> list[DocumentRead]:
    uploads = [await read_upload(file, max_bytes=settings.upload_max_bytes) for file in files]
    return await attach_documents(session=session, user=user, case_id=case_id, uploads=uploads)
