"""The messages of `PlanWorkflow`: its start (one per review cycle), its commands (one update each), its
state."""

from __future__ import annotations

from datetime import date
from typing import Literal
from uuid import UUID

from pydantic import Field

from statute.conventions import ServiceMethod
from workflows.assessment.messages import CaseRecord
from workflows.common.messages import (
    AdviceSpec,
    Command,
    Day,
    DeadlineView,
    Model,
    Name,
    SchoolClosure,
    Stage,
    StatuteEvent,
    Text,
)


class PlanStart(Model):
    """Starts `PlanWorkflow` (id `plan-<case_id>`) when the final plan is issued, and again at every
    continue-as-new: one run per review cycle, carrying only that cycle's events (from its anchor, the
    plan's making or the review that opened it), ids, dates and enums, so timers re-arm from absolute
    dates. The first run is given the assessment's whole history and keeps what is dated from the making.
    """

    case_id: UUID
    assessment_workflow_id: str
    la_code: str
    made_on: date
    events: list[StatuteEvent]
    school_closures: list[SchoolClosure] = []
    caseworker_id: UUID | None = None
    state_version: int = 0
    escalate_after_days: int = 7
    agency_by_advice_id: dict[str, UUID] = {}
    breached: list[str] = []
    escalated: list[str] = []
    reminded: list[str] = []  # the reviews the caseworker was already reminded to arrange
    cycle: int = 1  # the review cycle this run serves: 1 from the plan's making, then one per review
    cycle_from: date | None = None  # the anchor's date: this run owns the deadlines starting on or after it
    appeal_concluded_on: date | None = None  # an appeal against ceasing was decided without an order
    applied: list[str] = []  # the latest commands' update ids: a retry after continue-as-new is answered
    # A plan transferred in from another LA (reg 15): the case to record first. `events` then hold the
    # plan's making (as the old LA made it) and the transfer.
    arriving: CaseRecord | None = None
    # A plan imported from the council's earlier records (`ehcp import`): nothing due before this day is
    # announced (breaches, escalations, review reminders), in this run or the cycles after it.
    imported_on: date | None = None


class PlanCommand(Command):
    """A command on a plan: one update of its workflow, with who does it."""


class RecordReviewInvitations(PlanCommand):
    """Invitations to the review meeting and its advice were sent (reg 20(2)-(4)), 2 weeks before it."""

    update_name = "record_review_invitations"
    sent_on: Day


class HoldReviewMeeting(PlanCommand):
    """The annual review meeting was held (reg 20(5)), led by the school or setting or by the LA."""

    update_name = "hold_review_meeting"
    held_on: Day
    led_by: Literal["school", "setting", "la"] = "school"


class RecordReviewReport(PlanCommand):
    """The review report was circulated (reg 20(7)-(8)), within 2 weeks of the meeting."""

    update_name = "record_review_report"
    sent_on: Day


class WaiveReviewStep(PlanCommand):
    """A manager waives a step of a review meeting as not needed (its invitations or its report), with the
    reasons: the step is owed no longer, so the review cycle can close on purpose rather than stay open."""

    update_name = "waive_review_step"
    step: Literal["review_invitations", "review_report"]
    meeting_on: Day = Field(description="The date of the review meeting the step belongs to.")
    waived_on: Day
    reasons: Text


class DecideReview(PlanCommand):
    """The LA's decision after the review (reg 20(10)): keep, amend (with the proposed amendments, Devon
    [2022]) or cease (with reasons, reg 31)."""

    update_name = "decide_review"
    decided_on: Day
    outcome: Literal["keep", "amend", "cease"]
    reasons: Text = ""
    method: ServiceMethod = "email"


class ProposeAmendments(PlanCommand):
    """A notice of proposed amendments outside a review (reg 22(2)), served on the parent or young person."""

    update_name = "propose_amendments"
    served_on: Day
    reasons: Text = ""
    method: ServiceMethod = "email"


class DecideNotToAmend(PlanCommand):
    """The LA decided not to amend the plan after all (reg 22(4)): the parent is told, with its reasons and,
    when the amendments followed a review, the right to appeal (CFA s.51(2)(e))."""

    update_name = "decide_not_to_amend"
    decided_on: Day
    reasons: Text


