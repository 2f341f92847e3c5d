"""Demo data for `ehcp run`: agencies, users with tokens, and cases at every stage, some already late,
and plans through their reviews: one due for review soon, one amended at its last review, one whose review
is overdue, one transferring to secondary school next September.

Cases are created as the API creates them (update-with-start, one workflow per request) with dates in
the past, so their statutory clocks have run: the late ones are breached on the first run and their
notices are in the outbox. Seeding happens once; the tokens are kept in var/demo-tokens.json (demo only).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import typer
from temporalio.client import Client, WithStartWorkflowOperation
from temporalio.common import WorkflowIDConflictPolicy

from cli.timeline import today_in_england
from core.settings import Settings
from core.temporal import wait_for_workflow
from db.agencies import create_agency
from db.base import utcnow
from db.engine import make_engine, make_session_factory
from db.models import AgencyKind, Role
from db.users import create_user, lookup_token, rotate_token, token_problem
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
from workflows.common.ids import advice_workflow_id, assessment_workflow_id, plan_workflow_id
from workflows.common.messages import Actor, AdviceSpec, ChildRecord, ContactRecord
from workflows.plan.messages import DecideReview, HoldReviewMeeting, IssueAmendedPlan, RecordPhaseTransfer
from workflows.plan.workflow import PlanWorkflow

DEMO = uuid.UUID("5e1d0000-0000-4000-8000-000000000000")
AGENCIES: dict[str, tuple[str, AgencyKind]] = {
    "parent": ("SEND team: parent and child views", "other"),
    "educational": ("Riverside Primary School", "school"),
    "medical": ("Northtown ICB designated clinical officer", "health"),
    "psychological": ("Northtown Educational Psychology Service", "educational_psychology"),
    "social_care": ("Northtown Children's Social Care", "social_care"),
}
# (name, weeks since the request, the steps taken, with the week each happened)
CASES: list[tuple[str, int, dict[str, int]]] = [
    ("new-request", 1, {}),
    ("decision-overdue", 7, {}),
    (
        "advice-overdue",
        12,
        {"assess": 9, "answer:parent": 6, "answer:educational": 5, "answer:social_care": 5},
    ),
    ("refused", 5, {"refuse": 1}),
    ("draft-served", 16, {"assess": 12, "answer:all": 7, "issue": 5, "draft": 0}),
    ("final-plan-overdue", 23, {"assess": 18, "answer:all": 13, "issue": 10, "draft": 6}),
    # Plans: "final" issues the plan; then its reviews ("meeting", "review:<outcome>", "amended").
    ("plan-review-soon", 66, {"assess": 61, "answer:all": 56, "issue": 53, "draft": 51, "final": 47}),
    (
        "plan-amended",
        118,
        {
            "assess": 113,
            "answer:all": 108,
            "issue": 105,
            "draft": 103,
            "final": 99,
            "meeting": 53,
            "review:amend": 50,
            "amended": 46,
        },
    ),
    ("plan-review-overdue", 77, {"assess": 72, "answer:all": 67, "issue": 64, "draft": 62, "final": 58}),
    (
        "plan-phase-transfer",
        40,
        {"assess": 35, "answer:all": 30, "issue": 27, "draft": 25, "final": 21, "transfer": 2},
    ),
]
# Year 6 this academic year: moves to secondary school next September (reg 18: reviewed by 15 February).
DATES_OF_BIRTH = {"plan-phase-transfer": date(2015, 10, 1)}


async def seed_demo(settings: Settings, client: Client, var: Path) -> dict[str, str]:
    """Seed once; afterwards, return the tokens kept from the first run."""
    tokens_file = var / "demo-tokens.json"
    if tokens_file.exists():
        return await renew_expired_tokens(settings, tokens_file)
    typer.echo("==> seeding demo agencies, users and cases")
    engine = make_engine(settings.database_url)
    try:
        async with make_session_factory(engine).begin() as session:
            agencies = {
                advice: (
                    await create_agency(
                        session=session, name=name, kind=kind, email=f"{kind}@example.invalid"
                    )
                ).id
                for advice, (name, kind) in AGENCIES.items()
            }
            tokens: dict[str, str] = {}
            users = {}
            staff: tuple[tuple[str, Role], ...] = (
                ("demo-caseworker", "caseworker"),
                ("demo-manager", "manager"),
                ("demo-admin", "admin"),
            )
            for username, role in staff:
                users[username], tokens[username] = await create_user(
                    session=session,
                    username=username,
                    display_name=username.removeprefix("demo-").title(),
                    role=role,
                    lifetime=timedelta(days=settings.token_lifetime_days),
                )
            agency_users = {}
            for advice in ("educational", "medical", "psychological"):
                username = f"demo-{AGENCIES[advice][1].replace('_', '-')}"
                agency_users[advice], tokens[username] = await create_user(
                    session=session,
                    username=username,
                    display_name=AGENCIES[advice][0],
                    role="agency",
                    agency_id=agencies[advice],
                    lifetime=timedelta(days=settings.token_lifetime_days),
                )
    finally:
        await engine.dispose()

    caseworker = Actor(actor_id=users["demo-caseworker"].id, role="caseworker")
    today = today_in_england()
    for name, weeks, steps in CASES:
        await _seed_case(
            settings,
            client,
            name=name,
            received=today - timedelta(weeks=weeks),
            steps=steps,
            caseworker=caseworker,
            agencies=agencies,
            today=today,
        )
        typer.echo(f"    {name}")
    tokens_file.write_text(json.dumps(tokens, indent=2))
    tokens_file.chmod(0o600)
    return tokens


async def renew_expired_tokens(settings: Settings, tokens_file: Path) -> dict[str, str]:
    """The kept demo tokens, with any that has expired since it was seeded (`EHCP_TOKEN_LIFETIME_DAYS`)
    rotated and saved, so the banner never prints a dead token. Revoked or disabled ones stay as they are:
    someone meant that."""
    saved: dict[str, str] = json.loads(tokens_file.read_text())
    tokens = dict(saved)
    engine = make_engine(settings.database_url)
    try:
        async with make_session_factory(engine).begin() as session:
            now = utcnow()
            for username, token in saved.items():
                user = await lookup_token(session=session, token=token)
                if user is not None and token_problem(user, now) == "expired":
                    _, tokens[username] = await rotate_token(
                        session=session,
                        username=username,
                        lifetime=timedelta(days=settings.token_lifetime_days),
                        now=now,
                    )
    finally:
        await engine.dispose()
    if tokens != saved:
        tokens_file.write_text(json.dumps(tokens, indent=2))
    return tokens


async def _seed_case(
    settings: Settings,
    client: Client,
    *,
    name: str,
    received: date,
    steps: dict[str, int],
    caseworker: Actor,
    agencies: dict[str, uuid.UUID],
    today: date,
) -> None:
    case_id = uuid.uuid5(DEMO, name)

    def week(step: str) -> date:
        return today - timedelta(weeks=steps[step])

    start = AssessmentStart(
        case_id=case_id,
        la_code=settings.la_code,
        received_on=received,
        source="parent",
        child=ChildRecord(
            given_name="Demo",
            family_name=name.replace("-", " ").title(),
            date_of_birth=DATES_OF_BIRTH.get(name, date(2016, 9, 1)),
            year_group=6 if name in DATES_OF_BIRTH else 5,
        ),
        contacts=[
            ContactRecord(
                name="Demo parent",
                relationship="parent",
                email="parent@example.invalid",
                parental_responsibility=True,
            )
        ],
        caseworker_id=caseworker.actor_id,
        actor_id=caseworker.actor_id,
        remind_before_days=settings.remind_before_days,
        escalate_after_days=settings.escalate_after_days,
    )
    operation = WithStartWorkflowOperation(
        AssessmentWorkflow.run,
        start,
        id=assessment_workflow_id(case_id),
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
        task_queue=settings.task_queue,
    )
    await client.execute_update_with_start_workflow(
        AssessmentWorkflow.acknowledge_request, start_workflow_operation=operation, id=f"demo-{name}-create"
    )
    handle = await operation.workflow_handle()
    if "refuse" in steps:
        await handle.execute_update(
            AssessmentWorkflow.decide_assessment,
            DecideAssessment(
                actor=caseworker,
                outcome="refuse",
                decided_on=week("refuse"),
                reasons="Needs met at SEN support (demo)",
            ),
            id=f"demo-{name}-refuse",
        )
        return
    if "assess" not in steps:
        return
    advice = [
        AdviceSpec.model_validate(
            {"advice_id": kind.replace("_", "-"), "advice": kind, "agency_id": agencies[kind]}
        )
        for kind in AGENCIES
    ]
    await handle.execute_update(
        AssessmentWorkflow.decide_assessment,
        DecideAssessment(actor=caseworker, outcome="assess", decided_on=week("assess"), advice=advice),
        id=f"demo-{name}-assess",
    )
    for spec in advice:
        step = "answer:all" if "answer:all" in steps else f"answer:{spec.advice}"
        if step not in steps:
            continue
        await wait_for_workflow(
            client, advice_workflow_id(case_id, spec.advice_id)
        )  # it starts after the decision
        await client.get_workflow_handle_for(
            AdviceRequestWorkflow.run, advice_workflow_id(case_id, spec.advice_id)
        ).execute_update(
            AdviceRequestWorkflow.submit_advice,
            # Weeks ago, so recorded by the caseworker (an agency's own answer is dated the day it arrives).
            SubmitAdvice(
                actor=caseworker,
                received_on=week(step),
                summary="Received by email.",
                reason="Came by email to the SEND team's mailbox; recorded from there.",
            ),
            id=f"demo-{name}-{spec.advice_id}",
        )
    if "issue" in steps:
        await handle.execute_update(
            AssessmentWorkflow.decide_issue,
            DecideIssue(actor=caseworker, outcome="issue", decided_on=week("issue")),
            id=f"demo-{name}-issue",
        )
    if "draft" in steps:
        await handle.execute_update(
            AssessmentWorkflow.serve_draft,
            ServeDraft(actor=caseworker, served_on=week("draft")),
            id=f"demo-{name}-draft",
        )
    if "final" not in steps:
        return
    await handle.execute_update(
        AssessmentWorkflow.issue_final_plan,
        IssueFinalPlan(actor=caseworker, issued_on=week("final")),
        id=f"demo-{name}-final",
    )
    await _seed_plan(client, name=name, case_id=case_id, steps=steps, week=week, caseworker=caseworker)


async def _seed_plan(
    client: Client,
    *,
    name: str,
    case_id: uuid.UUID,
    steps: dict[str, int],
    week: Callable[[str], date],
    caseworker: Actor,
) -> None:
    """The plan's reviews so far, through its own workflow (it starts as the final plan is issued)."""
    await wait_for_workflow(client, plan_workflow_id(case_id))
    plan = client.get_workflow_handle_for(PlanWorkflow.run, plan_workflow_id(case_id))
    if "meeting" in steps:
        await plan.execute_update(
            PlanWorkflow.hold_review_meeting,
            HoldReviewMeeting(actor=caseworker, held_on=week("meeting")),
            id=f"demo-{name}-meeting",
        )
    for outcome in ("keep", "amend"):
        if f"review:{outcome}" in steps:
            await plan.execute_update(
                PlanWorkflow.decide_review,
                DecideReview(actor=caseworker, decided_on=week(f"review:{outcome}"), outcome=outcome),
                id=f"demo-{name}-review",
            )
    if "amended" in steps:
        await plan.execute_update(
            PlanWorkflow.issue_amended_plan,
            IssueAmendedPlan(actor=caseworker, issued_on=week("amended")),
            id=f"demo-{name}-amended",
        )
    if "transfer" in steps:
        on = week("transfer")
        september = on.year + 1 if on.month >= 9 else on.year
        await plan.execute_update(
            PlanWorkflow.record_phase_transfer,
            RecordPhaseTransfer(actor=caseworker, kind="school", year=september, recorded_on=on),
            id=f"demo-{name}-transfer",
        )
