"""Documents: one copy of any bytes per case (by SHA-256), found by digest, deleted by id."""

from __future__ import annotations

import hashlib
import uuid
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.advice import record_advice_request
from db.cases import CaseProjection
from db.documents import add_document, delete_documents, find_document, get_document
from db.models import Document

from ..conftest import Database
from .factories import a_case, a_caseworker, an_agency, project

PDF = b"%PDF-1.7 advice" * 1000


async def _stored_case(session: AsyncSession) -> CaseProjection:
    case = await a_case(session)
    await project(session, case, [])
    return case


async def _add(
    session: AsyncSession,
    case_id: uuid.UUID,
    uploader: uuid.UUID,
    *,
    content: bytes = PDF,
    filename: str = "advice.pdf",
    advice_request_id: uuid.UUID | None = None,
) -> Document:
    return await add_document(
        session=session,
        case_id=case_id,
        filename=filename,
        content_type="application/pdf",
        content=content,
        uploaded_by=uploader,
        advice_request_id=advice_request_id,
    )


async def _count(session: AsyncSession) -> int:
    return int((await session.execute(select(func.count()).select_from(Document))).scalar_one())


async def test_a_document_keeps_its_size_and_digest(session: AsyncSession) -> None:
    agency = await an_agency(session)
    uploader = await a_caseworker(session)
    case = await _stored_case(session)
    request = await record_advice_request(
        session=session,
        case_id=case.id,
        advice_id="health",
        kind="medical",
        agency_id=agency.id,
        requested_on=date(2025, 3, 10),
        received_by_body_on=date(2025, 3, 10),
        due_on=date(2025, 4, 21),
    )
    document = await _add(
        session, case.id, uploader.id, filename="health-advice.pdf", advice_request_id=request.id
    )
    session.expunge_all()
    stored = await get_document(session=session, document_id=document.id)
    assert stored is not None
    assert (stored.size_bytes, stored.content, stored.advice_request_id) == (len(PDF), PDF, request.id)
    assert stored.sha256 == hashlib.sha256(PDF).hexdigest()


async def test_the_same_bytes_on_a_case_are_stored_once(session: AsyncSession) -> None:
    uploader, other_uploader = await a_caseworker(session), await a_caseworker(session)
    case = await _stored_case(session)
    first = await _add(session, case.id, uploader.id, filename="first.pdf")
    again = await _add(session, case.id, other_uploader.id, filename="renamed.pdf")
    assert again.id == first.id
    session.expunge_all()
    stored = await get_document(session=session, document_id=first.id)
    assert stored is not None
    assert (stored.filename, stored.uploaded_by) == ("first.pdf", uploader.id)  # the first upload stands
    assert await _count(session) == 1

    different = await _add(session, case.id, uploader.id, content=PDF + b"%v2\n")
    assert different.id != first.id
    assert await _count(session) == 2


async def test_the_same_bytes_on_another_case_are_another_document(session: AsyncSession) -> None:
    uploader = await a_caseworker(session)
    one, other = await _stored_case(session), await _stored_case(session)
    on_one = await _add(session, one.id, uploader.id)
    on_other = await _add(session, other.id, uploader.id)
    assert on_one.id != on_other.id
    assert (on_one.case_id, on_other.case_id) == (one.id, other.id)


async def test_a_document_committed_earlier_is_returned_not_copied(database: Database) -> None:
    async with database.sessions() as session, session.begin():
        uploader = await a_caseworker(session)
        case = await _stored_case(session)
        first = await _add(session, case.id, uploader.id)
    async with database.sessions() as session, session.begin():
        again = await _add(session, case.id, uploader.id)
    assert again.id == first.id
    async with database.sessions() as session:
        assert await _count(session) == 1


async def test_find_document_matches_case_and_digest(session: AsyncSession) -> None:
    uploader = await a_caseworker(session)
    case, other = await _stored_case(session), await _stored_case(session)
    digest = hashlib.sha256(PDF).hexdigest()
    assert await find_document(session=session, case_id=case.id, sha256=digest) is None

    document = await _add(session, case.id, uploader.id)
    found = await find_document(session=session, case_id=case.id, sha256=digest)
    assert found is not None
    assert found.id == document.id
    assert await find_document(session=session, case_id=other.id, sha256=digest) is None
    assert await find_document(session=session, case_id=case.id, sha256="0" * 64) is None


async def test_delete_documents_deletes_only_those_named(database: Database) -> None:
    async with database.sessions() as session, session.begin():
        uploader = await a_caseworker(session)
        case = await _stored_case(session)
        keep = await _add(session, case.id, uploader.id, content=PDF + b"keep")
        drop = [await _add(session, case.id, uploader.id, content=PDF + bytes([n])) for n in range(2)]
    async with database.sessions() as session, session.begin():
        deleted = await delete_documents(session=session, document_ids=[d.id for d in drop] + [uuid.uuid4()])
        assert deleted == 2
        assert await delete_documents(session=session, document_ids=[]) == 0
    async with database.sessions() as session:
        remaining = list((await session.execute(select(Document.id))).scalars())
        assert remaining == [keep.id]
        digest = hashlib.sha256(PDF + b"\x00").hexdigest()
        assert await find_document(session=session, case_id=case.id, sha256=digest) is None


async def test_a_deleted_document_can_be_stored_again(session: AsyncSession) -> None:
    uploader = await a_caseworker(session)
    case = await _stored_case(session)
    first = await _add(session, case.id, uploader.id)
    assert await delete_documents(session=session, document_ids={first.id}) == 1
    assert await get_document(session=session, document_id=first.id) is None
    again = await _add(session, case.id, uploader.id)
    assert again.id != first.id
    assert await _count(session) == 1
