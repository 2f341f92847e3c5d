"""What the plan's events say, and which of its steps are legal now (CFA s.44-45, s.51; regs 15-31, 44-45):
pure functions over the cycle's events and timeline, unit-tested without Temporal
(tests/unit/workflows/test_plan_rules.py). Each `check_*` is the rule of one command: it returns, or
raises a refusal naming what is wrong.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from workflows.common.deadlines import is_pending
from workflows.common.disputes import check_appeal_lodged, check_mediation_step
from workflows.common.messages import DeadlineView, Stage, StatuteEvent
from workflows.common.rules import a, awaits, check_date, last, refuse, require_role
from workflows.plan.messages import (
    CeasePlan,
    ConcedeAppeal,
    DecideNotToAmend,
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
    TransferPlanOut,
    WaiveReviewStep,
)

# Representations on proposed amendments: at least 15 days beginning with the day served (reg 22(2)(c)).
REPRESENTATIONS = timedelta(days=15)


@dataclass(frozen=True, slots=True)
class PlanFacts:
    """What the plan's rules judge a command by: the cycle's events (the first is its anchor), its
    timeline, where the plan stands, and today by the workflow's clock."""

    events: Sequence[StatuteEvent]
    deadlines: Sequence[DeadlineView]
    stage: Stage
    today: date
    appeal_concluded_on: date | None = None  # an appeal against ceasing was decided without an order
    advice_ids: frozenset[str] = frozenset()  # every advice request's id the case has had, to keep them apart


# ---- what the events say ----


def undecided_meeting(events: Sequence[StatuteEvent]) -> StatuteEvent | None:
    """The latest review meeting, while it awaits the LA's decision (reg 20(10))."""
    meeting = last(events, "review_meeting")
    return meeting if meeting is not None and awaits(events, meeting, "plan_reviewed") else None


def ceasing(events: Sequence[StatuteEvent]) -> StatuteEvent | None:
    """The decision to cease still in force: not overturned by a tribunal order since (reg 44)."""
    notice = next(
        (
            e
            for e in reversed(events)
            if e.event == "decision_notice_sent" and getattr(e, "decision", None) == "cease"
        ),
        None,
    )
    if notice is None:
        return None
    order = last(events, "tribunal_order")
    return None if order is not None and order.date >= notice.date else notice


def appeal_deadline(facts: PlanFacts, notice: StatuteEvent | None = None) -> DeadlineView | None:
    """The appeal deadline of a decision notice: the latest notice's unless one is given."""
    notice = notice or last(facts.events, "decision_notice_sent")
    if notice is None:
        return None
    return next(
        (
            d
            for d in facts.deadlines
            if d.deadline == "appeal"
            and d.id == getattr(notice, "decision", None)
            and d.from_date == notice.date
        ),
        None,
    )


def appeal_pending(facts: PlanFacts) -> StatuteEvent | None:
    """An appeal against the latest decision, lodged and not yet decided (no order, not conceded, not
    dismissed)."""
    notice, lodged = last(facts.events, "decision_notice_sent"), last(facts.events, "appeal_lodged")
    if notice is None or lodged is None or lodged.date < notice.date:
        return None
    for ended in ("tribunal_order", "appeal_unopposed"):
        after = last(facts.events, ended)
        if after is not None and after.date >= lodged.date:
            return None
    concluded = facts.appeal_concluded_on
    return lodged if concluded is None or concluded < lodged.date else None


def tribunal_amendment(events: Sequence[StatuteEvent]) -> StatuteEvent | None:
    """A tribunal order to amend, or a conceded appeal, still awaiting its amended plan (regs 44-45)."""
    orders = [
        e
        for e in events
        if (e.event == "tribunal_order" and getattr(e, "order", None) == "amend")
        or e.event == "appeal_unopposed"
    ]
    if not orders:
        return None
    return orders[-1] if awaits(events, orders[-1], "amended_plan_issued") else None


# ---- what every step needs ----


