"""The JSON API's request and response models (`CaseCreate / CaseRead / CasePage`, ...), with examples.

Request bodies hold what the caller decides; the API adds the actor (from the token) before a command
becomes the workflow's typed update (workflows/messages.py). Names and dates follow docs/vocabulary.md.
No model here carries a child's personal data back out, except the create request that brings it in.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from statute.conventions import ServiceMethod
from statute.events import AdviceKind, ExceptionKind, RequestSource
from workflows.assessment.messages import (
    ApproveException,
    AssessmentState,
    ClaimException,
    ConsultSchool,
    DecideAssessment,
    DecideIssue,
    IssueFinalPlan,
    RecordSchoolResponse,
    ServeDraft,
    Withdraw,
)
from workflows.common.messages import Actor, AdviceSpec, ChildRecord, ContactRecord, SchoolClosure
from workflows.plan.messages import (
    CeasePlan,
    ConcedeAppeal,
    DecideReassessment,
    DecideReview,
    DecideToCease,
    HoldReviewMeeting,
    IssueAmendedPlan,
    PlanState,
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
)

TODAY = "2025-03-03"


def _examples(*examples: dict[str, Any]) -> ConfigDict:
    return ConfigDict(extra="forbid", json_schema_extra={"examples": list(examples)})


class ErrorRead(BaseModel):
    """Every error the API answers on purpose."""

    model_config = _examples({"detail": "decided_on: 2025-03-09 is in the future", "field": "decided_on"})
    detail: str
    field: str | None = None


_ERRORS = {
    401: "No bearer token, or an unknown one",
    403: "The caller's role may not do this",
    404: "No such case, plan or request (for an agency: none sent to it)",
    409: "An illegal step for where the case stands, or a closed case or ceased plan",
    422: "Input refused; `field` (or the validation error's `loc`) names what to fix",
    503: "The database or workflow service is not ready",
}


def error_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` for the error codes a route can answer."""
    return {code: {"model": ErrorRead, "description": _ERRORS[code]} for code in codes}


# ---- cases ----


class CaseCreate(BaseModel):
    """A request for an EHC needs assessment reached the LA (reg 3, reg 5(1)), or a child was brought to
    its attention (CFA s.24)."""

    model_config = _examples(
        {
            "received_on": TODAY,
            "source": "parent",
            "child": {
                "given_name": "Ada",
                "family_name": "Example",
                "date_of_birth": "2015-03-01",
                "year_group": 5,
            },
            "contacts": [{"name": "Sam Example", "relationship": "mother", "parental_responsibility": True}],
        }
    )
    received_on: date
    source: RequestSource | None = "parent"
    brought_to_attention: bool = False
    child: ChildRecord
    contacts: list[ContactRecord] = []
    parent_requested: list[str] = []
    school_closures: list[SchoolClosure] = []
    caseworker_id: uuid.UUID | None = Field(default=None, description="Defaults to the calling caseworker.")


class PlanArrivalCreate(BaseModel):
    """An EHC plan transferred in from another local authority (reg 15): the child, the family, when the
    old LA made the plan and when it was transferred."""

    model_config = _examples(
        {
            "from_la": "Southshire",
            "made_on": "2024-06-10",
            "transferred_on": TODAY,
            "child": {
                "given_name": "Ada",
                "family_name": "Example",
                "date_of_birth": "2015-03-01",
                "year_group": 5,
            },
            "contacts": [{"name": "Sam Example", "relationship": "mother", "parental_responsibility": True}],
        }
    )
    from_la: str = Field(min_length=1, max_length=100)
    made_on: date = Field(description="When the old LA made the plan (or last reviewed it).")
    transferred_on: date
    child: ChildRecord
    contacts: list[ContactRecord] = []
    caseworker_id: uuid.UUID | None = Field(default=None, description="Defaults to the calling caseworker.")


class CaseSummary(BaseModel):
    """A case as the read model holds it: where it stands, never who the child is."""

    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    workflow_id: str
    la_code: str
    caseworker_id: uuid.UUID | None
    received_on: date
    request_source: str
    stage: str
    state_version: int
    closed_on: date | None
    final_issued_on: date | None
    week20_exception: bool
    updated_at: datetime