class IssueAmendedPlan(PlanCommand):
    """The amended plan was issued (reg 22(3)), after the 15 days for representations."""

    update_name = "issue_amended_plan"
    issued_on: Day
    school_named: Name | None = None


class RecordPhaseTransfer(PlanCommand):
    """The child changes phase in September of `year` (reg 18): `school` or `post16`; or the young person
    moves between post-16 institutions at another time (`post16_move`, on `transfer_on`, in `year`)."""

    update_name = "record_phase_transfer"
    kind: Literal["school", "post16", "post16_move"]
    year: int = Field(ge=2000, le=2100)
    recorded_on: Day
    transfer_on: Day | None = Field(default=None, description="For `post16_move`: the day of the move.")


class DecideToCease(PlanCommand):
    """The LA decided to cease the plan (regs 29-31), with its reasons."""

    update_name = "decide_to_cease"
    decided_on: Day
    reasons: Text


class RecordAppeal(PlanCommand):
    """An appeal against the latest appealable decision reached the tribunal (CFA s.51(2)): on a plan, the
    decision to cease, not to amend or not to reassess, or the plan's content; on an assessment, the
    refusal to assess or to issue a plan."""

    update_name = "record_appeal"
    lodged_on: Day


class RecordAppealOutcome(PlanCommand):
    """The tribunal decided the appeal: `continue` or `amend` (reg 44 orders), or `dismissed`."""

    update_name = "record_appeal_outcome"
    decided_on: Day
    outcome: Literal["dismissed", "continue", "amend"]


class ConcedeAppeal(PlanCommand):
    """The LA does not oppose an appeal on the plan's content or the school named (reg 45)."""

    update_name = "concede_appeal"
    conceded_on: Day
    appeal: Literal["content", "school"]


class RecordMediation(PlanCommand):
    """A step of mediation on the latest appealable decision (CFA s.53-55; regs 33-39)."""

    update_name = "record_mediation"
    on: Day
    step: Literal["adviser_contacted", "held", "not_arranged", "certificate_issued"]
    wants_mediation: bool | None = None


class RequestReassessment(PlanCommand):
    """A request to reassess the child's or young person's needs (CFA s.44(2); reg 24)."""

    update_name = "request_reassessment"
    requested_on: Day
    requested_by: Literal["parent", "young_person", "school", "la"] = "parent"


class DecideReassessment(PlanCommand):
    """Whether to reassess (reg 25): a refusal gives reasons and carries appeal rights; a reassessment
    gathers its reg 6 advice as the first assessment did (reg 26), each request with its 6 weeks."""

    update_name = "decide_reassessment"
    decided_on: Day
    outcome: Literal["reassess", "refuse"]
    reasons: Text = ""
    advice: list[AdviceSpec] = Field(default=[], max_length=20)


class RecordMove(PlanCommand):
    """The family is moving to another LA (reg 15(1))."""

    update_name = "record_move"
    aware_on: Day
    move_on: Day
    to_la: str = Field(min_length=1, max_length=100)


class TransferPlanOut(PlanCommand):
    """The plan was transferred to the new LA (reg 15(2))."""

    update_name = "transfer_plan_out"
    transferred_on: Day


class RecordTransferInformed(PlanCommand):
    """For a plan transferred in: the parent was told whether it will be reviewed or reassessed
    (reg 15(4))."""

    update_name = "record_transfer_informed"
    informed_on: Day


class CeasePlan(PlanCommand):
    """The LA stopped maintaining the plan (reg 31), once no appeal is possible or pending."""

    update_name = "cease_plan"
    ceased_on: Day
    reasons: Text = ""


class PlanState(Model):
    case_id: UUID
    workflow_id: str
    stage: Stage
    state_version: int
    as_of: date
    made_on: date
    review_due: date | None
    deadlines: list[DeadlineView]
    cycle: int = 1
    cycle_from: date | None = None
    events: list[StatuteEvent] = []
    cease_decided_on: date | None = None
    ceased_on: date | None = None
    run_id: str = ""  # the run that answered: one per review cycle