def check_step(
    facts: PlanFacts, cmd: PlanCommand, on: date, field: str, *, after: str | None = None
) -> StatuteEvent:
    """Who may act and when: a caseworker or manager, on a maintained plan, dated on or after the latest
    `after` event (which must exist), or else on or after the cycle's anchor; returns that event."""
    require_role(cmd.actor, "caseworker", "manager")
    if facts.stage is Stage.PLAN_CEASED:
        ceased = last(facts.events, "plan_ceased")
        raise refuse(f"the plan ceased on {ceased.date if ceased else '?'}; no further steps can be taken")
    if facts.stage is Stage.PLAN_TRANSFERRED:
        moved = last(facts.events, "transferred")
        raise refuse(
            f"the plan was transferred to another LA on {moved.date if moved else '?'}; "
            "no further steps can be taken here"
        )
    previous = last(facts.events, after) if after else facts.events[0]
    if previous is None:
        raise refuse(f"this step needs {a((after or 'previous step').replace('_', ' '))} first")
    check_date(on, field, not_before=previous.date, today=facts.today)
    return previous


def pending_amendments(events: Sequence[StatuteEvent]) -> StatuteEvent | None:
    """The latest notice of proposed amendments, while it awaits its amended plan or the LA's decision not
    to amend after all (reg 22(3)-(4))."""
    notice = last(events, "amendment_notice_sent")
    if notice is None or not awaits(events, notice, "amended_plan_issued"):
        return None
    return notice if awaits(events, notice, "decided_not_to_amend") else None


def after_review(events: Sequence[StatuteEvent], notice: StatuteEvent) -> bool:
    """The amendments were proposed with a review's decision to amend (Devon [2022]): not amending after
    all is then a decision the parent can appeal (CFA s.51(2)(e))."""
    return any(
        e.event == "plan_reviewed" and getattr(e, "outcome", None) == "amend" and e.date == notice.date
        for e in events
    )


def check_no_pending_amendment(facts: PlanFacts) -> None:
    notice = pending_amendments(facts.events)
    if notice is not None:
        raise refuse(f"the amendments proposed on {notice.date} await their amended plan; issue it first")


def check_not_ceasing(facts: PlanFacts) -> None:
    decided = ceasing(facts.events)
    if decided is not None:
        raise refuse(f"the LA already decided to cease the plan on {decided.date}")


# ---- the review cycle (CFA s.44; regs 18-21) ----


def check_record_review_invitations(facts: PlanFacts, cmd: RecordReviewInvitations) -> None:
    check_step(facts, cmd, cmd.sent_on, "sent_on")
    sent = last(facts.events, "review_invitations_sent")
    if sent is not None and awaits(facts.events, sent, "review_meeting"):
        raise refuse(f"invitations for the next review meeting were already sent on {sent.date}")


def check_hold_review_meeting(facts: PlanFacts, cmd: HoldReviewMeeting) -> None:
    check_step(facts, cmd, cmd.held_on, "held_on")
    decided = last(facts.events, "plan_reviewed")
    if decided is not None and cmd.held_on < decided.date:
        raise refuse(
            f"held_on: {cmd.held_on} is before the last review decision, on {decided.date}", "InvalidInput"
        )
    waiting = undecided_meeting(facts.events)
    if waiting is not None:
        raise refuse(
            f"the review meeting held on {waiting.date} still awaits the LA's decision; record it first"
        )


def check_record_review_report(facts: PlanFacts, cmd: RecordReviewReport) -> None:
    meeting = check_step(facts, cmd, cmd.sent_on, "sent_on", after="review_meeting")
    report = last(facts.events, "review_report_sent")
    if report is not None and report.date >= meeting.date:
        raise refuse(f"the report of the meeting on {meeting.date} was already sent on {report.date}")


