"""The typed messages of the workflows: start inputs, updates, signals, queries and activity payloads.

One input and one output model for every workflow, update, signal, query and activity. New fields get
defaults; fields are never renamed or removed, because running workflows depend on them. Names follow
vocabulary.md. Personal data travels only in payloads (which the AES-GCM codec encrypts), never in
workflow ids, search attributes or log lines.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

AdviceKind = Literal[
    "parent",
    "educational",
    "medical",
    "psychological",
    "social_care",
    "other",
    "preparing_for_adulthood",
    "requested_by_parent",
]
ExceptionKind = Literal[
    "school_closure", "early_years_closure", "personal_circumstances", "absence", "missed_appointment"
]
RequestSource = Literal["parent", "young_person", "school", "other"]
ServiceMethod = Literal["post", "email", "portal", "hand"]


class Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ActivityName(StrEnum):
    """Activities by name: the worker registers these; workflow tests register fakes of the same names."""

    COMPUTE_TIMELINE = "compute_timeline"  # local activity: statute, recorded in history
    RECORD_CASE = "record_case"
    APPLY_CHANGE = "apply_change"  # a change's decision, read model and notices, in one go


class Stage(StrEnum):
    """Where an assessment stands."""

    AWAITING_DECISION_TO_ASSESS = "awaiting_decision_to_assess"
    GATHERING_ADVICE = "gathering_advice"
    DECIDING_WHETHER_TO_ISSUE = "deciding_whether_to_issue"
    DRAFTING = "drafting"
    DRAFT_SERVED = "draft_served"
    FINAL_ISSUED = "final_issued"
    REFUSED_TO_ASSESS = "refused_to_assess"
    NOT_ISSUED = "not_issued"
    WITHDRAWN = "withdrawn"
    CLOSED = "closed"
    PLAN_MAINTAINED = "plan_maintained"
    PLAN_CEASED = "plan_ceased"
    PLAN_TRANSFERRED = "plan_transferred"  # to another LA (reg 15): this LA maintains it no longer


# ---- Facts carried by the workflow ----


class ChildRecord(Model):
    """The child: personal data, written to SQL by an activity and never logged."""

    given_name: str
    family_name: str
    date_of_birth: date
    upn: str | None = None
    postcode: str | None = None
    year_group: int | None = Field(default=None, ge=-2, le=14)
    visual_impairment: bool = False
    hearing_impairment: bool = False


class ContactRecord(Model):
    name: str
    relationship: str
    email: str | None = None
    phone: str | None = None
    parental_responsibility: bool = False


class SchoolClosure(Model):
    school: str
    first_closed: date
    reopens: date


class StatuteEvent(Model):
    """One vocabulary.md event, as `statute.history.parse_history` reads it."""

    model_config = ConfigDict(frozen=True, extra="allow")
    event: str
    date: date


# ---- AssessmentWorkflow ----


class AssessmentStart(Model):
    """Starts `AssessmentWorkflow` (id `assessment-<case_id>`): a request reached the LA (reg 5(1))."""

    case_id: UUID
    la_code: str
    received_on: date
    source: RequestSource | None = None
    brought_to_attention: bool = False  # CFA s.24: no formal request
    child: ChildRecord
    contacts: list[ContactRecord] = []
    parent_requested: list[str] = []
    school_closures: list[SchoolClosure] = []
    caseworker_id: UUID | None = None
    actor_id: UUID | None = None
    remind_before_days: int = Field(default=7, ge=0, le=42)
    escalate_after_days: int = Field(default=7, ge=0, le=365)


class Actor(Model):
    """Who does a command: every decision is recorded with its actor."""

    actor_id: UUID
    role: Literal["caseworker", "manager", "agency", "admin"]
    agency_id: UUID | None = None  # set for role "agency": the one agency this user answers for


class AdviceSpec(Model):
    """One reg 6 advice request to send: to which agency, for which advice."""

    advice_id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,39}$")
    advice: AdviceKind
    agency_id: UUID
    school: str | None = None
    received_by_body: date | None = None


class DecideAssessment(Model):
    """Update `decide_assessment`: the LA's decision whether to assess (reg 5)."""

    actor: Actor
    outcome: Literal["assess", "refuse"]
    decided_on: date
    reasons: str = ""
    advice: list[AdviceSpec] = []


