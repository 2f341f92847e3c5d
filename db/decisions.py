"""Decisions with their maker: to assess, to issue, to approve an exception (the panel's minutes)."""

from __future__ import annotations

import functools
import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from db._sql import dialect_insert
from db.base import new_id, utcnow
from db.models import Case, Child, Decision


async def record_decision(
    *,
    session: AsyncSession,
    update_id: str,
    case_id: uuid.UUID,
    kind: str,
    outcome: str,
    decided_on: date,
    actor_id: uuid.UUID,
    reasons: str = "",
    detail: dict[str, str] | None = None,
) -> Decision:
    """Record a decision once per Temporal update id: a second call with the same `update_id` writes
    nothing and returns the decision already recorded (even if its other arguments differ)."""
    stmt = (
        dialect_insert(session, Decision)
        .values(
            id=new_id(),
            update_id=update_id,
            case_id=case_id,
            kind=kind,
            outcome=outcome,
            decided_on=decided_on,
            actor_id=actor_id,
            reasons=reasons,
            detail=detail or {},
            recorded_at=utcnow(),
        )
        .on_conflict_do_nothing()
    )
    await session.execute(stmt)
    return (await session.execute(select(Decision).where(Decision.update_id == update_id))).scalar_one()


async def list_decisions(*, session: AsyncSession, case_id: uuid.UUID) -> list[Decision]:
    stmt = (
        select(Decision)
        .where(Decision.case_id == case_id)
        .order_by(Decision.decided_on, Decision.recorded_at)
    )
    return list((await session.execute(stmt)).scalars())


# The stages of an assessment whose workflow still takes commands: a claim on any other cannot be approved.
ASSESSING = (
    "awaiting_decision_to_assess",
    "gathering_advice",
    "deciding_whether_to_issue",
    "drafting",
    "draft_served",
)


@dataclass(frozen=True, slots=True)
class WaitingClaim:
    """An exception the statute accepted and no manager has approved yet, on an open case."""

    case_id: uuid.UUID
    claim_id: str
    deadline: str
    kind: str
    claimed_on: date
    claimed_by: uuid.UUID
    reason: str
    given_name: str
    family_name: str


@functools.lru_cache(maxsize=8)
def _waiting_claims(limit: int) -> tuple[Select[int], Select[Decision, str, str]]:
    """How many claims wait, and the first `limit` of them: built once, as making them anew took longer
    than the database took to answer them (the dashboard asks on every visit)."""
    approval = aliased(Decision)
    approved = (
        select(approval.id)
        .where(
            approval.case_id == Decision.case_id,
            approval.kind.like("exception_approval:%"),
            approval.detail["claim_id"].as_string() == Decision.update_id,
        )
        .exists()
    )
    waiting = (
        select(Decision, Child.given_name, Child.family_name)
        .join(Case, Case.id == Decision.case_id)
        .join(Child, Child.id == Case.child_id)
        .where(
            Decision.kind.like("exception_claim:%"),
            Decision.detail["accepted"].as_string() == "yes",
            Case.stage.in_(ASSESSING),
            ~approved,
        )
    )
    total = select(func.count()).select_from(waiting.subquery())
    return total, waiting.order_by(Decision.decided_on, Decision.recorded_at).limit(limit)


async def claims_awaiting_approval(
    *, session: AsyncSession, limit: int = 50
) -> tuple[list[WaitingClaim], int]:
    """The claims waiting for a manager, oldest first (at most `limit`), and how many there are: a claim is
    its decision (`exception_claim:<deadline>`, its update id the claim's id, `detail.accepted`), and an
    approval names the claim it approves (`detail.claim_id`). Claims recorded before the decisions kept
    their detail (migration 0007) are not listed: their cases' pages show them."""
    total_of, first = _waiting_claims(limit)
    total = (await session.execute(total_of)).scalar_one()
    rows = await session.execute(first)
    return [
        WaitingClaim(
            case_id=claim.case_id,
            claim_id=claim.update_id,
            deadline=claim.kind.removeprefix("exception_claim:"),
            kind=claim.outcome,
            claimed_on=claim.decided_on,
            claimed_by=claim.actor_id,
            reason=claim.reasons,
            given_name=given,
            family_name=family,
        )
        for claim, given, family in rows
    ], total