def check_decide_review(facts: PlanFacts, cmd: DecideReview) -> None:
    meeting = check_step(facts, cmd, cmd.decided_on, "decided_on", after="review_meeting")
    if undecided_meeting(facts.events) is None:
        decided = last(facts.events, "plan_reviewed")
        raise refuse(
            f"the review meeting on {meeting.date} was already decided on {decided.date if decided else None}"
        )
    if cmd.outcome == "amend":
        check_no_pending_amendment(facts)
    if cmd.outcome == "cease":
        check_not_ceasing(facts)
        if not cmd.reasons.strip():
            raise refuse("reasons: a decision to cease must give its reasons (reg 31)", "InvalidInput")


def check_waive_review_step(facts: PlanFacts, cmd: WaiveReviewStep) -> None:
    check_step(facts, cmd, cmd.waived_on, "waived_on")
    require_role(cmd.actor, "manager")
    if not cmd.reasons.strip():
        raise refuse("reasons: say why the step is not needed", "InvalidInput")
    step = next(
        (d for d in facts.deadlines if d.deadline == cmd.step and d.from_date == cmd.meeting_on), None
    )
    if step is None:
        raise refuse(f"meeting_on: no review meeting on {cmd.meeting_on} owes {cmd.step}", "InvalidInput")
    if not is_pending(step):
        raise refuse(
            f"the {cmd.step.replace('_', ' ')} of the meeting on {cmd.meeting_on} is {step.status}: "
            "nothing to waive"
        )


# ---- amendments (reg 22) and phase transfers (reg 18) ----


def check_propose_amendments(facts: PlanFacts, cmd: ProposeAmendments) -> None:
    check_step(facts, cmd, cmd.served_on, "served_on")
    check_no_pending_amendment(facts)


def check_issue_amended_plan(facts: PlanFacts, cmd: IssueAmendedPlan) -> None:
    ordered = tribunal_amendment(facts.events)
    if ordered is not None:  # the tribunal's amendments: no representations window (reg 44, 45)
        check_step(facts, cmd, cmd.issued_on, "issued_on", after=ordered.event)
        return
    notice = check_step(facts, cmd, cmd.issued_on, "issued_on", after="amendment_notice_sent")
    if pending_amendments(facts.events) is None:
        raise refuse("no amendments are proposed: serve a notice of proposed amendments first (reg 22)")
    ends = notice.date + REPRESENTATIONS - timedelta(days=1)
    if cmd.issued_on <= ends:
        raise refuse(
            f"the parent's 15 days for representations on the amendments served on {notice.date} run "
            f"to {ends} (reg 22(2)(c)); issue the amended plan after that"
        )


def check_decide_not_to_amend(facts: PlanFacts, cmd: DecideNotToAmend) -> None:
    check_step(facts, cmd, cmd.decided_on, "decided_on", after="amendment_notice_sent")
    if pending_amendments(facts.events) is None:
        raise refuse("no amendments are proposed: there is nothing to decide not to make (reg 22(4))")
    if not cmd.reasons.strip():
        raise refuse("reasons: the parent is told the reasons for not amending (reg 22(4))", "InvalidInput")


def check_record_phase_transfer(facts: PlanFacts, cmd: RecordPhaseTransfer) -> None:
    check_step(facts, cmd, cmd.recorded_on, "recorded_on")
    if not cmd.recorded_on.year <= cmd.year <= cmd.recorded_on.year + 1:
        later = f"not within the next 12 months of {cmd.recorded_on}"
        raise refuse(f"year: a phase transfer in {cmd.year} is {later}", "InvalidInput")
    if (cmd.kind == "post16_move") != (cmd.transfer_on is not None):
        raise refuse("transfer_on: give the day of the move for a post16_move, and only then", "InvalidInput")
    if cmd.transfer_on is not None and (
        cmd.transfer_on.year != cmd.year or cmd.transfer_on <= cmd.recorded_on
    ):
        raise refuse(
            f"transfer_on: {cmd.transfer_on} is not a day after {cmd.recorded_on} in {cmd.year}",
            "InvalidInput",
        )
    this = _transfer(cmd.kind, cmd.year, cmd.transfer_on)
    for e in facts.events:
        if (
            e.event == "phase_transfer"
            and _transfer(*(getattr(e, f, None) for f in ("kind", "year", "move"))) == this
        ):
            raise refuse(f"the {this} was already recorded on {e.date}")


