"""Documents a caseworker attaches to a case that are not an agency's advice: the evidence an exception
claim rests on (a clinic's letter, a school's closure notice), named in the claim by id (issue 11 s.4)."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from api.deps import Principal
from api.errors import NotFound
from api.schemas.advice import DocumentRead
from api.services.audit import audit
from api.services.uploads import Upload
from db.cases import get_case
from db.documents import add_document


async def attach_documents(
    *, session: AsyncSession, user: Principal, case_id: uuid.UUID, uploads: list[Upload]
) -> list[DocumentRead]:
    """Store each upload on the case (the same bytes again are the document already held) and audit it;
    404 for a case the read model does not hold."""
    if await get_case(session=session, case_id=case_id) is None:
        raise NotFound(f"no case {case_id}")
    documents: list[DocumentRead] = []
    for upload in uploads:
        document = await add_document(
            session=session,
            case_id=case_id,
            filename=upload.filename,
            content_type=upload.content_type,
            content=upload.content,
            uploaded_by=user.id,
        )
        if document.id not in {d.id for d in documents}:
            documents.append(DocumentRead.model_validate(document))
    await audit(
        session=session,
        user=user,
        action="documents.attached",
        case_id=case_id,
        detail={"documents": [str(d.id) for d in documents]},
    )
    return documents