class CaseRead(BaseModel):
    """A case: its read-model row (absent until first projected) and the workflow's live state with the
    statutory timeline (absent once Temporal's retention has passed)."""

    case_id: uuid.UUID
    workflow_id: str
    record: CaseSummary | None
    state: AssessmentState | None


class CasePage(BaseModel):
    items: list[CaseSummary]
    next_after: str | None = Field(description="Pass as `after` for the next page; null on the last page.")


# ---- case commands: what the caller decides; the API adds the actor ----


class DecisionToAssessCreate(BaseModel):
    """The decision whether to assess (reg 5(1)); on `assess`, the reg 6 advice requests to send."""

    model_config = _examples(
        {
            "outcome": "assess",
            "decided_on": TODAY,
            "advice": [
                {
                    "advice_id": "parent",
                    "advice": "parent",
                    "agency_id": "0b7e2c4a-1f0e-4c7b-9c55-7d1e1e0a2b11",
                },
                {
                    "advice_id": "ep",
                    "advice": "psychological",
                    "agency_id": "5f0c8a2e-3b6d-4e8a-8d1f-2c9b7a6e4d33",
                },
            ],
        },
        {
            "outcome": "refuse",
            "decided_on": TODAY,
            "reasons": "Needs can be met from the school's resources.",
        },
    )
    outcome: Literal["assess", "refuse"]
    decided_on: date
    reasons: str = ""
    advice: list[AdviceSpec] = []

    def command(self, actor: Actor) -> DecideAssessment:
        return DecideAssessment(actor=actor, **self.model_dump())


class DecisionToIssueCreate(BaseModel):
    """The decision whether to issue a plan (reg 10)."""

    model_config = _examples({"outcome": "issue", "decided_on": TODAY})
    outcome: Literal["issue", "not_issue"]
    decided_on: date
    reasons: str = ""

    def command(self, actor: Actor) -> DecideIssue:
        return DecideIssue(actor=actor, **self.model_dump())


class DraftCreate(BaseModel):
    """The draft plan was served on the parent or young person (reg 13(1))."""

    model_config = _examples({"served_on": TODAY, "method": "email"})
    served_on: date
    method: ServiceMethod = "email"

    def command(self, actor: Actor) -> ServeDraft:
        return ServeDraft(actor=actor, **self.model_dump())


class SchoolConsultationCreate(BaseModel):
    """A school or college was consulted on being named (CFA s.39(2)-(3), s.40(3))."""

    model_config = _examples({"school": "Riverside Primary", "consulted_on": TODAY})
    school: str = Field(min_length=1, max_length=200)
    consulted_on: date

    def command(self, actor: Actor) -> ConsultSchool:
        return ConsultSchool(actor=actor, **self.model_dump())


class SchoolResponseCreate(BaseModel):
    """The consulted school answered (Code of Practice: within 15 days)."""

    model_config = _examples({"school": "Riverside Primary", "responded_on": TODAY})
    school: str = Field(min_length=1, max_length=200)
    responded_on: date

    def command(self, actor: Actor) -> RecordSchoolResponse:
        return RecordSchoolResponse(actor=actor, **self.model_dump())


class FinalPlanCreate(BaseModel):
    """The final plan was issued, after the representations window (reg 13(2))."""

    model_config = _examples({"issued_on": TODAY, "school_named": "Riverside Primary"})
    issued_on: date
    school_named: str | None = None

    def command(self, actor: Actor) -> IssueFinalPlan:
        return IssueFinalPlan(actor=actor, **self.model_dump())


class ExceptionClaimCreate(BaseModel):
    """An exception claimed against one deadline (reg 8(2), reg 10(4)); the statute judges it now."""

    model_config = _examples(
        {
            "deadline": "final_plan",
            "kind": "absence",
            "start": "2025-01-06",
            "end": "2025-02-14",
            "evidence": "Family abroad for six weeks; flight bookings on file.",
            "claimed_on": TODAY,
        }
    )
    deadline: str = Field(min_length=1, max_length=50)
    kind: ExceptionKind
    advice_id: str | None = None
    school: str | None = None
    start: date | None = None
    end: date | None = None
    evidence: str
    claimed_on: date

    def command(self, actor: Actor) -> ClaimException:
        return ClaimException(actor=actor, **self.model_dump())