class DecideIssue(Model):
    """Update `decide_issue`: whether to issue a plan (reg 10)."""

    actor: Actor
    outcome: Literal["issue", "not_issue"]
    decided_on: date
    reasons: str = ""


class ServeDraft(Model):
    """Update `serve_draft`: the draft plan was served on the parent or young person (reg 13)."""

    actor: Actor
    served_on: date
    method: ServiceMethod = "email"


class ConsultSchool(Model):
    """Update `consult_school`: a school or college was consulted on being named (CFA s.39, s.40)."""

    actor: Actor
    school: str
    consulted_on: date


class RecordSchoolResponse(Model):
    actor: Actor
    school: str
    responded_on: date


class IssueFinalPlan(Model):
    """Update `issue_final_plan`: the final plan, after the representations window (reg 13(2))."""

    actor: Actor
    issued_on: date
    school_named: str | None = None


class ClaimException(Model):
    """Update `claim_exception`: an exception against one deadline, with evidence."""

    actor: Actor
    deadline: str
    kind: ExceptionKind
    advice_id: str | None = None
    school: str | None = None
    start: date | None = None
    end: date | None = None
    evidence: str
    claimed_on: date


class ApproveException(Model):
    """Update `approve_exception`: a manager approves a claim the statute accepted."""

    actor: Actor
    claim_id: str
    approved_on: date


class Withdraw(Model):
    actor: Actor
    withdrawn_on: date
    reasons: str = ""


class AdviceArrived(Model):
    """Signal from an `AdviceRequestWorkflow` to its assessment: the agency's advice came in."""

    advice_id: str
    received_on: date
    document_ids: list[UUID] = []


# ---- AdviceRequestWorkflow ----


class AdviceRequestStart(Model):
    """Starts `AdviceRequestWorkflow` (id `advice-<case_id>-<advice_id>`), a child of the assessment."""

    case_id: UUID
    la_code: str
    advice: AdviceSpec
    requested_on: date
    due: date
    practical_due: date
    remind_before_days: int = 7
    escalate_after_days: int = 7
    caseworker_id: UUID | None = None


class SubmitAdvice(Model):
    """Update `submit_advice`: the agency's answer (reg 8), with its uploaded documents."""

    actor: Actor
    received_on: date
    document_ids: list[UUID] = []
    summary: str = ""


class AdviceExcepted(Model):
    """Signal: a reg 8(2) exception to this advice deadline was accepted and approved."""

    kind: ExceptionKind
    approved_by: UUID


class AdviceState(Model):
    case_id: UUID
    advice_id: str
    advice: AdviceKind
    agency_id: UUID
    due: date
    practical_due: date
    status: AdviceStatus
    received_on: date | None = None


# ---- Timelines and state ----


class DeadlineView(Model):
    """A deadline as the workflow holds it: the statute engine's answer, with the workflow's handling."""

    deadline: str
    id: str | None = None
    due: date
    practical_due: date
    rule: str
    statutory: bool
    status: str
    met_on: date | None = None
    from_event: str
    from_date: date
    exception_kind: str | None = None
    exception_accepted: bool | None = None


class ExceptionClaim(Model):
    claim_id: str
    deadline: str
    kind: ExceptionKind
    advice_id: str | None = None
    accepted: bool
    reason: str
    claimed_by: UUID
    claimed_on: date
    approved_by: UUID | None = None
    approved_on: date | None = None


class TimelineRequest(Model):
    """Input of the `compute_timeline` local activity."""

    events: list[StatuteEvent]
    school_closures: list[SchoolClosure] = []
    year_group: int | None = None
    visual_impairment: bool = False
    hearing_impairment: bool = False
    parent_requested: list[str] = []
    now: datetime
    conventions: dict[str, str] = {}