def _transfer(kind: object, year: object, move: object) -> str:
    """A transfer by its September, or a post-16 move by its day (a date, or an ISO string in a later run)."""
    return f"move on {move}" if kind == "post16_move" else f"phase transfer in September {year}"


# ---- ceasing (regs 29-31), its appeal and mediation (CFA s.51-55; regs 33-45) ----


def check_decide_to_cease(facts: PlanFacts, cmd: DecideToCease) -> None:
    check_step(facts, cmd, cmd.decided_on, "decided_on")
    check_not_ceasing(facts)
    if not cmd.reasons.strip():
        raise refuse("reasons: a decision to cease must give its reasons (reg 31)", "InvalidInput")


def check_record_appeal(facts: PlanFacts, cmd: RecordAppeal) -> None:
    notice = check_step(facts, cmd, cmd.lodged_on, "lodged_on", after="decision_notice_sent")
    check_appeal_lodged(facts.events, notice, appeal_deadline(facts), cmd.lodged_on)


def check_record_appeal_outcome(facts: PlanFacts, cmd: RecordAppealOutcome) -> None:
    lodged = check_step(facts, cmd, cmd.decided_on, "decided_on", after="appeal_lodged")
    if appeal_pending(facts) is None:
        raise refuse(f"the appeal lodged on {lodged.date} was already decided")


def check_concede_appeal(facts: PlanFacts, cmd: ConcedeAppeal) -> None:
    lodged = check_step(facts, cmd, cmd.conceded_on, "conceded_on", after="appeal_lodged")
    if appeal_pending(facts) is None:
        raise refuse(f"the appeal lodged on {lodged.date} was already decided")


def check_record_mediation(facts: PlanFacts, cmd: RecordMediation) -> None:
    notice = check_step(facts, cmd, cmd.on, "on", after="decision_notice_sent")
    check_mediation_step(
        facts.events, notice, step=cmd.step, on=cmd.on, wants=cmd.wants_mediation, today=facts.today
    )


def check_cease_plan(facts: PlanFacts, cmd: CeasePlan) -> None:
    check_step(facts, cmd, cmd.ceased_on, "ceased_on", after="decision_notice_sent")
    notice = ceasing(facts.events)
    if notice is None:
        raise refuse("the plan can only cease after a decision to cease: decide to cease first (reg 30)")
    appeal = appeal_deadline(facts, notice)
    if appeal is not None and appeal.status == "open" and cmd.ceased_on <= appeal.due:
        raise refuse(
            f"the parent can appeal the decision of {notice.date} until {appeal.due}: the plan stays "
            "maintained until then (CFA s.45(3))"
        )
    if appeal_pending(facts) is not None:
        raise refuse("an appeal against the decision to cease is pending: the plan stays maintained")


# ---- transfer between LAs (reg 15) ----


def check_record_move(facts: PlanFacts, cmd: RecordMove) -> None:
    check_step(facts, cmd, cmd.aware_on, "aware_on")
    if cmd.move_on < cmd.aware_on:
        raise refuse(f"move_on: {cmd.move_on} is before aware_on, {cmd.aware_on}", "InvalidInput")
    moving = last(facts.events, "transfer_aware")
    if moving is not None:
        raise refuse(f"a move was already recorded on {moving.date}")


def check_transfer_plan_out(facts: PlanFacts, cmd: TransferPlanOut) -> None:
    check_step(facts, cmd, cmd.transferred_on, "transferred_on", after="transfer_aware")


def check_record_transfer_informed(facts: PlanFacts, cmd: RecordTransferInformed) -> None:
    arrived = check_step(facts, cmd, cmd.informed_on, "informed_on", after="transferred")
    if not awaits(facts.events, arrived, "transfer_informed"):
        raise refuse(f"the parent was already told after the transfer of {arrived.date}")