class ExceptionApprovalCreate(BaseModel):
    """A manager approves a claim the statute accepted (CoP 9.43: the parent is told)."""

    model_config = _examples({"approved_on": TODAY})
    approved_on: date

    def command(self, actor: Actor, claim_id: str) -> ApproveException:
        return ApproveException(actor=actor, claim_id=claim_id, **self.model_dump())


class WithdrawalCreate(BaseModel):
    """The request was withdrawn: advice requests stop and the case closes."""

    model_config = _examples({"withdrawn_on": TODAY, "reasons": "Parent withdrew the request in writing."})
    withdrawn_on: date
    reasons: str = ""

    def command(self, actor: Actor) -> Withdraw:
        return Withdraw(actor=actor, **self.model_dump())


# ---- plans ----


class DeadlineRead(BaseModel):
    """One deadline of a case as the read model holds it, of any review cycle (docs/vocabulary.md)."""

    model_config = ConfigDict(from_attributes=True)
    deadline: str
    key: str = Field(description="The deadline's id (the year of a phase transfer...), or empty.")
    from_event: str
    from_date: date
    due: date
    practical_due: date
    rule: str
    statutory: bool
    status: str
    met_on: date | None


class PlanRead(BaseModel):
    """An EHC plan: the case's read-model row, the live state of the plan's current review cycle (absent
    once Temporal's retention has passed), and the deadlines of every cycle from the read model (those
    from the plan's making on)."""

    case_id: uuid.UUID
    workflow_id: str
    record: CaseSummary | None
    state: PlanState | None
    deadlines: list[DeadlineRead] = Field(description="Every cycle's deadlines, soonest due first.")


class ReviewInvitationsCreate(BaseModel):
    """Invitations to the review meeting and its advice were sent (reg 20(2)-(4)), 2 weeks before it."""

    model_config = _examples({"sent_on": TODAY})
    sent_on: date

    def command(self, actor: Actor) -> RecordReviewInvitations:
        return RecordReviewInvitations(actor=actor, **self.model_dump())


class ReviewMeetingCreate(BaseModel):
    """The annual review meeting was held (reg 20(5)), led by the school or setting or by the LA."""

    model_config = _examples({"held_on": TODAY, "led_by": "school"})
    held_on: date
    led_by: Literal["school", "setting", "la"] = "school"

    def command(self, actor: Actor) -> HoldReviewMeeting:
        return HoldReviewMeeting(actor=actor, **self.model_dump())


class ReviewReportCreate(BaseModel):
    """The review report was circulated (reg 20(7)-(8)), within 2 weeks of the meeting."""

    model_config = _examples({"sent_on": TODAY})
    sent_on: date

    def command(self, actor: Actor) -> RecordReviewReport:
        return RecordReviewReport(actor=actor, **self.model_dump())


class ReviewDecisionCreate(BaseModel):
    """The LA's decision after the review (reg 20(10)): keep, amend (with the proposed amendments, Devon
    [2022]) or cease (with reasons, reg 31)."""

    model_config = _examples(
        {"decided_on": TODAY, "outcome": "keep"},
        {"decided_on": TODAY, "outcome": "amend", "method": "email"},
        {"decided_on": TODAY, "outcome": "cease", "reasons": "Outcomes met; needs now met by the school."},
    )
    decided_on: date
    outcome: Literal["keep", "amend", "cease"]
    reasons: str = ""
    method: ServiceMethod = "email"

    def command(self, actor: Actor) -> DecideReview:
        return DecideReview(actor=actor, **self.model_dump())


class AmendmentsCreate(BaseModel):
    """A notice of proposed amendments outside a review (reg 22(2)), served on the parent or young person."""

    model_config = _examples({"served_on": TODAY, "reasons": "New OT advice.", "method": "post"})
    served_on: date
    reasons: str = ""
    method: ServiceMethod = "email"

    def command(self, actor: Actor) -> ProposeAmendments:
        return ProposeAmendments(actor=actor, **self.model_dump())


class AmendedPlanCreate(BaseModel):
    """The amended plan was issued (reg 22(3)), after the 15 days for representations."""

    model_config = _examples({"issued_on": TODAY, "school_named": "Northshire Academy"})
    issued_on: date
    school_named: str | None = None

    def command(self, actor: Actor) -> IssueAmendedPlan:
        return IssueAmendedPlan(actor=actor, **self.model_dump())


