"""The plans' models: a plan transferred in, a plan going out with every cycle's deadlines, the body of
each command on a plan (CFA s.44-45; regs 15-31), derived from its message in workflows/plan/messages.py,
and the phase-transfer cohort (reg 18)."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from api.schemas.cases import CaseSummary
from api.schemas.commands import command_body
from api.schemas.common import CHILD, CONTACTS, TODAY, NextAfter, dates_as_iso, examples
from api.schemas.contacts import Contact
from workflows.common.messages import ChildRecord, Day
from workflows.plan import messages as plan


@dates_as_iso  # its dates, the child's included, only as YYYY-MM-DD strings
class PlanArrivalCreate(BaseModel):
    """An EHC plan transferred in from another local authority (reg 15): the child, the family, when the
    old LA made the plan and when it was transferred."""

    model_config = examples(
        {
            "from_la": "Southshire",
            "made_on": "2024-06-10",
            "transferred_on": TODAY,
            "child": CHILD,
            "contacts": CONTACTS,
        }
    )
    from_la: str = Field(min_length=1, max_length=100)
    made_on: Day = Field(description="When the old LA made the plan (or last reviewed it).")
    transferred_on: Day
    child: ChildRecord
    contacts: list[Contact] = Field(default=[], max_length=20)  # each email checked (api/schemas/contacts.py)
    caseworker_id: uuid.UUID | None = Field(default=None, description="Defaults to the calling caseworker.")


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
    state: plan.PlanState | None
    deadlines: list[DeadlineRead] = Field(description="Every cycle's deadlines, soonest due first.")


# ---- the commands on a plan: what the caller decides; the API adds the actor ----

ReviewInvitationsCreate = command_body(
    plan.RecordReviewInvitations, name="ReviewInvitationsCreate", examples=[{"sent_on": TODAY}]
)
ReviewMeetingCreate = command_body(
    plan.HoldReviewMeeting, name="ReviewMeetingCreate", examples=[{"held_on": TODAY, "led_by": "school"}]
)
ReviewReportCreate = command_body(
    plan.RecordReviewReport, name="ReviewReportCreate", examples=[{"sent_on": TODAY}]
)
ReviewDecisionCreate = command_body(
    plan.DecideReview,
    name="ReviewDecisionCreate",
    examples=[
        {"decided_on": TODAY, "outcome": "keep"},
        {"decided_on": TODAY, "outcome": "amend", "method": "email"},
        {"decided_on": TODAY, "outcome": "cease", "reasons": "Outcomes met; needs now met by the school."},
    ],
)
AmendmentsCreate = command_body(
    plan.ProposeAmendments,
    name="AmendmentsCreate",
    examples=[{"served_on": TODAY, "reasons": "New OT advice.", "method": "post"}],
)
AmendedPlanCreate = command_body(
    plan.IssueAmendedPlan,
    name="AmendedPlanCreate",
    examples=[{"issued_on": TODAY, "school_named": "Northshire Academy"}],
)
ReviewStepWaiverCreate = command_body(
    plan.WaiveReviewStep,
    name="ReviewStepWaiverCreate",
    examples=[
        {
            "step": "review_report",
            "meeting_on": TODAY,
            "waived_on": TODAY,
            "reasons": "The decision was made at the meeting with the family; a report adds nothing.",
        }
    ],
)
NoAmendmentDecisionCreate = command_body(
    plan.DecideNotToAmend,
    name="NoAmendmentDecisionCreate",
    examples=[{"decided_on": TODAY, "reasons": "The new OT advice confirms the provision in section F."}],
)
PhaseTransferCreate = command_body(
    plan.RecordPhaseTransfer,
    name="PhaseTransferCreate",
    examples=[{"kind": "school", "year": 2026, "recorded_on": TODAY}],
)
CeaseDecisionCreate = command_body(
    plan.DecideToCease,
    name="CeaseDecisionCreate",
    examples=[{"decided_on": TODAY, "reasons": "The young person has started university."}],
)
AppealCreate = command_body(plan.RecordAppeal, name="AppealCreate", examples=[{"lodged_on": TODAY}])
AppealOutcomeCreate = command_body(
    plan.RecordAppealOutcome,
    name="AppealOutcomeCreate",
    examples=[{"decided_on": TODAY, "outcome": "dismissed"}],
)
AppealConcessionCreate = command_body(
    plan.ConcedeAppeal,
    name="AppealConcessionCreate",
    examples=[{"conceded_on": TODAY, "appeal": "content"}],
)
MediationCreate = command_body(
    plan.RecordMediation,
    name="MediationCreate",
    examples=[
        {"on": TODAY, "step": "adviser_contacted", "wants_mediation": True},
        {"on": TODAY, "step": "certificate_issued"},
    ],
)
ReassessmentRequestCreate = command_body(
    plan.RequestReassessment,
    name="ReassessmentRequestCreate",
    examples=[{"requested_on": TODAY, "requested_by": "parent"}],
)
EXAMPLE_AGENCY = "0b7e2c4a-1f0e-4c7b-9c55-7d1e1e0a2b11"
ReassessmentDecisionCreate = command_body(
    plan.DecideReassessment,
    name="ReassessmentDecisionCreate",
    examples=[
        {
            "decided_on": TODAY,
            "outcome": "reassess",
            "advice": [
                {"advice_id": f"{kind}-2", "advice": kind, "agency_id": EXAMPLE_AGENCY}
                for kind in ("parent", "educational", "medical", "psychological", "social_care")
            ],
        },
        {"decided_on": TODAY, "outcome": "refuse", "reasons": "No change in needs since the last review."},
    ],
)
MoveCreate = command_body(
    plan.RecordMove,
    name="MoveCreate",
    examples=[{"aware_on": TODAY, "move_on": "2025-04-14", "to_la": "Southshire"}],
)
TransferOutCreate = command_body(
    plan.TransferPlanOut, name="TransferOutCreate", examples=[{"transferred_on": TODAY}]
)
TransferInformedCreate = command_body(
    plan.RecordTransferInformed, name="TransferInformedCreate", examples=[{"informed_on": TODAY}]
)
CessationCreate = command_body(
    plan.CeasePlan,
    name="CessationCreate",
    examples=[{"ceased_on": TODAY, "reasons": "Appeal window closed without an appeal."}],
)


# ---- the phase-transfer cohort (reg 18) ----


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
    next_after: NextAfter
