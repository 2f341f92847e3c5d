"""The real worker (every activity real: records, read model, outbox) on the time-skipping server, over
SQLite and PostgreSQL: a case from request to final plan leaves the records the law and the managers need.
"""

from __future__ import annotations

import sys
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from temporalio.client import WithStartWorkflowOperation
from temporalio.common import WorkflowIDConflictPolicy
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from core.settings import Settings
from core.temporal import register_search_attributes, wait_for_workflow
from db.agencies import create_agency
from db.cases import get_case, list_case_deadlines
from db.deadlines import list_overdue_steps
from db.models import AuditEntry, Decision, OutboxMessage
from db.users import create_user
from notify.templates import long_date
from worker.main import running_worker
from workflows.advice.messages import SubmitAdvice
from workflows.advice.workflow import AdviceRequestWorkflow
from workflows.assessment.messages import (
    AssessmentStart,
    DecideAssessment,
    DecideIssue,
    IssueFinalPlan,
    ServeDraft,
)
from workflows.assessment.workflow import AssessmentWorkflow
from workflows.common.ids import advice_workflow_id, assessment_workflow_id
from workflows.common.messages import Actor, AdviceSpec, ChildRecord, ContactRecord, Stage

from ..conftest import Database

TEST_SERVER = Path(sys.executable).parent / "temporal-test-server"
KINDS = {
    "parent": "other",
    "educational": "school",
    "medical": "health",
    "psychological": "educational_psychology",
    "social_care": "social_care",
}


