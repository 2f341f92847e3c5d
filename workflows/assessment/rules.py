"""What an assessment's events say, and which of its steps are legal now (CFA s.36-39; regs 3-14): pure
functions, unit-tested without Temporal (tests/unit/workflows/test_assessment_rules.py). Each `check_*` is
the rule of one command: it returns, or raises a refusal naming what is wrong.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence, Set
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from statute.advice import missing_agreements, required_advice
from statute.events import Child, ExistingAdvice
from workflows.advice.messages import AdviceRequestStart
from workflows.advice.rules import request_start
from workflows.assessment.messages import (
    AssessmentStart,
    ConsultSchool,
    DecideAssessment,
    DecideIssue,
    ExceptionClaim,
    IssueFinalPlan,
    RecordSchoolResponse,
    ServeDraft,
    Withdraw,
)
from workflows.common.deadlines import latest
from workflows.common.messages import (
    AdviceSpec,
    DeadlineView,
    SchoolClosure,
    Stage,
    StatuteEvent,
    TimelineRequest,
    TimelineResult,
)
from workflows.common.records import CaseProjection
from workflows.common.rules import check_date, refuse, require_role
from workflows.plan.messages import PlanStart

FINISHED = frozenset({Stage.FINAL_ISSUED, Stage.WITHDRAWN, Stage.CLOSED})
APPEAL_OPEN = frozenset({Stage.REFUSED_TO_ASSESS, Stage.NOT_ISSUED})
DISPUTED = APPEAL_OPEN | {Stage.APPEALED}  # a refusal the family may still take, or has taken, further
STAFF = ("caseworker", "manager")


@dataclass(frozen=True, slots=True)
class AssessmentFacts:
    """What the assessment's rules judge a command by."""

    start: AssessmentStart
    stage: Stage
    deadlines: Sequence[DeadlineView]
    today: date
    decided: Mapping[str, date]  # each step taken, by the day it was: decision_to_assess, draft_served...
    advice: Mapping[str, AdviceSpec]
    received: Mapping[str, date]  # advice received, by advice id
    excepted_advice: Set[str]
    consulted: Mapping[str, date]  # schools consulted, by name
    responded: Set[str]
    claims: Mapping[str, ExceptionClaim]
    closures: Sequence[SchoolClosure] = ()
    events: Sequence[StatuteEvent] = ()
    parent_requests: Mapping[str, bool] = field(default_factory=dict)  # reg 6(1)(h): decided reasonable?


# ---- what the events say ----


def first_event(start: AssessmentStart) -> StatuteEvent:
    """The request (reg 3), or the child brought to the LA's attention (CFA s.24)."""
    if start.brought_to_attention:
        return StatuteEvent(event="brought_to_attention", date=start.received_on)
    source: dict[str, Any] = {"source": start.source} if start.source else {}
    return StatuteEvent(event="request_received", date=start.received_on, **source)


def advice_request_start(
    start: AssessmentStart, spec: AdviceSpec, requested_on: date, deadlines: Sequence[DeadlineView]
) -> AdviceRequestStart:
    """What one advice request starts with: the item of advice, and its deadline as the timeline has it."""
    return request_start(
        case_id=start.case_id,
        la_code=start.la_code,
        caseworker_id=start.caseworker_id,
        spec=spec,
        requested_on=requested_on,
        deadlines=deadlines,
        remind_before_days=start.remind_before_days,
        escalate_after_days=start.escalate_after_days,
    )


def plan_start(
    start: AssessmentStart,
    *,
    assessment_workflow_id: str,
    made_on: date,
    events: list[StatuteEvent],
    state_version: int,
    advice: Mapping[str, AdviceSpec],
    closures: Sequence[SchoolClosure] | None = None,
) -> PlanStart:
    """What the plan's workflow starts with when the final plan is issued: the assessment's whole history
    and the school closures known (those with the request unless given)."""
    return PlanStart(
        case_id=start.case_id,
        assessment_workflow_id=assessment_workflow_id,
        la_code=start.la_code,
        made_on=made_on,
        events=events,
        school_closures=list(start.school_closures if closures is None else closures),
        caseworker_id=start.caseworker_id,
        state_version=state_version,
        escalate_after_days=start.escalate_after_days,
        agency_by_advice_id={a.advice_id: a.agency_id for a in advice.values()},
    )


def projection(
    start: AssessmentStart,
    *,
    workflow_id: str,
    stage: Stage,
    timeline: TimelineResult,
    advice: Mapping[str, AdviceSpec],
    decided: Mapping[str, date],
    today: date,
) -> CaseProjection:
    """The case as the read model shows it, once its timeline is recomputed."""
    return CaseProjection(
        case_id=start.case_id,
        workflow_id=workflow_id,
        la_code=start.la_code,
        stage=stage,
        state_version=0,
        deadlines=timeline.deadlines,
        agency_by_advice_id={a.advice_id: a.agency_id for a in advice.values()},
        caseworker_id=start.caseworker_id,
        final_issued_on=decided.get("final_issued"),
        closed_on=today if stage in (Stage.CLOSED, Stage.WITHDRAWN) else None,
        week20_exception=any(d.deadline == "final_plan" and d.exception_accepted for d in timeline.deadlines),
    )