class PhaseTransferCreate(BaseModel):
    """The child changes phase in September of `year` (reg 18): `school` or `post16`."""

    model_config = _examples({"kind": "school", "year": 2026, "recorded_on": TODAY})
    kind: Literal["school", "post16"]
    year: int = Field(ge=2000, le=2100)
    recorded_on: date

    def command(self, actor: Actor) -> RecordPhaseTransfer:
        return RecordPhaseTransfer(actor=actor, **self.model_dump())


class CeaseDecisionCreate(BaseModel):
    """The LA decided to cease the plan (regs 29-31), with its reasons."""

    model_config = _examples({"decided_on": TODAY, "reasons": "The young person has started university."})
    decided_on: date
    reasons: str

    def command(self, actor: Actor) -> DecideToCease:
        return DecideToCease(actor=actor, **self.model_dump())


class AppealCreate(BaseModel):
    """An appeal against the decision to cease reached the tribunal (CFA s.51(2)(e))."""

    model_config = _examples({"lodged_on": TODAY})
    lodged_on: date

    def command(self, actor: Actor) -> RecordAppeal:
        return RecordAppeal(actor=actor, **self.model_dump())


class AppealOutcomeCreate(BaseModel):
    """The tribunal decided the appeal: `continue` or `amend` (reg 44 orders), or `dismissed`."""

    model_config = _examples({"decided_on": TODAY, "outcome": "dismissed"})
    decided_on: date
    outcome: Literal["dismissed", "continue", "amend"]

    def command(self, actor: Actor) -> RecordAppealOutcome:
        return RecordAppealOutcome(actor=actor, **self.model_dump())


class AppealConcessionCreate(BaseModel):
    """The LA does not oppose an appeal on the plan's content or the school named (reg 45)."""

    model_config = _examples({"conceded_on": TODAY, "appeal": "content"})
    conceded_on: date
    appeal: Literal["content", "school"]

    def command(self, actor: Actor) -> ConcedeAppeal:
        return ConcedeAppeal(actor=actor, **self.model_dump())


class MediationCreate(BaseModel):
    """A step of mediation on the latest appealable decision (CFA s.53-55; regs 33-39)."""

    model_config = _examples(
        {"on": TODAY, "step": "adviser_contacted", "wants_mediation": True},
        {"on": TODAY, "step": "certificate_issued"},
    )
    on: date
    step: Literal["adviser_contacted", "held", "not_arranged", "certificate_issued"]
    wants_mediation: bool | None = None

    def command(self, actor: Actor) -> RecordMediation:
        return RecordMediation(actor=actor, **self.model_dump())


class ReassessmentRequestCreate(BaseModel):
    """A request to reassess the child's or young person's needs (CFA s.44(2); reg 24)."""

    model_config = _examples({"requested_on": TODAY, "requested_by": "parent"})
    requested_on: date
    requested_by: Literal["parent", "young_person", "school", "la"] = "parent"

    def command(self, actor: Actor) -> RequestReassessment:
        return RequestReassessment(actor=actor, **self.model_dump())


class ReassessmentDecisionCreate(BaseModel):
    """Whether to reassess (reg 25): a refusal gives reasons and carries appeal rights."""

    model_config = _examples(
        {"decided_on": TODAY, "outcome": "reassess"},
        {"decided_on": TODAY, "outcome": "refuse", "reasons": "No change in needs since the last review."},
    )
    decided_on: date
    outcome: Literal["reassess", "refuse"]
    reasons: str = Field(default="", max_length=5000)

    def command(self, actor: Actor) -> DecideReassessment:
        return DecideReassessment(actor=actor, **self.model_dump())


class MoveCreate(BaseModel):
    """The family is moving to another LA (reg 15(1))."""

    model_config = _examples({"aware_on": TODAY, "move_on": "2025-04-14", "to_la": "Southshire"})
    aware_on: date
    move_on: date
    to_la: str = Field(min_length=1, max_length=100)

    def command(self, actor: Actor) -> RecordMove:
        return RecordMove(actor=actor, **self.model_dump())