async def test_a_case_leaves_its_records_and_read_model(database: Database, tmp_path: Path) -> None:
    settings = Settings(
        database_url=database.url, task_queue=f"tq-{uuid.uuid4()}", outbox_dir=str(tmp_path / "outbox")
    )
    async with database.sessions.begin() as session:
        agencies = {
            advice: (
                await create_agency(
                    session=session, name=f"{kind} service", kind=kind, email=f"{kind}@example.org"
                )
            ).id
            for advice, kind in KINDS.items()
        }
        user, _ = await create_user(
            session=session, username="cw", display_name="Case Worker", role="caseworker"
        )
        agency_users = {
            advice: (
                await create_user(
                    session=session,
                    username=f"a-{advice}",
                    display_name=advice,
                    role="agency",
                    agency_id=agency_id,
                )
            )[0]
            for advice, agency_id in agencies.items()
        }
    caseworker = Actor(actor_id=user.id, role="caseworker")

    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=str(TEST_SERVER), data_converter=pydantic_data_converter
    )
    async with env:
        await register_search_attributes(env.client)
        async with running_worker(settings, client=env.client):
            today = (await env.get_current_time()).date()
            start = AssessmentStart(
                case_id=uuid.uuid4(),
                la_code="999",
                received_on=today,
                source="parent",
                child=ChildRecord(
                    given_name="Ada", family_name="Example", date_of_birth=today.replace(year=today.year - 9)
                ),
                contacts=[
                    ContactRecord(
                        name="Parent",
                        relationship="mother",
                        email="parent@example.org",
                        parental_responsibility=True,
                    )
                ],
                caseworker_id=user.id,
            )
            operation = WithStartWorkflowOperation(
                AssessmentWorkflow.run,
                start,
                id=assessment_workflow_id(start.case_id),
                id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
                task_queue=settings.task_queue,
            )
            await env.client.execute_update_with_start_workflow(
                AssessmentWorkflow.acknowledge_request, start_workflow_operation=operation, id="create-1"
            )
            handle = await operation.workflow_handle()
            advice = [
                AdviceSpec(advice_id=kind.replace("_", "-"), advice=kind, agency_id=agencies[kind])  # type: ignore[arg-type]
                for kind in KINDS
            ]
            await handle.execute_update(
                AssessmentWorkflow.decide_assessment,
                DecideAssessment(actor=caseworker, outcome="assess", decided_on=today, advice=advice),
                id="decide-1",
            )
            for spec in advice:
                owner = agency_users[spec.advice]
                await wait_for_workflow(env.client, advice_workflow_id(start.case_id, spec.advice_id))
                await env.client.get_workflow_handle_for(
                    AdviceRequestWorkflow.run, advice_workflow_id(start.case_id, spec.advice_id)
                ).execute_update(
                    AdviceRequestWorkflow.submit_advice,
                    SubmitAdvice(
                        actor=Actor(actor_id=owner.id, role="agency", agency_id=owner.agency_id),
                        received_on=today,
                    ),
                )
            for _ in range(20):
                if (await handle.query(AssessmentWorkflow.state)).stage is Stage.DECIDING_WHETHER_TO_ISSUE:
                    break
                await env.sleep(timedelta(seconds=1))
            await handle.execute_update(
                AssessmentWorkflow.decide_issue,
                DecideIssue(actor=caseworker, outcome="issue", decided_on=today),
            )
            await handle.execute_update(
                AssessmentWorkflow.serve_draft, ServeDraft(actor=caseworker, served_on=today)
            )
            await env.sleep(timedelta(days=15))
            issued = (await env.get_current_time()).date()
            await handle.execute_update(
                AssessmentWorkflow.issue_final_plan, IssueFinalPlan(actor=caseworker, issued_on=issued)
            )
            final = await handle.result()
            assert final.stage is Stage.FINAL_ISSUED
            await env.sleep(timedelta(seconds=2))  # the plan's workflow writes its first projection

    async with database.sessions() as session:
        case = await get_case(session=session, case_id=start.case_id)
        assert case is not None
        assert case.final_issued_on == issued
        assert case.stage == Stage.PLAN_MAINTAINED.value
        rows = {
            (d.deadline, d.key): d for d in await list_case_deadlines(session=session, case_id=start.case_id)
        }
        assert rows[("decision_to_assess", "")].status == "met"
        assert rows[("final_plan", "")].met_on == issued
        assert rows[("advice", "medical")].agency_id == agencies["medical"]
        assert rows[("review_due", "")].due == issued.replace(year=issued.year + 1) - timedelta(days=1)
        decisions = (
            await session.execute(select(Decision.kind).where(Decision.case_id == start.case_id))
        ).scalars()
        assert sorted(decisions) == sorted(
            ["decision_to_assess", "decision_to_issue", "draft_served", "final_issued"]
        )
        audited = await session.scalar(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.case_id == start.case_id)
        )
        assert audited is not None
        assert audited >= 5
        outbox: list[Any] = list((await session.execute(select(OutboxMessage))).scalars())
        page = await list_overdue_steps(session=session, as_of=issued)
        assert page.steps == ()
    templates = {m.template for m in outbox}
    assert {"request_received", "advice_request", "draft_served", "decision_plan_content"} <= templates
    assert all(m.status == "delivered" for m in outbox)
    plan = next(m for m in outbox if m.template == "decision_plan_content")  # the final plan: appealable
    assert plan.recipient_address == "parent@example.org"
    assert f"The last day to appeal is {long_date(rows[('appeal', 'plan_content')].due)}" in plan.body
    draft = next(m for m in outbox if m.template == "draft_served")
    assert draft.recipient_address == "parent@example.org"
    assert "15 days" in draft.body
    assert "Ada" not in draft.subject
    # Every notice names the case by its reference, as its page shows it: never an advice request's own
    # workflow id (advice-<case>-<hash>), which means nothing to the agency or parent told.
    assert all(case.workflow_id in m.subject for m in outbox), [m.subject for m in outbox]
    assert not [m.subject for m in outbox if "advice-" in m.subject]
    request = next(
        m for m in outbox if m.template == "advice_request" and m.recipient_address == "health@example.org"
    )
    assert "reg 8(1)" in request.body
    assert len(list((tmp_path / "outbox").iterdir())) == len(outbox)
