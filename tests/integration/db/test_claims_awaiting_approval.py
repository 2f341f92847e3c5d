"""The exceptions waiting for a manager, from the read model (db/decisions.py, migration 0007): a claim the
statute accepted, on a case still being assessed, that no approval names."""

from __future__ import annotations

from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from db.decisions import claims_awaiting_approval, record_decision

from .factories import a_case, a_caseworker, project


async def test_only_accepted_unapproved_claims_on_open_cases_wait(session: AsyncSession) -> None:
    actor = await a_caseworker(session)
    open_case = await a_case(session, stage="gathering_advice")
    other_case = await a_case(session, stage="drafting")
    finished = await a_case(session, stage="final_issued")
    for case in (open_case, other_case, finished):
        await project(session, case, [])

    async def claim(
        case_id: object, claim_id: str, accepted: str, on: date, deadline: str = "final_plan"
    ) -> None:
        await record_decision(
            session=session,
            update_id=claim_id,
            case_id=case_id,  # type: ignore[arg-type]
            kind=f"exception_claim:{deadline}",
            outcome="absence",
            decided_on=on,
            actor_id=actor.id,
            reasons="accepted: the absence fell in the 20 weeks",
            detail={"accepted": accepted},
        )

    await claim(open_case.id, "claim-a", "yes", date(2025, 3, 2))
    await claim(open_case.id, "claim-b", "yes", date(2025, 3, 1), deadline="advice")
    await claim(open_case.id, "claim-refused", "no", date(2025, 3, 1))
    await claim(other_case.id, "claim-approved", "yes", date(2025, 2, 1))
    await claim(finished.id, "claim-too-late", "yes", date(2025, 2, 1))
    await record_decision(
        session=session,
        update_id="approval-1",
        case_id=other_case.id,
        kind="exception_approval:final_plan",
        outcome="absence",
        decided_on=date(2025, 2, 3),
        actor_id=actor.id,
        detail={"claim_id": "claim-approved"},
    )
    await session.flush()

    waiting, total = await claims_awaiting_approval(session=session)
    assert total == 2
    assert [(w.claim_id, w.deadline, w.kind, w.claimed_on) for w in waiting] == [
        ("claim-b", "advice", "absence", date(2025, 3, 1)),
        ("claim-a", "final_plan", "absence", date(2025, 3, 2)),
    ]
    assert all(w.case_id == open_case.id and w.given_name for w in waiting)
    first, total = await claims_awaiting_approval(session=session, limit=1)
    assert (len(first), total) == (1, 2)