class TransferOutCreate(BaseModel):
    """The plan was transferred to the new LA (reg 15(2))."""

    model_config = _examples({"transferred_on": TODAY})
    transferred_on: date

    def command(self, actor: Actor) -> TransferPlanOut:
        return TransferPlanOut(actor=actor, **self.model_dump())


class TransferInformedCreate(BaseModel):
    """For a plan transferred in: the parent was told whether it will be reviewed or reassessed
    (reg 15(4))."""

    model_config = _examples({"informed_on": TODAY})
    informed_on: date

    def command(self, actor: Actor) -> RecordTransferInformed:
        return RecordTransferInformed(actor=actor, **self.model_dump())


class CessationCreate(BaseModel):
    """The LA stopped maintaining the plan (reg 31), once no appeal is possible or pending."""

    model_config = _examples({"ceased_on": TODAY, "reasons": "Appeal window closed without an appeal."})
    ceased_on: date
    reasons: str = ""

    def command(self, actor: Actor) -> CeasePlan:
        return CeasePlan(actor=actor, **self.model_dump())


class PhaseTransferRead(BaseModel):
    """One maintained plan whose child changes phase in September of the year asked about (reg 18)."""

    case_id: uuid.UUID
    caseworker_id: uuid.UUID | None
    kind: Literal["school", "post16"]
    source: Literal["recorded", "date_of_birth"] = Field(
        description="A recorded `phase_transfer_review` deadline, or the child's date of birth."
    )
    year_group: int = Field(description="The year group from September (0 is Reception, 12 is Year 12).")
    deadline: date = Field(description="Reviewed and amended by: 14 Feb (school) / 30 Mar (post-16).")
    latest_review_meeting: date = Field(description="The deadline less 12 weeks (4-week decision + 8 weeks).")
    invitations_by: date = Field(description="2 weeks before the latest review meeting (reg 20(2)).")
    review_meeting_on: date | None = Field(description="The latest review meeting since 1 September before.")
    review_decided_on: date | None = Field(description="The LA's decision on that meeting.")
    settled: bool
    settled_on: date | None
    status: Literal["settled", "on_track", "at_risk", "overdue"]


class PhaseTransferPage(BaseModel):
    """The phase-transfer cohort of one year, soonest deadline first."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "year": 2026,
                    "as_of": "2025-11-12",
                    "items": [
                        {
                            "case_id": "7d4f7f3a-93f4-5a7e-9f0e-1a2b3c4d5e6f",
                            "caseworker_id": None,
                            "kind": "school",
                            "source": "date_of_birth",
                            "year_group": 7,
                            "deadline": "2026-02-14",
                            "latest_review_meeting": "2025-11-22",
                            "invitations_by": "2025-11-08",
                            "review_meeting_on": None,
                            "review_decided_on": None,
                            "settled": False,
                            "settled_on": None,
                            "status": "at_risk",
                        }
                    ],
                    "next_after": None,
                }
            ]
        }
    )
    year: int
    as_of: date
    items: list[PhaseTransferRead]
    next_after: str | None = Field(description="Pass as `after` for the next page; null on the last page.")


# ---- agencies ----


class AdviceRequestRead(BaseModel):
    """A reg 6 advice request sent to the caller's agency, due 6 weeks after it was received (reg 8(1))."""

    model_config = ConfigDict(from_attributes=True)
    case_id: uuid.UUID
    advice_id: str
    kind: AdviceKind
    requested_on: date
    received_by_body_on: date
    due_on: date
    received_on: date | None
    status: str


class AdviceRequestPage(BaseModel):
    items: list[AdviceRequestRead]
    next_after: str | None


class DocumentRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    filename: str
    content_type: str
    size_bytes: int
    sha256: str


