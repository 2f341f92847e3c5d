"""Activities that write the case records and the read model (docs/architecture.md: SQL holds the records
that must outlive Temporal's retention). Each is idempotent: by case id, by state version, by update id.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio import activity
from temporalio.exceptions import ApplicationError

import db.advice
import db.cases
from activities.failures import final_failures
from db.audit import append_audit
from db.children import add_contact, create_child
from db.decisions import record_decision
from statute.catalogue import CATALOGUE
from statute.model import Deadline, ExceptionVerdict
from workflows.assessment.messages import CaseRecord
from workflows.common.messages import ActivityName, DeadlineView, Stage
from workflows.common.records import (
    AdviceReceivedRecord,
    AdviceRequestRecord,
    AdviceWithdrawnRecord,
    CaseProjection,
    DecisionRecord,
)


def as_deadline(view: DeadlineView) -> Deadline:
    """The workflow's view of a deadline as the statute engine's type, which the read model stores."""
    exception = None
    if view.exception_kind is not None:
        exception = ExceptionVerdict(
            deadline=view.deadline,
            kind=view.exception_kind,
            accepted=bool(view.exception_accepted),
            reason="",
            claimed=view.from_date,
            advice_id=view.id if view.deadline == "advice" else None,
        )
    return Deadline(
        view.deadline,
        view.id,
        view.due,
        view.practical_due,
        view.rule,
        view.statutory,
        CATALOGUE[view.deadline].window,
        view.from_event,
        view.from_date,
        view.met_on,
        view.status,
        exception,
    )


class RecordActivities:
    """Writes to SQL, one transaction per activity."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    @activity.defn(name=ActivityName.RECORD_CASE)
    @final_failures
    async def record_case(self, record: CaseRecord) -> None:
        """The case, the child and the family as first recorded; nothing on a retry."""
        start = record.start
        async with self._sessions.begin() as session:
            if await db.cases.get_case(session=session, case_id=record.case_id) is not None:
                return
            child = await create_child(session=session, **start.child.model_dump())
            for contact in start.contacts:
                await add_contact(session=session, child_id=child.id, **contact.model_dump())
            source = "brought_to_attention" if start.brought_to_attention else (start.source or "other")
            await db.cases.project_case(
                session=session,
                case=db.cases.CaseProjection(
                    id=record.case_id,
                    workflow_id=record.workflow_id,
                    la_code=start.la_code,
                    child_id=child.id,
                    received_on=start.received_on,
                    request_source=source,
                    stage=Stage.AWAITING_DECISION_TO_ASSESS.value,
                    caseworker_id=start.caseworker_id,
                ),
                deadlines=[],
                agency_by_advice_id={},
                state_version=0,
            )
            await append_audit(
                session=session,
                action="case.recorded",
                actor_id=start.actor_id,
                case_id=record.case_id,
                update_id=None,
                detail={"workflow_id": record.workflow_id}
                | ({"imported_on": start.imported.imported_on.isoformat()} if start.imported else {}),
            )


async def write_projection(session: AsyncSession, projection: CaseProjection) -> bool:
    """Write the read model in the caller's transaction; False when a newer version is already there."""
    case = await db.cases.get_case(session=session, case_id=projection.case_id)
    if case is None:
        raise ApplicationError(f"case {projection.case_id} is not recorded yet; record_case runs first")
    return await db.cases.project_case(
        session=session,
        case=db.cases.CaseProjection(
            id=projection.case_id,
            workflow_id=projection.workflow_id,
            la_code=projection.la_code,
            child_id=case.child_id,
            received_on=case.received_on,
            request_source=case.request_source,
            stage=projection.stage.value,
            caseworker_id=projection.caseworker_id,
            closed_on=projection.closed_on,
            final_issued_on=projection.final_issued_on,
            week20_exception=projection.week20_exception,
        ),
        deadlines=[as_deadline(d) for d in projection.deadlines],
        agency_by_advice_id=projection.agency_by_advice_id,
        state_version=projection.state_version,
        replace_from=projection.replace_from,
    )


async def write_decision(session: AsyncSession, decision: DecisionRecord) -> None:
    """Record a decision and its audit line in the caller's transaction, once per update id."""
    await record_decision(
        session=session,
        update_id=decision.update_id,
        case_id=decision.case_id,
        kind=decision.kind,
        outcome=decision.outcome,
        decided_on=decision.decided_on,
        actor_id=decision.actor_id,
        reasons=decision.reasons,
        detail=decision.detail,
    )
    await append_audit(
        session=session,
        action=f"decision.{decision.kind}",
        actor_id=decision.actor_id,
        case_id=decision.case_id,
        update_id=decision.update_id,
        detail={"outcome": decision.outcome, "decided_on": decision.decided_on.isoformat()}
        | {k: v for k, v in decision.detail.items() if k == "imported_on"},
    )


async def write_advice_request(session: AsyncSession, record: AdviceRequestRecord) -> None:
    """Record a sent advice request in the caller's transaction, once per (case, advice id)."""
    advice = record.advice
    await db.advice.record_advice_request(
        session=session,
        case_id=record.case_id,
        advice_id=advice.advice_id,
        kind=advice.advice,
        agency_id=advice.agency_id,
        requested_on=record.requested_on,
        received_by_body_on=advice.received_by_body or record.requested_on,
        due_on=record.due,
    )


async def write_advice_withdrawn(session: AsyncSession, record: AdviceWithdrawnRecord) -> None:
    """Record the request as no longer owed, in the caller's transaction (received advice stays so)."""
    await db.advice.record_advice_withdrawn(
        session=session, case_id=record.case_id, advice_id=record.advice_id
    )


async def write_advice_received(session: AsyncSession, record: AdviceReceivedRecord) -> None:
    """Record the advice as received in the caller's transaction; the first receipt's date stands."""
    await db.advice.record_advice_received(
        session=session, case_id=record.case_id, advice_id=record.advice_id, received_on=record.received_on
    )