class TimelineVerdict(Model):
    deadline: str
    advice_id: str | None = None
    kind: str
    accepted: bool
    reason: str


class TimelineResult(Model):
    as_of: date
    deadlines: list[DeadlineView]
    exceptions: list[TimelineVerdict] = []
    required_advice: list[AdviceKind] = []


class AssessmentState(Model):
    """Query `state` and the result of every update: where the case stands, and its statutory timeline."""

    case_id: UUID
    workflow_id: str
    stage: Stage
    state_version: int
    as_of: date
    deadlines: list[DeadlineView]
    claims: list[ExceptionClaim] = []
    advice: list[AdviceSpec] = []
    advice_received: dict[str, date] = {}
    schools_consulted: list[str] = []
    plan_workflow_id: str | None = None


# ---- PlanWorkflow ----


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


class PlanCommand(Model):
    """What every plan command carries: who does it."""

    actor: Actor


class RecordReviewInvitations(PlanCommand):
    """Update `record_review_invitations`: invitations and advice circulated (reg 20(2)-(4)), 2 weeks
    before the meeting."""

    sent_on: date


class HoldReviewMeeting(PlanCommand):
    """Update `hold_review_meeting`: the annual review meeting was held (reg 20(5)), led by the school or
    setting (reg 20(1), (12)) or by the LA (reg 21)."""

    held_on: date
    led_by: Literal["school", "setting", "la"] = "school"


class RecordReviewReport(PlanCommand):
    """Update `record_review_report`: the review report circulated (reg 20(7)), within 2 weeks."""

    sent_on: date


class DecideReview(PlanCommand):
    """Update `decide_review`: the LA's decision after the review (reg 20(10)), within 4 weeks of the
    meeting: keep the plan, amend it (the proposed amendments go with the decision: Devon [2022]), or cease
    it (a decision notice with appeal rights; the plan stays maintained while an appeal is possible)."""

    decided_on: date
    outcome: Literal["keep", "amend", "cease"]
    reasons: str = ""
    method: ServiceMethod = "email"


class ProposeAmendments(PlanCommand):
    """Update `propose_amendments`: a notice of proposed amendments outside a review (reg 22(2))."""

    served_on: date
    reasons: str = ""
    method: ServiceMethod = "email"


class IssueAmendedPlan(PlanCommand):
    """Update `issue_amended_plan`: the amended plan, after the 15 days for representations and within
    8 weeks of the notice (reg 22(2)(c), 22(3))."""

    issued_on: date
    school_named: str | None = None


class RecordPhaseTransfer(PlanCommand):
    """Update `record_phase_transfer`: the child changes phase in September of `year` (reg 18)."""

    kind: Literal["school", "post16"]
    year: int = Field(ge=2000, le=2100)
    recorded_on: date


class DecideToCease(PlanCommand):
    """Update `decide_to_cease`: the LA decided to cease the plan (regs 29-31) after consulting the
    parent or young person and the school; the notice carries appeal rights (CFA s.51(2)(f))."""

    decided_on: date
    reasons: str


class RecordAppeal(PlanCommand):
    """Update `record_appeal`: an appeal against the decision to cease reached the tribunal."""

    lodged_on: date


class RecordAppealOutcome(PlanCommand):
    """Update `record_appeal_outcome`: the tribunal decided. `continue` orders the plan maintained
    (reg 44); `amend` orders it amended (reg 44(2)(d): within 5 weeks); `dismissed` upholds the LA."""

    decided_on: date
    outcome: Literal["dismissed", "continue", "amend"]


class ConcedeAppeal(PlanCommand):
    """Update `concede_appeal`: the LA does not oppose an appeal on the plan's content or school (reg 45):
    the amended plan is due within 5 weeks (content) or 2 weeks (the school only)."""

    conceded_on: date
    appeal: Literal["content", "school"]


class RecordMediation(PlanCommand):
    """Update `record_mediation`: a step of mediation on the latest appealable decision (CFA s.53-55;
    regs 33-39): the parent contacted the mediation adviser (and whether they want mediation), the
    mediation was held or could not be arranged, the certificate was issued (the appeal deadline may then
    move, HESC r.20)."""

    on: date
    step: Literal["adviser_contacted", "held", "not_arranged", "certificate_issued"]
    wants_mediation: bool | None = None


