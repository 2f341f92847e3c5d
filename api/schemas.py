"""The JSON API's request and response models (`CaseCreate / CaseRead / CasePage`, ...), with examples.

Request bodies hold what the caller decides; the API adds the actor (from the token) before a command
becomes the workflow's typed update (workflows/messages.py). Names and dates follow vocabulary.md.
No model here carries a child's personal data back out, except the create request that brings it in.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from workflows.messages import (
    Actor,
    AdviceKind,
    AdviceSpec,
    ApproveException,
    AssessmentState,
    ChildRecord,
    ClaimException,
    ConsultSchool,
    ContactRecord,
    DecideAssessment,
    DecideIssue,
    ExceptionKind,
    IssueFinalPlan,
    RecordSchoolResponse,
    RequestSource,
    SchoolClosure,
    ServeDraft,
    ServiceMethod,
    Withdraw,
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
    404: "No such case or request (for an agency: none sent to it)",
    409: "An illegal step for where the case stands, or a closed case",
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


class KpisRead(BaseModel):
    """SEN2-style measures for the requests received in a period (statute.md §3)."""

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


class HealthRead(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"status": "ok"}]})
    status: Literal["ok"]