class AdviceReceipt(BaseModel):
    """The agency's advice as the LA recorded it."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "case_id": "7d4f7f3a-93f4-5a7e-9f0e-1a2b3c4d5e6f",
                    "advice_id": "ep",
                    "status": "received",
                    "received_on": TODAY,
                    "documents": [
                        {
                            "id": "9a1b2c3d-4e5f-4a6b-8c7d-0e1f2a3b4c5d",
                            "filename": "ep-advice.pdf",
                            "content_type": "application/pdf",
                            "size_bytes": 182044,
                            "sha256": "3b1f...",
                        }
                    ],
                }
            ]
        }
    )
    case_id: uuid.UUID
    advice_id: str
    status: str
    received_on: date | None
    documents: list[DocumentRead]


# ---- managers ----


class OverdueStepRead(BaseModel):
    """An unmet deadline; `days_overdue` is negative for one still to come."""

    model_config = ConfigDict(from_attributes=True)
    case_id: uuid.UUID
    workflow_id: str
    deadline: str
    key: str
    from_date: date
    due: date
    practical_due: date
    days_overdue: int
    rule: str
    agency_id: uuid.UUID | None
    caseworker_id: uuid.UUID | None


class OverduePage(BaseModel):
    as_of: date
    items: list[OverdueStepRead]
    next_after: str | None


class MeasureRead(BaseModel):
    """`within` of `total` on time; `percent` to one decimal place, null when `total` is 0."""

    model_config = ConfigDict(from_attributes=True)
    within: int
    total: int
    percent: float | None


class MeasurePair(BaseModel):
    including_exceptions: MeasureRead
    excluding_exceptions: MeasureRead


class AgencyAdviceRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    agency_id: uuid.UUID | None
    agency_name: str | None
    returned: MeasureRead
    outstanding: int


class PlanMeasuresRead(BaseModel):
    """The plan measures (docs/statute.md §3, KPIs 6-8) over the deadlines due in the period: each counted
    once met, or once past due unmet (a review never held counts as late); `within` met by its due date.
    Annual reviews have no exceptions."""

    model_config = ConfigDict(from_attributes=True)
    due_from: date
    due_to: date
    as_of: date
    reviews_decided_within_4_weeks: MeasureRead = Field(
        description="The LA's decision within 4 weeks of the review meeting (reg 20(10); Devon [2022])."
    )
    reviews_within_12_months: MeasureRead = Field(
        description="Reviewed within 12 months of the making or the last review (CFA s.44(1))."
    )
    amended_plans_within_8_weeks: MeasureRead = Field(
        description="Amended plans within 8 weeks of the notice of proposed amendments (reg 22(3))."
    )
    phase_transfers_by_deadline: MeasureRead = Field(
        description="Phase transfers reviewed and amended by their deadline (reg 18: 14 Feb / 30 Mar)."
    )


class KpisRead(BaseModel):
    """SEN2-style measures for the requests received in a period, and the plan measures for the
    deadlines due in it (docs/statute.md §3)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "la_code": "202",
                    "received_from": "2025-01-01",
                    "received_to": "2025-03-31",
                    "requests": 120,
                    "decided_within_6_weeks": {
                        "including_exceptions": {"within": 80, "total": 100, "percent": 80.0},
                        "excluding_exceptions": {"within": 78, "total": 96, "percent": 81.2},
                    },
                    "not_to_issue_within_16_weeks": {
                        "including_exceptions": {"within": 9, "total": 10, "percent": 90.0},
                        "excluding_exceptions": {"within": 9, "total": 10, "percent": 90.0},
                    },
                    "issued_within_20_weeks": {
                        "including_exceptions": {"within": 40, "total": 60, "percent": 66.7},
                        "excluding_exceptions": {"within": 38, "total": 52, "percent": 73.1},
                    },
                    "advice_by_agency": [],
                    "plans": {
                        "due_from": "2025-01-01",
                        "due_to": "2025-03-31",
                        "as_of": "2025-06-02",
                        "reviews_decided_within_4_weeks": {"within": 51, "total": 100, "percent": 51.0},
                        "reviews_within_12_months": {"within": 180, "total": 200, "percent": 90.0},
                        "amended_plans_within_8_weeks": {"within": 30, "total": 40, "percent": 75.0},
                        "phase_transfers_by_deadline": {"within": 70, "total": 80, "percent": 87.5},
                    },
                }
            ]
        }
    )
    la_code: str
    received_from: date
    received_to: date
    requests: int
    decided_within_6_weeks: MeasurePair
    not_to_issue_within_16_weeks: MeasurePair
    issued_within_20_weeks: MeasurePair
    advice_by_agency: list[AgencyAdviceRead]
    plans: PlanMeasuresRead


class HealthRead(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"status": "ok"}]})
    status: Literal["ok"]
