"""Uploaded documents (advice, drafts, final plans), stored with their size and SHA-256.

A case keeps one copy of any given bytes: `add_document` returns the document already stored on the
case with the same SHA-256 rather than a second copy, so a retried or doubled upload is stored once.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Collection

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import defer

from db.models import Document


async def find_document(*, session: AsyncSession, case_id: uuid.UUID, sha256: str) -> Document | None:
    """The document stored on this case with these bytes (the first stored, if ever there were two)."""
    stmt = (
        select(Document)
        .where(Document.case_id == case_id, Document.sha256 == sha256)
        .order_by(Document.uploaded_at, Document.id)
        .limit(1)
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def add_document(
    *,
    session: AsyncSession,
    case_id: uuid.UUID,
    filename: str,
    content_type: str,
    content: bytes,
    uploaded_by: uuid.UUID,
    advice_request_id: uuid.UUID | None = None,
) -> Document:
    """Store `content` on the case, or return the document that already holds these bytes (unchanged:
    its filename, uploader and advice request stay those of the first upload). Flushed, not committed."""
    sha256 = hashlib.sha256(content).hexdigest()
    existing = await find_document(session=session, case_id=case_id, sha256=sha256)
    if existing is not None:
        return existing
    document = Document(
        case_id=case_id,
        advice_request_id=advice_request_id,
        filename=filename,
        content_type=content_type,
        size_bytes=len(content),
        sha256=sha256,
        content=content,
        uploaded_by=uploaded_by,
    )
    session.add(document)
    await session.flush()
    return document


async def get_document(*, session: AsyncSession, document_id: uuid.UUID) -> Document | None:
    return await session.get(Document, document_id)


async def delete_documents(*, session: AsyncSession, document_ids: Collection[uuid.UUID]) -> int:
    """Delete these documents (ids not stored are ignored); returns how many were deleted. Flushed, not
    committed."""
    if not document_ids:
        return 0
    stmt = delete(Document).where(Document.id.in_(list(document_ids))).returning(Document.id)
    return len((await session.execute(stmt)).all())


async def list_request_documents(*, session: AsyncSession, advice_request_id: uuid.UUID) -> list[Document]:
    """The documents sent in answer to one advice request, oldest first, without their content."""
    stmt = (
        select(Document)
        .where(Document.advice_request_id == advice_request_id)
        .order_by(Document.uploaded_at, Document.filename)
        .options(defer(Document.content))
    )
    return list((await session.execute(stmt)).scalars())
