"""The cases' models: a request for an assessment coming in, a case going out, and the body of each
command on an assessment (regs 3-14), derived from its message in workflows/assessment/messages.py."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from api.schemas.commands import command_body
from api.schemas.common import CHILD, CONTACTS, TODAY, ChildRead, NextAfter, dates_as_iso, examples
from api.schemas.contacts import Contact
from statute.events import RequestSource
from workflows.assessment import messages as assessment
from workflows.common.messages import ChildRecord, Day, Name, SchoolClosure


@dates_as_iso  # its dates, the child's included, only as YYYY-MM-DD strings
class CaseCreate(BaseModel):
    """A request for an EHC needs assessment reached the LA (reg 3, reg 5(1)), or a child was brought to
    its attention (CFA s.24)."""

    model_config = examples({"received_on": TODAY, "source": "parent", "child": CHILD, "contacts": CONTACTS})
    received_on: Day
    source: RequestSource | None = "parent"
    brought_to_attention: bool = False
    child: ChildRecord
    contacts: list[Contact] = Field(default=[], max_length=20)  # each email checked (api/schemas/contacts.py)
    parent_requested: list[Name] = Field(default=[], max_length=20)
    school_closures: list[SchoolClosure] = Field(default=[], max_length=100)
    caseworker_id: uuid.UUID | None = Field(default=None, description="Defaults to the calling caseworker.")


class CaseSummary(BaseModel):
    """A case as the read model holds it: where it stands, and who the child is (names and date of
    birth only)."""

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
    child: ChildRead | None = Field(
        default=None,
        description=(
            "Who the case is about: in the case list and a case's answers always; null in a plan's "
            "`record`, which does not read it yet."
        ),
    )


class CaseRead(BaseModel):
    """A case: its read-model row (absent until first projected; in a command's answer, absent unless it
    already shows what the command did) and the workflow's live state with the statutory timeline
    (absent once Temporal's retention has passed)."""

    case_id: uuid.UUID
    workflow_id: str
    record: CaseSummary | None
    state: assessment.AssessmentState | None


class CasePage(BaseModel):
    items: list[CaseSummary]
    next_after: NextAfter


# ---- the commands on an assessment: what the caller decides; the API adds the actor ----

DecisionToAssessCreate = command_body(
    assessment.DecideAssessment,
    name="DecisionToAssessCreate",
    examples=[
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
    ],
)
DecisionToIssueCreate = command_body(
    assessment.DecideIssue, name="DecisionToIssueCreate", examples=[{"outcome": "issue", "decided_on": TODAY}]
)
DraftCreate = command_body(
    assessment.ServeDraft, name="DraftCreate", examples=[{"served_on": TODAY, "method": "email"}]
)
SchoolConsultationCreate = command_body(
    assessment.ConsultSchool,
    name="SchoolConsultationCreate",
    examples=[{"school": "Riverside Primary", "consulted_on": TODAY}],
)
RefusalAppealOutcomeCreate = command_body(
    assessment.RecordTribunalOutcome,
    name="RefusalAppealOutcomeCreate",
    examples=[{"decided_on": TODAY, "outcome": "assess"}, {"decided_on": TODAY, "outcome": "dismissed"}],
)
RefusalAppealConcessionCreate = command_body(
    assessment.ConcedeRefusalAppeal,
    name="RefusalAppealConcessionCreate",
    examples=[{"conceded_on": TODAY, "appeal": "refuse_assess"}],
)
ParentRequestDecisionCreate = command_body(
    assessment.DecideParentRequest,
    name="ParentRequestDecisionCreate",
    examples=[
        {
            "person": "Dr Patel, paediatric OT",
            "reasonable": False,
            "decided_on": TODAY,
            "reasons": "The OT's advice of last month covers the same needs.",
        }
    ],
)
FurtherAdviceCreate = command_body(
    assessment.RequestFurtherAdvice,
    name="FurtherAdviceCreate",
    examples=[
        {
            "requested_on": TODAY,
            "advice": [
                {
                    "advice_id": "ot",
                    "advice": "other",
                    "agency_id": "5f0c8a2e-3b6d-4e8a-8d1f-2c9b7a6e4d33",
                    "received_by_body": TODAY,
                }
            ],
            "reasons": "Occupational therapy became involved after the decision to assess.",
        }
    ],
)
SchoolClosureCreate = command_body(
    assessment.RecordSchoolClosure,
    name="SchoolClosureCreate",
    examples=[
        {
            "school": "Riverside Primary",
            "first_closed": "2026-07-22",
            "reopens": "2026-09-02",
            "recorded_on": TODAY,
        }
    ],
)
SchoolResponseCreate = command_body(
    assessment.RecordSchoolResponse,
    name="SchoolResponseCreate",
    examples=[{"school": "Riverside Primary", "responded_on": TODAY}],
)
FinalPlanCreate = command_body(
    assessment.IssueFinalPlan,
    name="FinalPlanCreate",
    examples=[{"issued_on": TODAY, "school_named": "Riverside Primary"}],
)
ExceptionClaimCreate = command_body(
    assessment.ClaimException,
    name="ExceptionClaimCreate",
    examples=[
        {
            "deadline": "final_plan",
            "kind": "absence",
            "start": "2025-01-06",
            "end": "2025-02-14",
            "evidence": "Family abroad for six weeks; flight bookings on file.",
            "claimed_on": TODAY,
        }
    ],
)
# The claim's id comes from the route's path, as the actor from the token.
ExceptionApprovalCreate = command_body(
    assessment.ApproveException, name="ExceptionApprovalCreate", examples=[{"approved_on": TODAY}]
)
WithdrawalCreate = command_body(
    assessment.Withdraw,
    name="WithdrawalCreate",
    examples=[{"withdrawn_on": TODAY, "reasons": "Parent withdrew the request in writing."}],
)
