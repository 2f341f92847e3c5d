"""A case's file as the case page shows it: its advice requests with the agency each went to, its
documents (without their content), the notices sent about it, the decisions recorded, and who did what
(the audit trail, with each person's name). One query each."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import defer

from db.models import AdviceRequest, Agency, AuditEntry, CaseDeadline, Decision, Document, OutboxMessage, User

# The case's file is read a page at a time no more than this: a case past it shows its newest.
LONGEST = 500


@dataclass(frozen=True, slots=True)
class AdviceLine:
    advice_id: str
    kind: str
    agency: str
    requested_on: date
    due_on: date
    received_on: date | None
    status: str


@dataclass(frozen=True, slots=True)
class Happening:
    """One line of the audit trail: when, who (their name; None for the service itself), and what."""

    at: datetime
    who: str | None
    action: str
    detail: dict[str, object]


async def case_advice(*, session: AsyncSession, case_id: uuid.UUID) -> list[AdviceLine]:
    stmt = (
        select(AdviceRequest, Agency.name)
        .join(Agency, Agency.id == AdviceRequest.agency_id)
        .where(AdviceRequest.case_id == case_id)
        .order_by(AdviceRequest.due_on, AdviceRequest.advice_id)
    )
    return [
        AdviceLine(
            advice_id=r.advice_id,
            kind=r.kind,
            agency=name,
            requested_on=r.requested_on,
            due_on=r.due_on,
            received_on=r.received_on,
            status=r.status,
        )
        for r, name in (await session.execute(stmt)).all()
    ]


async def case_documents(*, session: AsyncSession, case_id: uuid.UUID) -> list[Document]:
    stmt = (
        select(Document)
        .where(Document.case_id == case_id)
        .order_by(Document.uploaded_at, Document.filename)
        .options(defer(Document.content))
    )
    return list((await session.execute(stmt)).scalars())


async def case_notices(*, session: AsyncSession, case_id: uuid.UUID) -> list[OutboxMessage]:
    stmt = (
        select(OutboxMessage)
        .where(OutboxMessage.case_id == case_id)
        .order_by(OutboxMessage.created_at.desc())
        .limit(LONGEST)
    )
    return list((await session.execute(stmt)).scalars())


async def case_decisions(*, session: AsyncSession, case_id: uuid.UUID) -> list[tuple[Decision, str | None]]:
    stmt = (
        select(Decision, User.display_name)
        .outerjoin(User, User.id == Decision.actor_id)
        .where(Decision.case_id == case_id)
        .order_by(Decision.decided_on, Decision.recorded_at)
    )
    return [(d, name) for d, name in (await session.execute(stmt)).all()]


async def case_trail(*, session: AsyncSession, case_id: uuid.UUID) -> list[Happening]:
    stmt = (
        select(AuditEntry, User.display_name)
        .outerjoin(User, User.id == AuditEntry.actor_id)
        .where(AuditEntry.case_id == case_id)
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        .limit(LONGEST)
    )
    return [
        Happening(at=e.at, who=name, action=e.action, detail=dict(e.detail))
        for e, name in (await session.execute(stmt)).all()
    ]


async def next_steps(*, session: AsyncSession, case_ids: list[uuid.UUID]) -> dict[uuid.UUID, CaseDeadline]:
    """Each case's next step still owed (open or overdue, not met, not a family's window), soonest due
    first: one query for a page of cases."""
    if not case_ids:
        return {}
    stmt = (
        select(CaseDeadline)
        .where(
            CaseDeadline.case_id.in_(case_ids),
            CaseDeadline.met_on.is_(None),
            CaseDeadline.status.in_(("open", "overdue")),
            CaseDeadline.family_window.is_(False),
        )
        .order_by(CaseDeadline.case_id, CaseDeadline.due, CaseDeadline.deadline)
    )
    found: dict[uuid.UUID, CaseDeadline] = {}
    for step in (await session.execute(stmt)).scalars():
        found.setdefault(step.case_id, step)
    return found
