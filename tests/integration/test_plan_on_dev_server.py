"""`PlanWorkflow` on a dev server that suggests continue-as-new after a few dozen events (issue 4's lane):
the real worker and activities over SQLite and PostgreSQL. A long cycle (amendment after amendment, no
review) runs over several runs, each carrying the cycle's events exactly, and the read model the runs
write matches the statute engine over all the events.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from datetime import timedelta

import pytest

from activities.statute import timeline_for
from cli.timeline import today_in_england
from core.settings import Settings
from db.cases import get_case, list_case_deadlines, project_case
from statute.conventions import Conventions
from worker.main import running_worker
from workflows.common.deadlines import start_of
from workflows.common.ids import plan_workflow_id
from workflows.common.messages import Actor, StatuteEvent, TimelineRequest
from workflows.plan.messages import IssueAmendedPlan, PlanStart, PlanState, ProposeAmendments
from workflows.plan.workflow import PlanWorkflow

from .conftest import Database
from .db.factories import a_case, a_caseworker
from .test_dev_server import connected, running_dev_server

SUGGEST_AFTER_EVENTS = 60


@pytest.fixture(scope="module")
def short_history_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    var = tmp_path_factory.mktemp("temporal-short-history")
    limit = f"limit.historyCount.suggestContinueAsNew={SUGGEST_AFTER_EVENTS}"
    with running_dev_server(var, "--dynamic-config-value", limit) as address:
        yield address


async def projected(database: Database, state: PlanState) -> None:
    """Wait until the command's write has landed: a run continues as new only once its writes have."""
    for _ in range(200):
        async with database.sessions() as session:
            case = await get_case(session=session, case_id=state.case_id)
        if case is not None and case.state_version >= state.state_version:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"the plan's projection {state.state_version} never landed")


async def test_a_long_cycle_continues_as_new_when_suggested_carrying_its_events(
    short_history_server: str, database: Database, tmp_path: object
) -> None:
    settings = Settings(
        _env_file=None,
        temporal_address=short_history_server,
        database_url=database.url,
        task_queue=f"tq-{uuid.uuid4()}",
        outbox_dir=str(tmp_path),
        la_code="202",
    )
    client = await connected(settings)
    today = today_in_england()
    made = today - timedelta(days=700)
    async with database.sessions.begin() as session:
        caseworker = await a_caseworker(session)
        case = await a_case(
            session, received_on=made - timedelta(weeks=20), la_code="202", stage="final_issued"
        )
        await project_case(session=session, case=case, deadlines=[], agency_by_advice_id={}, state_version=1)
    actor = Actor(actor_id=caseworker.id, role="caseworker")
    start = PlanStart(
        case_id=case.id,
        assessment_workflow_id=case.workflow_id,
        la_code="202",
        made_on=made,
        events=[StatuteEvent(event="final_issued", date=made)],
        caseworker_id=caseworker.id,
        state_version=1,
    )
    async with running_worker(settings, client=client):
        handle = await client.start_workflow(
            PlanWorkflow.run, start, id=plan_workflow_id(case.id), task_queue=settings.task_queue
        )
        await handle.execute_update(PlanWorkflow.acknowledge)
        answered: list[PlanState] = []
        day = made
        for _ in range(8):  # amendments outside a review (reg 22): one cycle, a long history
            day += timedelta(days=20)
            notice = ProposeAmendments(actor=actor, served_on=day)
            answered.append(await handle.execute_update(PlanWorkflow.propose_amendments, notice))
            await projected(database, answered[-1])
            day += timedelta(days=16)
            issued = IssueAmendedPlan(actor=actor, issued_on=day)
            answered.append(await handle.execute_update(PlanWorkflow.issue_amended_plan, issued))
            await projected(database, answered[-1])
        state = await handle.query(PlanWorkflow.state)

        # Temporal suggested continue-as-new several times; every run served the same cycle.
        runs = {s.run_id for s in answered} | {state.run_id}
        assert len(runs) >= 3, f"expected several runs after {SUGGEST_AFTER_EVENTS}-event suggestions: {runs}"
        assert {s.cycle for s in answered} == {1}
        assert state.cycle == 1
        assert state.cycle_from == made
        # The last run carries every event of the cycle, in order.
        expected = [("final_issued", made)]
        day = made
        for _ in range(8):
            day += timedelta(days=20)
            expected.append(("amendment_notice_sent", day))
            day += timedelta(days=16)
            expected.append(("amended_plan_issued", day))
            expected.append(("decision_notice_sent", day))  # each amended plan can be appealed
        assert [(e.event, e.date) for e in state.events] == expected
        history = await handle.fetch_history()
        assert len(history.events) < 2 * SUGGEST_AFTER_EVENTS

        # The review fell due a year after the making and was missed: breached and escalated once each,
        # though the runs that followed carried the deadline on.
        async with database.sessions() as session:
            rows = await list_case_deadlines(session=session, case_id=case.id)
        whole = timeline_for(TimelineRequest(events=state.events, now=start_of(today)), Conventions())
        assert {(r.deadline, r.key, r.from_date): (r.due, r.met_on) for r in rows} == {
            (d.deadline, d.id or "", d.from_date): (d.due, d.met_on) for d in whole.deadlines
        }
        assert any(r.deadline == "review_due" and r.met_on is None for r in rows)