class RequestReassessment(PlanCommand):
    """Update `request_reassessment`: a request to reassess the child's needs (CFA s.44(2); reg 24):
    the LA decides within 15 days (reg 25)."""

    requested_on: date
    requested_by: Literal["parent", "young_person", "school", "la"] = "parent"


class DecideReassessment(PlanCommand):
    """Update `decide_reassessment`: whether to reassess (reg 25). On `reassess`, the amended plan is due
    within 14 weeks (reg 27); a refusal is a decision notice with appeal rights."""

    decided_on: date
    outcome: Literal["reassess", "refuse"]
    reasons: str = ""


class RecordMove(PlanCommand):
    """Update `record_move`: the LA learned the family is moving to another LA (reg 15(1)): the plan must
    be transferred by the move, or within 15 working days if it learned less than 15 working days before."""

    aware_on: date
    move_on: date
    to_la: str = Field(min_length=1, max_length=100)


class TransferPlanOut(PlanCommand):
    """Update `transfer_plan_out`: the plan was transferred to the new LA (reg 15(2)); this LA maintains it
    no longer, and the plan's workflow here ends."""

    transferred_on: date


class RecordTransferInformed(PlanCommand):
    """Update `record_transfer_informed`: for a plan transferred in, the parent was told within 6 weeks
    whether it will be reassessed or reviewed (reg 15(4))."""

    informed_on: date


class CeasePlan(PlanCommand):
    """Update `cease_plan`: the LA stops maintaining the plan, once no appeal is possible or pending."""

    ceased_on: date
    reasons: str = ""


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


# ---- Activity payloads ----


class CaseRecord(Model):
    """Input of `record_case`: the case and the child as first recorded (idempotent by case id)."""

    case_id: UUID
    workflow_id: str
    start: AssessmentStart


class CaseProjection(Model):
    """The read model of a case, part of a `Change`: written idempotently by (case id, state version)."""

    case_id: UUID
    workflow_id: str
    la_code: str
    stage: Stage
    state_version: int
    deadlines: list[DeadlineView]
    agency_by_advice_id: dict[str, UUID] = {}
    caseworker_id: UUID | None = None
    final_issued_on: date | None = None
    closed_on: date | None = None
    week20_exception: bool = False
    # The deadlines this projection replaces: all the case's (None), or those starting on or after this
    # date (a plan's review cycle; earlier cycles' rows stay as they were last written).
    replace_from: date | None = None


class DecisionRecord(Model):
    """A decision with its actor, part of a `Change`; idempotent by the update id."""

    case_id: UUID
    update_id: str
    kind: str
    outcome: str
    decided_on: date
    actor_id: UUID
    reasons: str = ""
    detail: dict[str, str] = {}


Recipient = Literal["parent", "caseworker", "manager", "agency", "school", "health", "social_care"]
AdviceStatus = Literal["requested", "reminded", "chased", "escalated", "received", "excepted", "withdrawn"]


class Notice(Model):
    """A notice, part of a `Change`: who is told what, in plain words; idempotent by `idempotency_key`."""

    idempotency_key: str
    case_id: UUID
    workflow_id: str
    template: str
    to: Recipient
    agency_id: UUID | None = None
    step: str
    on: date
    facts: dict[str, str] = {}


class AdviceRequestRecord(Model):
    case_id: UUID
    advice: AdviceSpec
    requested_on: date
    due: date


class AdviceReceivedRecord(Model):
    case_id: UUID
    advice_id: str
    received_on: date
    document_ids: list[UUID] = []


class Change(Model):
    """Input of `apply_change`: what one change of a case writes (one transaction) and then sends."""

    case_id: UUID
    decisions: list[DecisionRecord] = []
    projection: CaseProjection | None = None
    notices: list[Notice] = []
    advice_requests: list[AdviceRequestRecord] = []
    advice_received: list[AdviceReceivedRecord] = []