def timeline_request(
    start: AssessmentStart,
    events: list[StatuteEvent],
    now: datetime,
    closures: Sequence[SchoolClosure] | None = None,
    requested: Sequence[str] | None = None,
    *,
    reused: Sequence[str] = (),
) -> TimelineRequest:
    """What the statute engine is asked: the events, the school closures known (those with the request
    unless given) and the child's facts that decide the reg 6 advice, with the advice already held that
    stands instead of a request (reg 6(4))."""
    child = start.child
    return TimelineRequest(
        events=events,
        school_closures=list(start.school_closures if closures is None else closures),
        year_group=child.year_group,
        visual_impairment=child.visual_impairment,
        hearing_impairment=child.hearing_impairment,
        parent_requested=start.parent_requested if requested is None else list(requested),
        existing_advice=list(reused),
        now=now,
    )


def stage_now(stage: Stage, facts: AssessmentFacts) -> Stage:
    """Where the case stands once its timeline is recomputed: every advice in, the decision whether to
    issue is next; the appeal window of a refusal closed or used, the case is closed."""
    if stage is Stage.GATHERING_ADVICE and facts.advice and set(facts.advice) <= set(facts.received):
        return Stage.DECIDING_WHETHER_TO_ISSUE
    appeal = latest(facts.deadlines, "appeal")
    if stage in APPEAL_OPEN and appeal is not None and appeal.status in ("closed", "met"):
        return Stage.CLOSED
    return stage


def advice_dues(deadlines: Sequence[DeadlineView]) -> dict[str, date]:
    return {d.id: d.due for d in deadlines if d.deadline == "advice" and d.id is not None}


def after_any_order(facts: AssessmentFacts, day: date) -> date:
    """`day`, or the day of a tribunal's order or an unopposed appeal if later: what it requires is done
    on or after it (regs 44-45)."""
    ordered = [e.date for e in facts.events if e.event in ("tribunal_order", "appeal_unopposed")]
    return max([day, *ordered])


def closed(stage: Stage) -> str:
    return f"the case is {stage.value}; no further steps can be taken on it"


# ---- the commands ----


def check_decide_assessment(facts: AssessmentFacts, cmd: DecideAssessment) -> None:
    require_role(cmd.actor, *STAFF)
    if facts.stage is not Stage.AWAITING_DECISION_TO_ASSESS:
        decided = facts.decided.get("decision_to_assess")
        raise refuse(
            f"the decision whether to assess was already made on {decided}"
            if decided
            else closed(facts.stage)
        )
    decided_from = after_any_order(facts, facts.start.received_on)
    check_date(cmd.decided_on, "decided_on", not_before=decided_from, today=facts.today)
    if cmd.outcome == "refuse" and decided_from > facts.start.received_on:
        raise refuse("the tribunal's order (or the LA's concession) requires an assessment: decide to assess")
    if cmd.outcome == "refuse":
        if not cmd.reasons.strip():
            raise refuse("reasons: a refusal must give reasons against the s.36(8) test", "InvalidInput")
        if cmd.advice or cmd.existing_advice:
            raise refuse("advice: a refusal to assess requests no advice, nor uses any", "InvalidInput")
        return
    ids = [a.advice_id for a in cmd.advice]
    if len(ids) != len(set(ids)):
        raise refuse("advice: each advice_id must be different", "InvalidInput")
    check_existing_advice(cmd)
    child = facts.start.child
    needed = required_advice(
        Child(
            year_group=child.year_group,
            visual_impairment=child.visual_impairment,
            hearing_impairment=child.hearing_impairment,
            parent_requested=tuple(still_requested(facts.start, facts.parent_requests)),
        )
    )
    given: list[str] = [*(a.advice for a in cmd.advice), *(e.advice for e in cmd.existing_advice)]
    for item in needed:
        if given.count(item.advice) < sum(1 for other in needed if other.advice == item.advice):
            raise refuse(
                f"advice: {item.rule} requires {item.advice} advice; add a request for it", "InvalidInput"
            )


def check_existing_advice(cmd: DecideAssessment) -> None:
    """Advice already held stands instead of a request only with all three agreements (reg 6(4)), and a
    kind of advice is either asked for or reused, not both."""
    for i, existing in enumerate(cmd.existing_advice):
        missing = missing_agreements(
            ExistingAdvice(
                advice=existing.advice,
                adviser_agrees=existing.adviser_agrees,
                la_agrees=existing.la_agrees,
                parent_agrees=existing.parent_agrees,
            )
        )
        if missing:
            raise refuse(
                f"existing_advice[{i}]: reg 6(4) lets advice already held stand only if the adviser, the LA "
                f"and the parent or young person all agree it is sufficient; missing: {', '.join(missing)}",
                "InvalidInput",
            )
    reused = [e.advice for e in cmd.existing_advice]
    if len(reused) != len(set(reused)):
        raise refuse("existing_advice: each kind of advice is reused once", "InvalidInput")
    both = sorted(set(reused) & {a.advice for a in cmd.advice})
    if both:
        raise refuse(
            f"existing_advice: {both[0]} advice is both asked for and reused under reg 6(4); do one",
            "InvalidInput",
        )


