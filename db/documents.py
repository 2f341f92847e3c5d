"""Uploaded documents (advice, drafts, final plans), stored with their size and SHA-256."""

from __future__ import annotations

import hashlib
import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Document


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
    document = Document(
        case_id=case_id,
        advice_request_id=advice_request_id,
        filename=filename,
        content_type=content_type,
        size_bytes=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        content=content,
        uploaded_by=uploaded_by,
    )
    session.add(document)
    await session.flush()
    return document


async def get_document(*, session: AsyncSession, document_id: uuid.UUID) -> Document | None:
    return await session.get(Document, document_id)
