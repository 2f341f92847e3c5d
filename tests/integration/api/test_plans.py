"""Plans through the API: every step of a real `PlanWorkflow`'s life, the refusals a user would see, the
plan read with every cycle's deadlines, the phase-transfer planner and the plan measures.

This module runs on SQLite and on PostgreSQL. The planner's and the measures' dates are worked out by hand
in the comments beside them (docs/phase-transfers.md): for September 2026, a school transfer is due
14 Feb 2026, its latest feasible review meeting is 22 Nov 2025 (84 days before: + 4 weeks = 20 Dec,
+ 8 weeks = 14 Feb) and its invitations go by 8 Nov 2025; a post-16 transfer is due 30 Mar 2026, its
latest meeting 5 Jan 2026 (+ 4 weeks = 2 Feb, + 8 weeks = 30 Mar), its invitations by 22 Dec 2025.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.client import WorkflowContinuedAsNewError

from api.services.idempotency import hashed_key
from core.settings import Settings
from db.decisions import record_decision
from db.models import AuditEntry
from notify.templates import render
from statute.rules import months
from tests.integration.db.factories import a_deadline
from tests.unit.notify.test_templates import AUTHORITY
from workflows.common.ids import assessment_workflow_id, plan_workflow_id
from workflows.common.messages import StatuteEvent
from workflows.common.records import Notice
from workflows.plan.messages import PlanStart
from workflows.plan.workflow import PlanWorkflow

from .conftest import LA_CODE, UPLOAD_MAX_BYTES, People, Temporal, advice_for, audited_actions, project
from .truth import eventually

DAY = timedelta(days=1)


@pytest.fixture
def settings(tmp_path: Path, empty_url: str) -> Settings:
    """The API lane's settings, on each backend in turn (`empty_url` is SQLite, then PostgreSQL)."""
    return Settings(
        _env_file=None,
        database_url=empty_url,
        la_code=LA_CODE,
        task_queue=f"tq-{uuid.uuid4()}",
        upload_max_bytes=UPLOAD_MAX_BYTES,
    )


async def start_plan(temporal: Temporal, settings: Settings) -> tuple[str, date]:
    """A plan made 300 days ago (its review falls due in 2 months), started as the assessment starts it;
    its case id and today."""
    today = await temporal.today()
    made = today - timedelta(days=300)
    case_id = uuid.uuid4()
    start = PlanStart(
        case_id=case_id,
        assessment_workflow_id=assessment_workflow_id(case_id),
        la_code=LA_CODE,
        made_on=made,
        events=[
            StatuteEvent(event="request_received", date=made - timedelta(weeks=20)),
            StatuteEvent(event="final_issued", date=made),
        ],
    )
    handle = await temporal.env.client.start_workflow(
        PlanWorkflow.run, start, id=plan_workflow_id(case_id), task_queue=settings.task_queue
    )
    await handle.execute_update(PlanWorkflow.acknowledge)
    return str(case_id), today


async def step(api: httpx.AsyncClient, people: People, case_id: str, path: str, body: dict[str, Any]) -> Any:
    """One command by the caseworker, which must succeed; the plan it answers."""
    response = await api.post(f"/api/plans/{case_id}/{path}", json=body, headers=people.caseworker.command())
    assert response.status_code == 200, (path, response.text)
    return response.json()


def deadline(plan: dict[str, Any], name: str) -> dict[str, Any]:
    found = [d for d in plan["state"]["deadlines"] if d["deadline"] == name]
    return max(found, key=lambda d: d["from_date"])


