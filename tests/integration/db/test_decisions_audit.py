"""Decisions and the audit log are written once per Temporal update, however often an activity retries."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.audit import append_audit, list_audit_for_case
from db.decisions import list_decisions, record_decision
from db.models import Decision

from ..conftest import Database
from .factories import a_case, a_caseworker, a_deadline, project


async def test_a_decision_is_recorded_once_per_update_id(session: AsyncSession) -> None:
    actor = await a_caseworker(session)
    case = await a_case(session)
    await project(session, case, [a_deadline("decision_to_assess", date(2025, 2, 17))])
    first = await record_decision(
        session=session,
        update_id="upd-1",
        case_id=case.id,
        kind="decision_to_assess",
        outcome="assess",
        decided_on=date(2025, 2, 10),
        actor_id=actor.id,
        reasons="Evidence of SEN; panel agreed.",
    )
    again = await record_decision(
        session=session,
        update_id="upd-1",
        case_id=case.id,
        kind="decision_to_assess",
        outcome="refuse",
        decided_on=date(2025, 2, 11),
        actor_id=actor.id,
    )
    assert again.id == first.id
    assert (again.outcome, again.decided_on) == ("assess", date(2025, 2, 10))
    assert (await session.execute(select(func.count()).select_from(Decision))).scalar_one() == 1
    other = await record_decision(
        session=session,
        update_id="upd-2",
        case_id=case.id,
        kind="decision_to_issue",
        outcome="issue",
        decided_on=date(2025, 4, 1),
        actor_id=actor.id,
    )
    assert [d.id for d in await list_decisions(session=session, case_id=case.id)] == [first.id, other.id]


async def test_a_retry_after_commit_writes_nothing_new(database: Database) -> None:
    async def decide_and_audit() -> None:
        async with database.sessions() as session, session.begin():
            await record_decision(
                session=session,
                update_id="upd-9",
                case_id=case.id,
                kind="exception_approval",
                outcome="approved",
                decided_on=date(2025, 5, 1),
                actor_id=actor_id,
            )
            await append_audit(
                session=session,
                action="exception.approved",
                actor_id=actor_id,
                case_id=case.id,
                update_id="upd-9",
                detail={"deadline": "final_plan"},
            )

    async with database.sessions() as session, session.begin():
        actor_id = (await a_caseworker(session)).id
        case = await a_case(session)
        await project(session, case, [])
    await decide_and_audit()
    await decide_and_audit()
    async with database.sessions() as session:
        assert len(await list_decisions(session=session, case_id=case.id)) == 1
        entries = await list_audit_for_case(session=session, case_id=case.id)
        assert [(e.action, e.update_id, e.detail) for e in entries] == [
            ("exception.approved", "upd-9", {"deadline": "final_plan"})
        ]


async def test_entries_without_an_update_id_always_append(session: AsyncSession) -> None:
    case = await a_case(session)
    for _ in range(2):
        await append_audit(
            session=session,
            action="advice.viewed",
            actor_id=None,
            case_id=case.id,
            update_id=None,
            detail={"advice_id": "health"},
        )
    entries = await list_audit_for_case(session=session, case_id=case.id)
    assert len(entries) == 2
    assert entries[0].id < entries[1].id