def still_requested(start: AssessmentStart, decided: Mapping[str, bool]) -> list[str]:
    """The people the parent asked for advice from (reg 6(1)(h)) but those the LA found unreasonable."""
    return [who for who in start.parent_requested if decided.get(who, True)]


def check_decide_issue(facts: AssessmentFacts, cmd: DecideIssue) -> None:
    require_role(cmd.actor, *STAFF)
    if facts.stage not in (Stage.GATHERING_ADVICE, Stage.DECIDING_WHETHER_TO_ISSUE):
        decided = facts.decided.get("decision_to_issue")
        if decided:
            raise refuse(f"the decision whether to issue a plan was already made on {decided}")
        raise refuse(f"the case is {facts.stage.value}; decide whether to assess first")
    check_date(
        cmd.decided_on, "decided_on", not_before=facts.decided["decision_to_assess"], today=facts.today
    )
    for advice_id, due in advice_dues(facts.deadlines).items():
        # As it stood on the day of the decision: advice received after it was still awaited then.
        received = facts.received.get(advice_id)
        answered = (received is not None and received <= cmd.decided_on) or advice_id in facts.excepted_advice
        if not answered and cmd.decided_on <= due:
            raise refuse(
                f"advice '{advice_id}' is still awaited (due {due}); decide once it arrives or its "
                "deadline passes"
            )


def check_serve_draft(facts: AssessmentFacts, cmd: ServeDraft) -> None:
    require_role(cmd.actor, *STAFF)
    if facts.stage is Stage.DRAFT_SERVED:
        raise refuse(f"the draft plan was already served on {facts.decided['draft_served']}")
    if facts.stage is not Stage.DRAFTING:
        raise refuse(f"the case is {facts.stage.value}; a draft follows a decision to issue a plan")
    check_date(
        cmd.served_on,
        "served_on",
        not_before=after_any_order(facts, facts.decided["decision_to_issue"]),
        today=facts.today,
    )


def check_consult_school(facts: AssessmentFacts, cmd: ConsultSchool) -> None:
    require_role(cmd.actor, *STAFF)
    if facts.stage is not Stage.DRAFT_SERVED:
        raise refuse(f"the case is {facts.stage.value}; schools are consulted once the draft is served")
    if cmd.school in facts.consulted:
        raise refuse(f"'{cmd.school}' was already consulted on {facts.consulted[cmd.school]}")
    check_date(cmd.consulted_on, "consulted_on", not_before=facts.decided["draft_served"], today=facts.today)


def check_record_school_response(facts: AssessmentFacts, cmd: RecordSchoolResponse) -> None:
    require_role(cmd.actor, *STAFF)
    if cmd.school not in facts.consulted:
        raise refuse(f"'{cmd.school}' was not consulted on this case")
    if cmd.school in facts.responded:
        raise refuse(f"'{cmd.school}' has already responded")
    check_date(cmd.responded_on, "responded_on", not_before=facts.consulted[cmd.school], today=facts.today)


def check_issue_final_plan(facts: AssessmentFacts, cmd: IssueFinalPlan) -> None:
    require_role(cmd.actor, *STAFF)
    if facts.stage is Stage.FINAL_ISSUED:
        raise refuse(f"the final plan was already issued on {facts.decided['final_issued']}")
    if facts.stage is not Stage.DRAFT_SERVED:
        raise refuse(f"the case is {facts.stage.value}; a final plan follows a served draft")
    check_date(cmd.issued_on, "issued_on", not_before=facts.decided["draft_served"], today=facts.today)
    if cmd.school_named is not None and cmd.school_named not in facts.consulted:
        raise refuse(
            f"school_named: '{cmd.school_named}' was not consulted on being named "
            "(CFA s.39(2)-(3), s.40(3)): consult it first"
        )
    window = latest(facts.deadlines, "representations_end")
    if window is not None and cmd.issued_on <= window.due:
        raise refuse(
            f"the parent's representations window runs to {window.due} (reg 13(1)(a)); the final plan "
            f"can be issued from {window.due + timedelta(days=1)}"
        )


def check_withdraw(facts: AssessmentFacts, cmd: Withdraw) -> None:
    require_role(cmd.actor, *STAFF)
    if facts.stage in FINISHED or facts.stage in DISPUTED:
        raise refuse(closed(facts.stage))
    check_date(cmd.withdrawn_on, "withdrawn_on", not_before=facts.start.received_on, today=facts.today)