async def test_an_annual_review_through_the_api_opens_the_next_cycle(
    api: httpx.AsyncClient,
    people: People,
    temporal: Temporal,
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    case_id, today = await start_plan(temporal, settings)
    on = today.isoformat()

    invited = await step(api, people, case_id, "review-invitations", {"sent_on": on})
    assert invited["workflow_id"] == plan_workflow_id(case_id)
    assert invited["state"]["stage"] == "plan_maintained"
    key = str(uuid.uuid4())
    meeting = {"held_on": on, "led_by": "la"}
    url = f"/api/plans/{case_id}/review-meetings"
    response = await api.post(url, json=meeting, headers=people.caseworker.command(key))
    assert response.status_code == 200, response.text
    held = response.json()
    recorded = temporal.fakes.decisions[-1]
    update_id = hashed_key(user_id=people.caseworker.id, key=key)  # never the key itself (issue 9 s.3)
    assert (recorded.kind, recorded.outcome, recorded.update_id) == ("review_meeting", "la", update_id)
    assert recorded.actor_id == people.caseworker.id
    # The same key again is the same command: applied once, answered the same.
    retried = await api.post(url, json=meeting, headers=people.caseworker.command(key))
    assert retried.status_code == 200
    assert retried.json()["state"]["events"] == held["state"]["events"]
    assert [d.kind for d in temporal.fakes.decisions].count("review_meeting") == 1
    # The report within 2 weeks and the decision within 4 weeks of the meeting (reg 20).
    assert deadline(held, "review_report")["due"] == (today + 14 * DAY).isoformat()
    assert deadline(held, "review_decision")["due"] == (today + 28 * DAY).isoformat()
    reported = await step(api, people, case_id, "review-reports", {"sent_on": on})
    assert deadline(reported, "review_report")["met_on"] == on

    decided = await step(api, people, case_id, "review-decisions", {"decided_on": on, "outcome": "amend"})
    state = decided["state"]
    assert deadline(decided, "review_decision")["met_on"] == on
    # The amended plan is due 8 weeks after the notice that went with the decision (reg 22(3)).
    assert deadline(decided, "amended_plan")["due"] == (today + 56 * DAY).isoformat()
    assert (temporal.fakes.decisions[-1].kind, temporal.fakes.decisions[-1].outcome) == (
        "review_decision",
        "amend",
    )

    # The decision opened the next review cycle: a new run of the same workflow takes the next steps.
    old = temporal.env.client.get_workflow_handle(plan_workflow_id(case_id), run_id=state["run_id"])
    with pytest.raises(WorkflowContinuedAsNewError):
        await old.result(follow_runs=False)
    await temporal.env.sleep(timedelta(days=15))
    later = (today + 15 * DAY).isoformat()
    issued = await step(
        api, people, case_id, "amended-plans", {"issued_on": later, "school_named": "Hillside"}
    )
    assert issued["state"]["cycle"] == 2
    assert issued["state"]["run_id"] != state["run_id"]
    assert deadline(issued, "amended_plan")["met_on"] == later

    assert await audited_actions(sessions, case_id) == {
        "command.record_review_invitations": 1,
        "command.hold_review_meeting": 1,
        "command.record_review_report": 1,
        "command.decide_review": 1,
        "command.issue_amended_plan": 1,
    }


async def test_amendments_and_a_phase_transfer_outside_a_review(
    api: httpx.AsyncClient,
    people: People,
    temporal: Temporal,
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    case_id, today = await start_plan(temporal, settings)
    year = today.year + 1
    body = {"kind": "school", "year": year, "recorded_on": today.isoformat()}
    transfer = await step(api, people, case_id, "phase-transfers", body)
    found = deadline(transfer, "phase_transfer_review")
    assert (found["due"], found["status"]) == (date(year, 2, 14).isoformat(), "open")  # before 15 February

    again = await api.post(
        f"/api/plans/{case_id}/phase-transfers", json=body, headers=people.caseworker.command()
    )
    assert again.status_code == 409
    assert (
        again.json().items()
        >= {
            "detail": f"the phase transfer in September {year} was already recorded on {today}",
            "field": None,
        }.items()
    )

    served = {"served_on": today.isoformat(), "reasons": "New OT advice.", "method": "post"}
    proposed = await step(api, people, case_id, "amendments", served)
    assert deadline(proposed, "amended_plan")["due"] == (today + 56 * DAY).isoformat()
    twice = await api.post(
        f"/api/plans/{case_id}/amendments", json=served, headers=people.caseworker.command()
    )
    assert twice.status_code == 409
    assert (
        twice.json()["detail"]
        == f"the amendments proposed on {today} await their amended plan; issue it first"
    )
    early = await api.post(
        f"/api/plans/{case_id}/amended-plans",
        json={"issued_on": today.isoformat()},
        headers=people.caseworker.command(),
    )
    assert early.status_code == 409
    assert "15 days for representations" in early.json()["detail"]

    async with sessions() as session:
        refused = (
            await session.execute(
                select(AuditEntry.detail).where(
                    AuditEntry.case_id == uuid.UUID(case_id),
                    AuditEntry.action == "command.issue_amended_plan.refused",
                )
            )
        ).scalar_one()
    assert refused == {"role": "caseworker", "status": 409}


async def test_ceasing_a_plan_through_its_appeal_and_then_nothing_more(
    api: httpx.AsyncClient, people: People, temporal: Temporal, settings: Settings
) -> None:
    case_id, today = await start_plan(temporal, settings)
    on = today.isoformat()
    reasons = {"decided_on": on, "reasons": "The young person has started university."}
    decided = await step(api, people, case_id, "cease-decisions", reasons)
    assert decided["state"]["cease_decided_on"] == on
    assert deadline(decided, "appeal")["status"] == "open"
    appealed = await step(api, people, case_id, "appeals", {"lodged_on": on})
    assert deadline(appealed, "appeal")["met_on"] == on
    pending = await api.post(
        f"/api/plans/{case_id}/cessation", json={"ceased_on": on}, headers=people.manager.command()
    )
    assert pending.status_code == 409
    assert (
        pending.json()["detail"]
        == "an appeal against the decision to cease is pending: the plan stays maintained"
    )
    await step(api, people, case_id, "appeal-outcomes", {"decided_on": on, "outcome": "dismissed"})
    ceased = await step(api, people, case_id, "cessation", {"ceased_on": on, "reasons": "Appeal dismissed."})
    assert ceased["state"]["stage"] == "plan_ceased"
    assert ceased["state"]["ceased_on"] == on

    await temporal.env.client.get_workflow_handle(plan_workflow_id(case_id)).result()
    after = await api.post(
        f"/api/plans/{case_id}/review-meetings", json={"held_on": on}, headers=people.caseworker.command()
    )
    assert after.status_code == 409
    assert (
        after.json().items()
        >= {
            "detail": f"the plan ceased on {on}; no further steps can be taken",
            "field": None,
        }.items()
    )
    read = await api.get(f"/api/plans/{case_id}", headers=people.caseworker.auth)
    assert read.status_code == 200
    assert read.json()["state"]["stage"] == "plan_ceased"


async def test_illegal_steps_bad_input_and_roles(
    api: httpx.AsyncClient, people: People, temporal: Temporal, settings: Settings
) -> None:
    case_id, today = await start_plan(temporal, settings)
    url = f"/api/plans/{case_id}/review-decisions"

    no_meeting = await api.post(
        url, json={"decided_on": today.isoformat(), "outcome": "keep"}, headers=people.caseworker.command()
    )
    assert no_meeting.status_code == 409
    assert (
        no_meeting.json().items()
        >= {"detail": "this step needs a review meeting first", "field": None}.items()
    )

    impossible = await api.post(
        url, json={"decided_on": "2025-02-30", "outcome": "keep"}, headers=people.caseworker.command()
    )
    assert impossible.status_code == 422
    assert [e["loc"] for e in impossible.json()["errors"]] == [["body", "decided_on"]]
    unknown = await api.post(
        url, json={"decided_on": today.isoformat(), "outcome": "perhaps"}, headers=people.caseworker.command()
    )
    assert [e["loc"] for e in unknown.json()["errors"]] == [["body", "outcome"]]
    out_of_range = await api.post(
        f"/api/plans/{case_id}/phase-transfers",
        json={"kind": "school", "year": 1999, "recorded_on": today.isoformat()},
        headers=people.caseworker.command(),
    )
    assert out_of_range.status_code == 422
    assert [e["loc"] for e in out_of_range.json()["errors"]] == [["body", "year"]]
    bad_outcome = await api.post(
        f"/api/plans/{case_id}/appeal-outcomes",
        json={"decided_on": today.isoformat(), "outcome": "upheld"},
        headers=people.caseworker.command(),
    )
    assert [e["loc"] for e in bad_outcome.json()["errors"]] == [["body", "outcome"]]

    # Refused by the workflow's validators: the message starts with the field, which the body names.
    future = (today + 5 * DAY).isoformat()
    later = await api.post(
        f"/api/plans/{case_id}/review-meetings", json={"held_on": future}, headers=people.caseworker.command()
    )
    assert later.status_code == 422
    assert (
        later.json().items() >= {"detail": f"held_on: {future} is in the future", "field": "held_on"}.items()
    )
    far = today.year + 3
    too_far = await api.post(
        f"/api/plans/{case_id}/phase-transfers",
        json={"kind": "post16", "year": far, "recorded_on": today.isoformat()},
        headers=people.caseworker.command(),
    )
    assert (too_far.status_code, too_far.json()["field"]) == (422, "year")
    unreasoned = await api.post(
        f"/api/plans/{case_id}/cease-decisions",
        json={"decided_on": today.isoformat(), "reasons": " "},
        headers=people.caseworker.command(),
    )
    assert (unreasoned.status_code, unreasoned.json()["field"]) == (422, "reasons")

    meeting = {"held_on": today.isoformat()}
    for account in (people.admin, people.health):
        refused = await api.post(
            f"/api/plans/{case_id}/review-meetings", json=meeting, headers=account.command()
        )
        assert refused.status_code == 403, account
        assert "cannot do this" in refused.json()["detail"]
    assert (await api.get("/api/phase-transfers", headers=people.health.auth)).status_code == 403
    # An agency is not told the plan exists.
    hidden = await api.get(f"/api/plans/{case_id}", headers=people.health.auth)
    assert hidden.status_code == 404
    assert hidden.json()["detail"] == f"no plan {case_id}"


async def test_an_unknown_plan_is_404(
    api: httpx.AsyncClient, people: People, temporal: Temporal, sessions: async_sessionmaker[AsyncSession]
) -> None:
    today = await temporal.today()
    unknown = uuid.uuid4()
    command = await api.post(
        f"/api/plans/{unknown}/review-meetings",
        json={"held_on": today.isoformat()},
        headers=people.caseworker.command(),
    )
    assert command.status_code == 404
    assert command.json()["detail"] == f"no plan {unknown}"
    assert (await api.get(f"/api/plans/{unknown}", headers=people.manager.auth)).status_code == 404
    async with sessions() as session:  # a case still being assessed has no plan yet
        assessing = await project(session, received_on=today, stage="drafting")
        await session.commit()
    assert (await api.get(f"/api/plans/{assessing}", headers=people.manager.auth)).status_code == 404


async def test_a_plan_reads_with_its_live_state_and_every_cycles_deadlines(
    api: httpx.AsyncClient,
    people: People,
    temporal: Temporal,
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    case_id, today = await start_plan(temporal, settings)
    made, reviewed = today - timedelta(days=300), today - timedelta(days=10)
    async with sessions() as session:  # the read model as the case's runs left it: an earlier cycle too
        await project(
            session,
            case_id=uuid.UUID(case_id),
            received_on=made - timedelta(weeks=20),
            stage="plan_maintained",
            final_issued_on=made,
            deadlines=[
                a_deadline(
                    "final_plan", made, from_date=made - timedelta(weeks=20), met_on=made
                ),  # assessment
                a_deadline("review_due", made + timedelta(days=364), from_date=made, met_on=reviewed),
                a_deadline("review_due", reviewed + timedelta(days=364), from_date=reviewed),
            ],
        )
        await session.commit()
    response = await api.get(f"/api/plans/{case_id}", headers=people.admin.auth)
    assert response.status_code == 200, response.text
    plan = response.json()
    assert plan["record"]["final_issued_on"] == made.isoformat()
    assert plan["state"]["cycle"] == 1
    assert [(d["deadline"], d["from_date"], d["met_on"]) for d in plan["deadlines"]] == [
        ("review_due", made.isoformat(), reviewed.isoformat()),
        ("review_due", reviewed.isoformat(), None),
    ]
    # Who the plan is for, as a case read shows it (issue 10 s.5): the names and date of birth, nothing more.
    assert set(plan["record"]["child"]) == {"given_name", "family_name", "date_of_birth"}
    assert "upn" not in response.text
    assert "postcode" not in response.text


# ---- the phase-transfer planner ----


async def a_plan(
    sessions: async_sessionmaker[AsyncSession], born: date, deadlines: list[Any] | None = None, **changes: Any
) -> uuid.UUID:
    async with sessions() as session:
        case_id = await project(
            session,
            received_on=date(2020, 1, 6),
            date_of_birth=born,
            deadlines=deadlines,
            **{"stage": "plan_maintained", **changes},
        )
        await session.commit()
    return case_id


def on_day(monkeypatch: pytest.MonkeyPatch, module: str, day: date) -> None:
    """Today in England, as the routes of `module` see it."""
    monkeypatch.setattr(f"api.routes.{module}.today_in_england", lambda: day)


def cohort_rows(body: dict[str, Any]) -> list[tuple[Any, ...]]:
    return [
        (
            item["case_id"],
            item["kind"],
            item["source"],
            item["year_group"],
            item["deadline"],
            item["latest_review_meeting"],
            item["invitations_by"],
            item["review_meeting_on"],
            item["settled_on"],
            item["status"],
        )
        for item in body["items"]
    ]


async def test_the_phase_transfer_planner(
    api: httpx.AsyncClient,
    people: People,
    sessions: async_sessionmaker[AsyncSession],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Born 1 Mar 2015: Reception Sep 2019, Year 7 Sep 2026. No review yet.
    unreviewed = await a_plan(sessions, date(2015, 3, 1))
    # Year 7 too (born 1 Oct 2014); a review meeting on 20 Oct 2025, not yet decided.
    meeting = await a_plan(
        sessions,
        date(2014, 10, 1),
        [a_deadline("review_decision", date(2025, 11, 17), from_date=date(2025, 10, 20))],
    )
    # Born 25 Dec 2018: Reception Sep 2023, Year 3 Sep 2026; the review kept the plan on 1 Oct 2025.
    kept = await a_plan(sessions, date(2018, 12, 25))
    async with sessions() as session:
        await record_decision(
            session=session,
            update_id=str(uuid.uuid4()),
            case_id=kept,
            kind="review_decision",
            outcome="keep",
            decided_on=date(2025, 10, 1),
            actor_id=people.caseworker.id,
        )
        await session.commit()
    # Born 11 Nov 2009: Reception Sep 2014, Year 12 Sep 2026 (post-16).
    post16 = await a_plan(sessions, date(2009, 11, 11))
    # Born 10 Oct 2010 (Year 11 in Sep 2026), with a recorded post-16 transfer: its row puts it in.
    recorded = await a_plan(
        sessions, date(2010, 10, 10), [a_deadline("phase_transfer_review", date(2026, 3, 30), key="2026")]
    )
    # Born 2 Feb 2014: Year 7 in Sep 2025, never settled: in the 2025 cohort, overdue since 15 Feb 2025.
    late = await a_plan(sessions, date(2014, 2, 2))
    await a_plan(sessions, date(2015, 3, 1), stage="plan_ceased")  # no longer maintained
    await a_plan(sessions, date(2015, 3, 1), la_code="999")  # another authority's

    # Wed 12 Nov 2025: the next September's transfers are 2026's.
    on_day(monkeypatch, "plans", date(2025, 11, 12))
    response = await api.get("/api/phase-transfers", headers=people.caseworker.auth)
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["year"], body["as_of"], body["next_after"]) == (2026, "2025-11-12", None)
    school = ("school", "date_of_birth")
    by_birth = ["2026-02-14", "2025-11-22", "2025-11-08"]
    post = ["2026-03-30", "2026-01-05", "2025-12-22"]
    expected = sorted(
        [
            (str(unreviewed), *school, 7, *by_birth, None, None, "at_risk"),  # invitations were due 8 Nov
            (str(meeting), *school, 7, *by_birth, "2025-10-20", None, "on_track"),
            (str(kept), *school, 3, *by_birth, None, "2025-10-01", "settled"),
            (str(post16), "post16", "date_of_birth", 12, *post, None, None, "on_track"),
            (str(recorded), "post16", "recorded", 11, *post, None, None, "on_track"),
        ],
        key=lambda row: (row[4], row[0]),
    )
    assert cohort_rows(body) == expected
    assert [item["settled"] for item in body["items"]] == [row[8] is not None for row in expected]

    # Tue 25 Nov 2025: the latest feasible meeting (22 Nov) has passed; the meeting held is undecided.
    on_day(monkeypatch, "plans", date(2025, 11, 25))
    body = (await api.get("/api/phase-transfers?year=2026", headers=people.manager.auth)).json()
    assert {item["case_id"]: item["status"] for item in body["items"]} == {
        str(unreviewed): "at_risk",
        str(meeting): "at_risk",
        str(kept): "settled",
        str(post16): "on_track",
        str(recorded): "on_track",
    }

    body = (await api.get("/api/phase-transfers?year=2025", headers=people.admin.auth)).json()
    assert cohort_rows(body) == [
        # 14 Feb 2025 - 84 days = 22 Nov 2024 (14 Feb - 14 = 31 Jan, - 31 = 31 Dec, - 31 = 30 Nov, - 8)
        (str(late), *school, 7, "2025-02-14", "2024-11-22", "2024-11-08", None, None, "overdue")
    ]

    first = (await api.get("/api/phase-transfers?year=2026&limit=2", headers=people.manager.auth)).json()
    rest = (
        await api.get(
            f"/api/phase-transfers?year=2026&limit=2&after={first['next_after']}", headers=people.manager.auth
        )
    ).json()
    last = (
        await api.get(
            f"/api/phase-transfers?year=2026&limit=2&after={rest['next_after']}", headers=people.manager.auth
        )
    ).json()
    assert [i["case_id"] for page in (first, rest, last) for i in page["items"]] == [
        row[0] for row in expected
    ]
    assert last["next_after"] is None

    bad_year = await api.get("/api/phase-transfers?year=1999", headers=people.manager.auth)
    assert bad_year.status_code == 422
    assert [e["loc"] for e in bad_year.json()["errors"]] == [["query", "year"]]
    bad_cursor = await api.get("/api/phase-transfers?after=nonsense", headers=people.manager.auth)
    assert (bad_cursor.status_code, bad_cursor.json()["field"]) == (422, "after")


async def test_the_plan_measures_in_the_kpis(
    api: httpx.AsyncClient,
    people: People,
    sessions: async_sessionmaker[AsyncSession],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    await a_plan(
        sessions,
        date(2015, 3, 1),
        [
            a_deadline("review_decision", date(2025, 1, 20), met_on=date(2025, 1, 15)),  # on time
            a_deadline("review_decision", date(2025, 2, 3), met_on=date(2025, 2, 17)),  # 2 weeks late
            a_deadline("review_decision", date(2025, 3, 3)),  # never decided, past due: late
            a_deadline("review_due", date(2025, 3, 31), met_on=date(2025, 3, 1)),  # on time
            a_deadline("review_due", date(2025, 12, 31)),  # outside the period
            a_deadline("amended_plan", date(2025, 3, 20), met_on=date(2025, 3, 20)),  # on its due day
            a_deadline(
                "phase_transfer_review", date(2025, 2, 14), key="2025", met_on=date(2025, 2, 20)
            ),  # late
        ],
    )
    await a_plan(  # due on the last day asked about, still to come on 31 Mar: not counted yet
        sessions, date(2015, 3, 1), [a_deadline("amended_plan", date(2025, 3, 31))]
    )
    on_day(monkeypatch, "manager", date(2025, 3, 31))
    response = await api.get(
        "/api/kpis?received_from=2025-01-01&received_to=2025-03-31", headers=people.manager.auth
    )
    assert response.status_code == 200, response.text
    assert response.json()["plans"] == {
        "due_from": "2025-01-01",
        "due_to": "2025-03-31",
        "as_of": "2025-03-31",
        "reviews_decided_within_4_weeks": {"within": 1, "total": 3, "percent": 33.3},
        "reviews_within_12_months": {"within": 1, "total": 1, "percent": 100.0},
        "amended_plans_within_8_weeks": {"within": 1, "total": 1, "percent": 100.0},
        "phase_transfers_by_deadline": {"within": 0, "total": 1, "percent": 0.0},
    }


async def test_reassessment_mediation_and_a_transfer_out_through_the_api(
    api: httpx.AsyncClient, people: People, temporal: Temporal, settings: Settings
) -> None:
    case_id, today = await start_plan(temporal, settings)
    on = today.isoformat()
    await step(api, people, case_id, "reassessment-requests", {"requested_on": on})
    unreasoned = await api.post(
        f"/api/plans/{case_id}/reassessment-decisions",
        json={"decided_on": on, "outcome": "refuse"},
        headers=people.caseworker.command(),
    )
    assert unreasoned.status_code == 422
    assert unreasoned.json()["field"] == "reasons"
    unknown = await api.post(
        f"/api/plans/{case_id}/reassessment-decisions",
        json={"decided_on": on, "outcome": "perhaps"},
        headers=people.caseworker.command(),
    )
    assert unknown.status_code == 422
    refused = await step(
        api,
        people,
        case_id,
        "reassessment-decisions",
        {"decided_on": on, "outcome": "refuse", "reasons": "x"},
    )
    appeal = deadline(refused, "appeal")
    assert appeal["id"] == "refuse_assess"
    assert appeal["status"] == "open"
    unsaid = await api.post(
        f"/api/plans/{case_id}/mediation",
        json={"on": on, "step": "adviser_contacted"},
        headers=people.caseworker.command(),
    )
    assert unsaid.status_code == 422
    assert unsaid.json()["field"] == "wants_mediation"
    contacted = await step(
        api, people, case_id, "mediation", {"on": on, "step": "adviser_contacted", "wants_mediation": False}
    )
    assert deadline(contacted, "mediation_certificate")["status"] == "open"

    backwards = await api.post(
        f"/api/plans/{case_id}/moves",
        json={"aware_on": on, "move_on": (today - DAY).isoformat(), "to_la": "Southshire"},
        headers=people.caseworker.command(),
    )
    assert backwards.status_code == 422
    assert backwards.json()["field"] == "move_on"
    move = {"aware_on": on, "move_on": (today + 30 * DAY).isoformat(), "to_la": "Southshire"}
    moving = await step(api, people, case_id, "moves", move)
    assert deadline(moving, "transfer_plan")["due"] == (today + 30 * DAY).isoformat()
    moved = await step(api, people, case_id, "transfer-out", {"transferred_on": on})
    assert moved["state"]["stage"] == "plan_transferred"
    await temporal.env.client.get_workflow_handle(plan_workflow_id(case_id)).result()
    after = await api.post(
        f"/api/plans/{case_id}/review-meetings", json={"held_on": on}, headers=people.caseworker.command()
    )
    assert after.status_code == 409
    assert (
        after.json()["detail"]
        == f"the plan was transferred to another LA on {on}; no further steps can be taken here"
    )


async def test_a_plan_transferred_in_is_received_once_and_its_family_told(
    api: httpx.AsyncClient, people: People, temporal: Temporal
) -> None:
    today = await temporal.today()
    made = today - timedelta(days=200)
    body = {
        "from_la": "Southshire",
        "made_on": made.isoformat(),
        "transferred_on": today.isoformat(),
        "child": {"given_name": "Ada", "family_name": "Example", "date_of_birth": "2015-03-01"},
        "contacts": [{"name": "Sam", "relationship": "mother", "parental_responsibility": True}],
    }
    headers = people.caseworker.command()
    received = await api.post("/api/plans", json=body, headers=headers)
    assert received.status_code == 201, received.text
    plan = received.json()
    case_id = plan["case_id"]
    assert deadline(plan, "transfer_inform")["due"] == (today + 6 * 7 * DAY).isoformat()
    assert not [d for d in plan["state"]["deadlines"] if d["deadline"] == "review_due"]
    again = await api.post("/api/plans", json=body, headers=headers)  # a retry: the same plan, not another
    assert again.status_code == 201
    assert again.json()["case_id"] == case_id

    backwards = await api.post(
        "/api/plans",
        json={**body, "made_on": (today + DAY).isoformat(), "transferred_on": today.isoformat()},
        headers=people.caseworker.command(),
    )
    assert backwards.status_code == 422
    assert backwards.json()["field"] == "made_on"
    agency = await api.post("/api/plans", json=body, headers=people.health.command())
    assert agency.status_code == 403

    told = await step(api, people, case_id, "transfer-informed", {"informed_on": today.isoformat()})
    assert deadline(told, "transfer_inform")["met_on"] == today.isoformat()
    # The plan's workflow recorded the case (child and family) before anything else, once.
    assert [str(c.case_id) for c in temporal.fakes.cases] == [case_id]
    assert temporal.fakes.cases[0].start.child.family_name == "Example"


async def test_an_amended_plans_content_is_appealed_through_the_api(
    api: httpx.AsyncClient,
    people: People,
    temporal: Temporal,
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    """Issue 11 s.2: the amended plan goes with the `plan_content` decision notice, its last day to appeal
    a date, tracked as the plan's `appeal` deadline; the appeal against its content is recorded and, not
    opposed, sets the 5 weeks of reg 45."""
    case_id, today = await start_plan(temporal, settings)
    served = today - 20 * DAY
    body = {"served_on": served.isoformat(), "reasons": "New OT advice.", "method": "email"}
    await step(api, people, case_id, "amendments", body)
    issued = {"issued_on": today.isoformat(), "school_named": "Northshire Academy"}
    plan = await step(api, people, case_id, "amended-plans", issued)
    appeal = deadline(plan, "appeal")
    assert [appeal[k] for k in ("id", "from_date", "status")] == ["plan_content", today.isoformat(), "open"]

    async def notice() -> Notice | None:
        return next((n for n in temporal.fakes.notices if n.template == "decision_plan_content"), None)

    sent = await eventually(notice, "the amended plan's notice")
    _, words = render(
        sent.template,
        case_ref=sent.workflow_id,
        step=sent.step,
        on=sent.on,
        facts=sent.facts,
        authority=AUTHORITY,
    )
    last_day = date.fromisoformat(appeal["due"])
    assert f"The last day to appeal is {last_day.day} {last_day:%B %Y}" in words
    assert "issued the amended EHC plan" in words
    assert "The school or college named: Northshire Academy." in words
    assert "Mediation adviser: Northshire Mediation" in words

    appealed = await step(api, people, case_id, "appeals", {"lodged_on": today.isoformat()})
    assert deadline(appealed, "appeal")["met_on"] == today.isoformat()
    conceded = await step(
        api, people, case_id, "appeal-concessions", {"conceded_on": today.isoformat(), "appeal": "content"}
    )
    assert deadline(conceded, "tribunal_amended_plan")["due"] == (today + timedelta(weeks=5)).isoformat()


async def test_the_la_decides_not_to_amend_after_all_through_the_api(
    api: httpx.AsyncClient, people: People, temporal: Temporal, settings: Settings
) -> None:
    """Issue 11 s.5, reg 22(4): the decision not to amend settles the 8 weeks; it needs its reasons, is
    taken once, and then the amended plan is refused."""
    case_id, today = await start_plan(temporal, settings)
    served = {"served_on": (today - 20 * DAY).isoformat(), "reasons": "New OT advice.", "method": "post"}
    await step(api, people, case_id, "amendments", served)
    path = f"/api/plans/{case_id}/decisions-not-to-amend"
    blank = await api.post(
        path, json={"decided_on": today.isoformat(), "reasons": " "}, headers=people.caseworker.command()
    )
    assert (blank.status_code, blank.json()["field"]) == (422, "reasons")
    body = {"decided_on": today.isoformat(), "reasons": "The OT advice confirms section F."}
    decided = await step(api, people, case_id, "decisions-not-to-amend", body)
    assert deadline(decided, "amended_plan")["met_on"] == today.isoformat()
    again = await api.post(path, json=body, headers=people.caseworker.command())
    assert again.status_code == 409
    assert "no amendments are proposed" in again.json()["detail"]
    issued = await api.post(
        f"/api/plans/{case_id}/amended-plans",
        json={"issued_on": today.isoformat()},
        headers=people.caseworker.command(),
    )
    assert issued.status_code == 409


async def test_a_manager_waives_a_review_step_through_the_api(
    api: httpx.AsyncClient, people: People, temporal: Temporal, settings: Settings
) -> None:
    """Issue 11 s.5: a report never sent keeps the review cycle open; a manager (not a caseworker) waives
    it as not needed, with reasons, and it is owed no longer."""
    case_id, today = await start_plan(temporal, settings)
    meeting = today - 30 * DAY
    await step(api, people, case_id, "review-meetings", {"held_on": meeting.isoformat()})
    decision = {"decided_on": (today - 9 * DAY).isoformat(), "outcome": "keep"}
    decided = await step(api, people, case_id, "review-decisions", decision)
    assert deadline(decided, "review_report")["status"] == "overdue"
    path = f"/api/plans/{case_id}/review-step-waivers"
    body = {
        "step": "review_report",
        "meeting_on": meeting.isoformat(),
        "waived_on": today.isoformat(),
        "reasons": "Decided at the meeting with the family.",
    }
    by_caseworker = await api.post(path, json=body, headers=people.caseworker.command())
    assert by_caseworker.status_code == 403
    waived = await api.post(path, json=body, headers=people.manager.command())
    assert waived.status_code == 200, waived.text
    report = [d for d in waived.json()["state"]["deadlines"] if d["deadline"] == "review_report"]
    assert [d["status"] for d in report] == ["withdrawn"]


async def test_a_move_between_post16_institutions_at_another_time(
    api: httpx.AsyncClient, people: People, temporal: Temporal, settings: Settings
) -> None:
    """Issue 11 s.5, reg 18: a move between post-16 institutions not in September is reviewed and
    amended at least 5 months before it; the day of the move is needed, and only for such a move."""
    case_id, today = await start_plan(temporal, settings)
    move = today + timedelta(days=200)
    body = {"kind": "post16_move", "year": move.year, "recorded_on": today.isoformat()}
    missing = await api.post(
        f"/api/plans/{case_id}/phase-transfers", json=body, headers=people.caseworker.command()
    )
    assert (missing.status_code, missing.json()["field"]) == (422, "transfer_on")
    recorded = await step(api, people, case_id, "phase-transfers", body | {"transfer_on": move.isoformat()})
    review = deadline(recorded, "phase_transfer_review")
    assert (review["id"], review["due"]) == (move.isoformat(), months(move, -5).isoformat())
    again = await api.post(
        f"/api/plans/{case_id}/phase-transfers",
        json=body | {"transfer_on": move.isoformat()},
        headers=people.caseworker.command(),
    )
    assert again.status_code == 409
    assert "already recorded" in again.json()["detail"]


async def test_a_reassessment_asks_for_the_reg_6_advice_through_the_api(
    api: httpx.AsyncClient, people: People, temporal: Temporal, settings: Settings
) -> None:
    """Issue 11 s.5, reg 26: the decision to reassess names its advice requests, each to a known agency,
    each with its 6 weeks; short of the reg 6(1)(a)-(e) advice, or to an agency nobody knows, it is 422."""
    case_id, today = await start_plan(temporal, settings)
    on = today.isoformat()
    await step(api, people, case_id, "reassessment-requests", {"requested_on": on})
    advice = [{**a, "advice_id": f"{a['advice_id']}-2"} for a in advice_for(people)]
    url = f"/api/plans/{case_id}/reassessment-decisions"
    body = {"decided_on": on, "outcome": "reassess", "advice": advice}
    short = await api.post(url, json={**body, "advice": advice[1:]}, headers=people.caseworker.command())
    assert (short.status_code, short.json()["field"]) == (422, "advice")
    assert "reg 26" in short.json()["detail"]
    nobody = [{**advice[0], "agency_id": str(uuid.uuid4())}, *advice[1:]]
    unknown = await api.post(url, json={**body, "advice": nobody}, headers=people.caseworker.command())
    assert (unknown.status_code, unknown.json()["field"]) == (422, "advice[0].agency_id")
    decided = await step(api, people, case_id, "reassessment-decisions", body)
    asked = [d for d in decided["state"]["deadlines"] if d["deadline"] == "advice"]
    assert sorted(d["id"] for d in asked) == sorted(a["advice_id"] for a in advice)
    assert {d["due"] for d in asked} == {(today + timedelta(weeks=6)).isoformat()}
