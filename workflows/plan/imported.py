"""A plan brought in from a council's earlier records (`ehcp import`, issue 11 s.6): its events after the
final plan read as the commands that would have recorded them, each judged by that command's rule
(`rules.py`) on the plan as it stood, so a history no caseworker could have recorded here is refused
before its workflow starts. Pure, unit-tested without Temporal (tests/unit/workflows/test_plan_imported.py);
the timeline each rule sees comes from the caller (the statute engine).

Events a command writes on its own are not commands of their own: the amendment notice served with a
review's decision to amend, the decision notices (of ceasing, a refusal, a plan's content). An exception,
advice received and a school's consultation are facts the statute engine checks, not steps here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date
from typing import Any, Literal, cast
from uuid import UUID

from pydantic import ValidationError
from temporalio.exceptions import ApplicationError

from workflows.assessment.imported import IMPORTED_REASONS, ImportRefused, ordered
from workflows.common.disputes import MEDIATION_EVENTS
from workflows.common.messages import Actor, AdviceSpec, DeadlineView, Stage, StatuteEvent
from workflows.plan import reassessment, rules
from workflows.plan.messages import (
    CeasePlan,
    ConcedeAppeal,
    DecideNotToAmend,
    DecideReassessment,
    DecideReview,
    DecideToCease,
    HoldReviewMeeting,
    IssueAmendedPlan,
    PlanCommand,
    ProposeAmendments,
    RecordAppeal,
    RecordAppealOutcome,
    RecordMediation,
    RecordMove,
    RecordPhaseTransfer,
    RecordReviewInvitations,
    RecordReviewReport,
    RecordTransferInformed,
    RequestReassessment,
    TransferPlanOut,
    WaiveReviewStep,
)

Timeline = Callable[[list[StatuteEvent]], Sequence[DeadlineView]]
# Facts of the case the statute engine checks, not steps a command records.
FACTS = frozenset({"advice_received", "exception", "school_consulted", "school_responded"})
_STEP_OF_MEDIATION = {event: step for step, event in MEDIATION_EVENTS.items()}
CHECKS: dict[type[PlanCommand], Callable[[rules.PlanFacts, Any], None]] = {
    RecordReviewInvitations: rules.check_record_review_invitations,
    HoldReviewMeeting: rules.check_hold_review_meeting,
    RecordReviewReport: rules.check_record_review_report,
    WaiveReviewStep: rules.check_waive_review_step,
    DecideReview: rules.check_decide_review,
    ProposeAmendments: rules.check_propose_amendments,
    IssueAmendedPlan: rules.check_issue_amended_plan,
    DecideNotToAmend: rules.check_decide_not_to_amend,
    RecordPhaseTransfer: rules.check_record_phase_transfer,
    DecideToCease: rules.check_decide_to_cease,
    RecordAppeal: rules.check_record_appeal,
    RecordAppealOutcome: rules.check_record_appeal_outcome,
    ConcedeAppeal: rules.check_concede_appeal,
    RecordMediation: rules.check_record_mediation,
    CeasePlan: rules.check_cease_plan,
    RequestReassessment: reassessment.check_request_reassessment,
    DecideReassessment: reassessment.check_decide_reassessment,
    RecordMove: rules.check_record_move,
    TransferPlanOut: rules.check_transfer_plan_out,
    RecordTransferInformed: rules.check_record_transfer_informed,
}


def check_plan_history(
    events: Sequence[StatuteEvent],
    *,
    today: date,
    agencies: Mapping[str, UUID],
    timeline: Timeline,
) -> None:
    """Judge each of the plan's events after its final plan by its command's rule, in order of date;
    `ImportRefused` (with the event's index in the file) for the first the plan could not have taken."""
    taken = ordered(events)
    made = max((i for i, (_, e) in enumerate(taken) if e.event == "final_issued"), default=None)
    if made is None:
        raise ImportRefused(0, "a plan's history has its final plan (final_issued)")
    before = [e for _, e in taken[:made]]
    cycle = [taken[made][1]]
    known = {str((e.model_extra or {}).get("id")) for e in before if e.event == "advice_requested"}
    actor = Actor(actor_id=UUID(int=0), role="manager")  # judged as staff who may take every step
    stage = Stage.PLAN_MAINTAINED
    for n, (index, event) in enumerate(taken[made + 1 :], start=made + 1):
        try:
            command = _command(event, actor, cycle, taken[n + 1 :], agencies)
        except ValidationError as error:
            problem = error.errors()[0]
            where = ".".join(str(p) for p in problem["loc"])
            raise ImportRefused(index, f"{where}: {problem['msg']}") from None
        except ApplicationError as error:
            raise ImportRefused(index, error.message) from None
        if command is not None:
            facts = rules.PlanFacts(
                events=cycle,
                deadlines=list(timeline([*before, *cycle])),
                stage=stage,
                today=today,
                advice_ids=frozenset(known),
            )
            try:
                CHECKS[type(command)](facts, command)
            except ApplicationError as error:
                raise ImportRefused(index, error.message) from None
        cycle.append(event)
        if event.event == "advice_requested":
            known.add(str((event.model_extra or {}).get("id")))
        if event.event == "plan_ceased":
            stage = Stage.PLAN_CEASED


def _command(
    event: StatuteEvent,
    actor: Actor,
    cycle: Sequence[StatuteEvent],
    later: Sequence[tuple[int, StatuteEvent]],
    agencies: Mapping[str, UUID],
) -> PlanCommand | None:
    """The command that records `event`, or None for one written with another's or a fact."""
    name, on, extra = event.event, event.date, event.model_extra or {}
    simple: dict[str, Callable[[], PlanCommand]] = {
        "review_invitations_sent": lambda: RecordReviewInvitations(actor=actor, sent_on=on),
        "review_meeting": lambda: HoldReviewMeeting(actor=actor, held_on=on),
        "review_report_sent": lambda: RecordReviewReport(actor=actor, sent_on=on),
        "review_step_waived": lambda: WaiveReviewStep(
            actor=actor,
            step=extra["deadline"],
            meeting_on=extra["start"],
            waived_on=on,
            reasons=IMPORTED_REASONS,
        ),
        "plan_reviewed": lambda: DecideReview(
            actor=actor, decided_on=on, outcome=extra["outcome"], reasons=IMPORTED_REASONS
        ),
        "amended_plan_issued": lambda: IssueAmendedPlan(actor=actor, issued_on=on),
        "decided_not_to_amend": lambda: DecideNotToAmend(
            actor=actor, decided_on=on, reasons=IMPORTED_REASONS
        ),
        "phase_transfer": lambda: RecordPhaseTransfer(
            actor=actor, kind=extra["kind"], year=extra["year"], recorded_on=on, transfer_on=extra.get("move")
        ),
        "appeal_lodged": lambda: RecordAppeal(actor=actor, lodged_on=on),
        "tribunal_order": lambda: RecordAppealOutcome(actor=actor, decided_on=on, outcome=extra["order"]),
        "appeal_unopposed": lambda: ConcedeAppeal(actor=actor, conceded_on=on, appeal=extra["appeal"]),
        "plan_ceased": lambda: CeasePlan(actor=actor, ceased_on=on, reasons=IMPORTED_REASONS),
        "reassessment_requested": lambda: RequestReassessment(actor=actor, requested_on=on),
        "transfer_aware": lambda: RecordMove(
            actor=actor, aware_on=on, move_on=extra["move"], to_la="another LA"
        ),
        "transfer_informed": lambda: RecordTransferInformed(actor=actor, informed_on=on),
    }
    if name in simple:
        return simple[name]()
    if name in _STEP_OF_MEDIATION:
        step = cast(
            Literal["adviser_contacted", "held", "not_arranged", "certificate_issued"],
            _STEP_OF_MEDIATION[name],
        )
        wants = extra.get("wants_mediation") if step == "adviser_contacted" else None
        return RecordMediation(actor=actor, on=on, step=step, wants_mediation=wants)
    if name == "amendment_notice_sent":
        # Served with a review's decision to amend, it is that decision's; otherwise a proposal of its own.
        reviewed = [e for e in cycle if e.event == "plan_reviewed" and e.date == on]
        if reviewed and (reviewed[-1].model_extra or {}).get("outcome") == "amend":
            return None
        return ProposeAmendments(actor=actor, served_on=on, method=extra.get("method", "email"))
    if name == "decision_notice_sent":
        # A decision to cease on its own day (not a review's) is the decision; the other notices are
        # written with their decisions.
        reviewed = [e for e in cycle if e.event == "plan_reviewed" and e.date == on]
        if extra.get("decision") == "cease" and not reviewed:
            return DecideToCease(actor=actor, decided_on=on, reasons=IMPORTED_REASONS)
        return None
    if name == "reassessment_decided":
        advice = [_advice(e, agencies) for _, e in _asked_with(on, later)]
        reasons = IMPORTED_REASONS if extra.get("outcome") == "refuse" else ""
        return DecideReassessment(
            actor=actor, decided_on=on, outcome=extra["outcome"], reasons=reasons, advice=advice
        )
    if name == "transferred":
        moving = [e for e in cycle if e.event == "transfer_aware"]
        return TransferPlanOut(actor=actor, transferred_on=on) if moving else None  # else: the plan came in
    if name in FACTS or name == "advice_requested":
        return None
    raise ApplicationError(f"{name} is not a step of a plan after its final plan")


def _asked_with(on: date, later: Sequence[tuple[int, StatuteEvent]]) -> list[tuple[int, StatuteEvent]]:
    """The advice requests a decision to reassess made: those dated from its day, before any other step."""
    asked: list[tuple[int, StatuteEvent]] = []
    for index, event in later:
        if event.event == "advice_requested" and event.date >= on:
            asked.append((index, event))
        elif event.event not in FACTS:
            break
    return asked


def _advice(event: StatuteEvent, agencies: Mapping[str, UUID]) -> AdviceSpec:
    extra = event.model_extra or {}
    advice_id = str(extra.get("id"))
    if advice_id not in agencies:
        raise ApplicationError(f"no agency is given for advice '{advice_id}'; add it to the line's agencies")
    fields = {"advice_id": advice_id, "advice": extra.get("advice"), "agency_id": agencies[advice_id]}
    fields |= {k: extra[k] for k in ("school", "received_by_body") if extra.get(k) is not None}
    return AdviceSpec.model_validate(fields)
