"""Agencies and their reg 6 advice requests: the inbox, one request, and the advice sent back (reg 8).

An agency sees only the requests sent to it and gets 404 for anything else, existing or not. Every read
and every submission is audited. A submission's Idempotency-Key (the agency's, or one derived from the
advice and the request it answers) is recorded with the advice first, as every command's is
(api/services/idempotency.py). Documents are stored once per case by SHA-256 and committed before the
workflow is asked, so no database write lock is held across the Temporal call (SQLite has one writer).
If the workflow refuses the advice, the documents this submission created are deleted in a second
transaction, so nothing half-written remains; documents the case already held are left alone.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import date, timedelta

from sqlalchemy.ext.asyncio import AsyncSession
from temporalio.client import Client

from api.deps import CommandKey, Principal
from api.errors import ApiError, NotFound, TimedOut
from api.schemas.advice import AdviceReceipt, AdviceRequestPage, AdviceRequestRead, DocumentRead
from api.schemas.common import ChildRead
from api.services.audit import audit, audit_read
from api.services.checks import refused_cursor
from api.services.idempotency import fingerprint, record_key
from api.services.temporal import DEFAULT_DEADLINE, Missing, query_workflow, run_update
from api.services.uploads import Upload
from db.advice import (
    AdviceWithChild,
    get_advice_request,
    get_advice_request_for_agency,
    list_advice_requests_for_agency,
    read_advice_request_for_agency,
)
from db.documents import add_document, delete_documents, find_document, get_document, list_request_documents
from db.errors import InvalidCursor
from db.models import AdviceRequest, Document
from workflows.advice.messages import AdviceState, SubmitAdvice
from workflows.common.ids import advice_workflow_id


def _not_sent(case_id: uuid.UUID, advice_id: str) -> NotFound:
    return NotFound(f"no advice request '{advice_id}' on case {case_id} was sent to your agency")


def _read(row: AdviceWithChild) -> AdviceRequestRead:
    """The request as its agency sees it, with the child it is for."""
    fields = {name: getattr(row.request, name) for name in AdviceRequestRead.model_fields if name != "child"}
    return AdviceRequestRead.model_validate({**fields, "child": ChildRead.model_validate(row.child)})


async def list_inbox(
    *, session: AsyncSession, user: Principal, after: str | None, limit: int
) -> AdviceRequestPage:
    assert user.agency_id is not None
    try:
        page = await list_advice_requests_for_agency(
            session=session, agency_id=user.agency_id, after=after, limit=limit
        )
    except InvalidCursor:
        raise refused_cursor() from None
    items = [_read(row) for row in page.rows]
    await audit_read(
        session=session, user=user, action="agency.advice_requests.listed", detail={"count": len(items)}
    )
    return AdviceRequestPage(items=items, next_after=page.next_after)


async def _own_request(
    *, session: AsyncSession, user: Principal, case_id: uuid.UUID, advice_id: str
) -> AdviceRequest:
    assert user.agency_id is not None
    request = await get_advice_request_for_agency(
        session=session, agency_id=user.agency_id, case_id=case_id, advice_id=advice_id
    )
    if request is None:
        raise _not_sent(case_id, advice_id)
    return request


async def _request_for(
    *, session: AsyncSession, user: Principal, case_id: uuid.UUID, advice_id: str
) -> AdviceRequest:
    """An agency's own request; for the authority's staff, the request on the case, whoever it went to."""
    if user.role == "agency":
        return await _own_request(session=session, user=user, case_id=case_id, advice_id=advice_id)
    request = await get_advice_request(session=session, case_id=case_id, advice_id=advice_id)
    if request is None:
        raise NotFound(f"no advice request '{advice_id}' on case {case_id}")
    return request


async def read_request(
    *, session: AsyncSession, user: Principal, case_id: uuid.UUID, advice_id: str
) -> AdviceRequestRead:
    assert user.agency_id is not None
    row = await read_advice_request_for_agency(
        session=session, agency_id=user.agency_id, case_id=case_id, advice_id=advice_id
    )
    if row is None:
        raise _not_sent(case_id, advice_id)
    found = _read(row)
    await audit_read(
        session=session,
        user=user,
        action="agency.advice_request.read",
        case_id=case_id,
        detail={"advice_id": advice_id},
    )
    return found


async def sent_documents(
    *, session: AsyncSession, user: Principal, case_id: uuid.UUID, advice_id: str
) -> list[DocumentRead]:
    """What the agency sent in answer to its own request."""
    request = await _own_request(session=session, user=user, case_id=case_id, advice_id=advice_id)
    found = await list_request_documents(session=session, advice_request_id=request.id)
    return [DocumentRead.model_validate(d) for d in found]


async def sent_document(
    *, session: AsyncSession, user: Principal, case_id: uuid.UUID, advice_id: str, document_id: uuid.UUID
) -> Document:
    """One document the agency sent in answer to its own request, to download; audited. Anything else,
    existing or not, is not found."""
    request = await _own_request(session=session, user=user, case_id=case_id, advice_id=advice_id)
    document = await get_document(session=session, document_id=document_id)
    if document is None or document.advice_request_id != request.id:
        raise NotFound(f"no document {document_id} was sent in answer to advice request '{advice_id}'")
    await audit_read(
        session=session,
        user=user,
        action="agency.document.downloaded",
        case_id=case_id,
        detail={"advice_id": advice_id, "document_id": str(document_id)},
    )
    return document


async def _store(
    *, session: AsyncSession, user: Principal, request: AdviceRequest, uploads: list[Upload]
) -> tuple[list[Document], set[uuid.UUID]]:
    """Each upload once per case (by SHA-256), flushed, not committed; and the ids of those this call
    created (the others the case held already)."""
    stored: list[Document] = []
    created: set[uuid.UUID] = set()
    for upload in uploads:
        digest = hashlib.sha256(upload.content).hexdigest()
        document = await find_document(session=session, case_id=request.case_id, sha256=digest)
        if document is None:
            document = await add_document(
                session=session,
                case_id=request.case_id,
                filename=upload.filename,
                content_type=upload.content_type,
                content=upload.content,
                uploaded_by=user.id,
                advice_request_id=request.id,
            )
            created.add(document.id)
        if document.id not in {d.id for d in stored}:
            stored.append(document)
    return stored, created


def _by(user: Principal) -> str:
    """Whose act the audit line records: the agency's answer, or a caseworker's command on its behalf."""
    return "agency" if user.role == "agency" else "command"


def derived_key(
    *, case_id: uuid.UUID, advice_id: str, received_on: date, files: list[str], summary: str, reason: str = ""
) -> str:
    """The key of a submission sent without an Idempotency-Key: the same files (their SHA-256), date,
    summary and reason for the same request make the same key, so a retried upload is applied once; the
    same advice sent to two requests is two answers, each with its own key; and one refused for want of a
    reason, sent again with it, is a new request (keys made before reasons were asked stay as they were)."""
    material = "|".join([str(case_id), advice_id, received_on.isoformat(), summary, *files])
    material += f"|reason={reason}" if reason else ""
    return f"advice-{hashlib.sha256(material.encode()).hexdigest()[:32]}"


async def _found(*, session: AsyncSession, request: AdviceRequest, files: list[str]) -> list[Document]:
    """The documents an applied submission stored, by SHA-256 (nothing stored anew)."""
    found = [await find_document(session=session, case_id=request.case_id, sha256=digest) for digest in files]
    return [document for document in found if document is not None]


async def submit_advice(
    *,
    session: AsyncSession,
    client: Client,
    user: Principal,
    case_id: uuid.UUID,
    advice_id: str,
    received_on: date,
    summary: str,
    uploads: list[Upload],
    idempotency_key: CommandKey,
    reason: str = "",
    deadline: timedelta = DEFAULT_DEADLINE,
) -> AdviceReceipt:
    """Record the key, store and commit the documents, then give the advice to the request's workflow; if
    it refuses, delete the documents this call created. A retry of advice already taken is answered with
    the request as it now stands. From an agency, its own answer; from a caseworker, advice that came by
    post or email, with the reason when it is dated before today (the workflow refuses it without)."""
    request = await _request_for(session=session, user=user, case_id=case_id, advice_id=advice_id)
    files = sorted({hashlib.sha256(upload.content).hexdigest() for upload in uploads})
    body = {"received_on": received_on.isoformat(), "summary": summary, "files": files}
    if reason:
        body["reason"] = reason
    if idempotency_key.key is None:
        idempotency_key = idempotency_key.with_key(
            derived_key(
                case_id=case_id,
                advice_id=advice_id,
                received_on=received_on,
                files=files,
                summary=summary,
                reason=reason,
            )
        )
    key = await record_key(
        session=session, user=user, key=idempotency_key, body_sha256=fingerprint(body), case_id=case_id
    )
    # Read again: recording the key may have rolled back a locked try, which leaves the row read before
    # it expired, and reloading it then fails outside the database's context (an HTTP 500 in the fault
    # run, under a database lock).
    request = await _request_for(session=session, user=user, case_id=case_id, advice_id=advice_id)
    workflow_id = advice_workflow_id(case_id, advice_id)
    if key.applied:
        # Taken by an earlier try: answered as the request now stands, nothing stored or sent again.
        now = await query_workflow(
            client=client, workflow_id=workflow_id, result_type=AdviceState, deadline=deadline
        )
        return AdviceReceipt(
            case_id=case_id,
            advice_id=advice_id,
            status=now.status if now is not None else request.status,
            received_on=now.received_on if now is not None else request.received_on,
            documents=[
                DocumentRead.model_validate(d)
                for d in await _found(session=session, request=request, files=files)
            ],
        )
    documents, created = await _store(session=session, user=user, request=request, uploads=uploads)
    # Committed before the update: SQLite's one write lock must not wait on Temporal.
    await session.commit()
    try:
        state = await run_update(
            client=client,
            workflow_id=workflow_id,
            command=SubmitAdvice(
                actor=user.actor(),
                received_on=received_on,
                document_ids=[d.id for d in documents],
                summary=summary,
                reason=reason,
            ),
            update_id=key.update_id,
            result_type=AdviceState,
            missing=Missing(
                unknown=f"no advice request '{advice_id}' on case {case_id}",
                closed=(
                    f"advice request '{advice_id}' on case {case_id} is closed (answered, or the request "
                    "was withdrawn or decided without it): it takes no more advice"
                ),
            ),
            deadline=deadline,
        )
    except ApiError as error:
        if not isinstance(error, TimedOut):
            # Refused: the workflow holds none of these ids, so what this call stored goes (committed
            # with the audit line below). A timeout may still be applied, with these ids: they stay,
            # and a retry finds them by SHA-256.
            await delete_documents(session=session, document_ids=created)
        await audit(
            session=session,
            user=user,
            action=f"{_by(user)}.{SubmitAdvice.update_name}.refused",
            case_id=case_id,
            update_id=key.update_id,
            detail={"advice_id": advice_id, "status": error.status_code},
        )
        raise
    sent = [DocumentRead.model_validate(d) for d in documents]  # before the audit line may roll back
    await audit(
        session=session,
        user=user,
        action=f"{_by(user)}.{SubmitAdvice.update_name}",
        case_id=case_id,
        update_id=key.update_id,
        detail={"advice_id": advice_id, "documents": [str(d.id) for d in sent]}
        | ({"received_on": received_on.isoformat(), "reason": reason} if user.role != "agency" else {}),
        with_line=key.mark_applied,
    )
    return AdviceReceipt(
        case_id=case_id,
        advice_id=advice_id,
        status=state.status,
        received_on=state.received_on,
        documents=sent,
    )
