"""The agencies' models: the reg 6 advice requests sent to an agency, and the advice it sent back
(reg 8)."""

from __future__ import annotations

import uuid
from datetime import date

from pydantic import BaseModel, ConfigDict

from api.schemas.common import TODAY, ChildRead
from statute.events import AdviceKind


class AdviceRequestRead(BaseModel):
    """A reg 6 advice request sent to the caller's agency, due 6 weeks after it was received (reg 8(1)),
    and the child it is for."""

    model_config = ConfigDict(from_attributes=True)
    case_id: uuid.UUID
    advice_id: str
    kind: AdviceKind
    requested_on: date
    received_by_body_on: date
    due_on: date
    received_on: date | None
    status: str
    child: ChildRead


class AdviceRequestPage(BaseModel):
    items: list[AdviceRequestRead]
    next_after: str | None


class DocumentRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    filename: str
    content_type: str
    size_bytes: int
    sha256: str


class AdviceReceipt(BaseModel):
    """The agency's advice as the LA recorded it."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "case_id": "7d4f7f3a-93f4-5a7e-9f0e-1a2b3c4d5e6f",
                    "advice_id": "ep",
                    "status": "received",
                    "received_on": TODAY,
                    "documents": [
                        {
                            "id": "9a1b2c3d-4e5f-4a6b-8c7d-0e1f2a3b4c5d",
                            "filename": "ep-advice.pdf",
                            "content_type": "application/pdf",
                            "size_bytes": 182044,
                            "sha256": "3b1f...",
                        }
                    ],
                }
            ]
        }
    )
    case_id: uuid.UUID
    advice_id: str
    status: str
    received_on: date | None
    documents: list[DocumentRead]
