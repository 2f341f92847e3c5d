"""The messages of `AssessmentWorkflow`: its start, its commands (one update each), its state."""

from __future__ import annotations

from datetime import date
from typing import Literal
from uuid import UUID

from pydantic import Field

from statute.conventions import ServiceMethod
from statute.events import AdviceKind, ExceptionKind, RequestSource
from workflows.common.messages import (
    Actor,
    AdviceSpec,
    ChildRecord,
    Command,
    ContactRecord,
    Day,
    DeadlineView,
    Model,
    Name,
    SchoolClosure,
    Stage,
    StatuteEvent,
    Text,
)


class ImportedCase(Model):
    """A case in flight brought in from the council's earlier records (`ehcp import`, issue 11 s.6): its
    events after the request, which the workflow takes at its start as commands, each by its rule, sending
    nothing; and the day of the import, before which nothing due is announced."""

    imported_on: date
    actor: Actor
    events: list[StatuteEvent]  # as given, the request among them (its index is the file's)
    agencies: dict[str, UUID] = {}  # by advice id


class AssessmentStart(Model):
    """Starts `AssessmentWorkflow` (id `assessment-<case_id>`): a request reached the LA (reg 5(1))."""

    case_id: UUID
    la_code: str
    received_on: Day
    source: RequestSource | None = None
    brought_to_attention: bool = False  # CFA s.24: no formal request
    child: ChildRecord
    contacts: list[ContactRecord] = []
    parent_requested: list[Name] = Field(default=[], max_length=20)
    school_closures: list[SchoolClosure] = Field(default=[], max_length=100)
    caseworker_id: UUID | None = None
    actor_id: UUID | None = None
    remind_before_days: int = Field(default=7, ge=0, le=42)
    escalate_after_days: int = Field(default=7, ge=0, le=365)
    imported: ImportedCase | None = None  # brought in by `ehcp import`: its steps so far


class CaseRecord(Model):
    """Input of `record_case`: the case and the child as first recorded (idempotent by case id)."""

    case_id: UUID
    workflow_id: str
    start: AssessmentStart


class ExistingAdviceUse(Model):
    """Advice the LA already holds that stands instead of a new request (reg 6(4)): only when the adviser,
    the LA and the parent or young person all agree it is sufficient. No request is sent, no clock runs."""

    advice: AdviceKind
    description: Text = Field(min_length=1, description="What the advice is: who gave it, and when.")
    adviser_agrees: bool
    la_agrees: bool
    parent_agrees: bool


class DecideAssessment(Command):
    """The decision whether to assess (reg 5(1)); on `assess`, the reg 6 advice requests to send, and
    any advice already held that stands instead of one (reg 6(4))."""

    update_name = "decide_assessment"
    outcome: Literal["assess", "refuse"]
    decided_on: Day
    reasons: Text = ""
    advice: list[AdviceSpec] = []
    existing_advice: list[ExistingAdviceUse] = Field(default=[], max_length=10)


class DecideParentRequest(Command):
    """The LA's decision on the parent's or young person's request for advice from a particular person
    (reg 6(1)(h)): reasonable, so that advice is sought; or not, with the reasons, so it is not required."""

    update_name = "decide_parent_request"
    person: Name
    reasonable: bool
    decided_on: Day
    reasons: Text = ""


class RequestFurtherAdvice(Command):
    """Advice asked after the decision to assess (reg 6(1)): a body newly involved, a school named later,
    advice the parent asked for. Each request has its own 6 weeks from the day that body received it
    (reg 8(1)), and the closure exceptions look at the day it was asked."""

    update_name = "request_further_advice"
    requested_on: Day
    advice: list[AdviceSpec] = Field(min_length=1, max_length=20)
    reasons: Text = ""


class RecordTribunalOutcome(Command):
    """The tribunal decided the appeal against a refusal: `assess` (a refusal to assess) and
    `make_and_maintain` (a decision not to issue) are its orders (reg 44), each starting the assessment
    again on the ordered clock; `dismissed` closes the case."""

    update_name = "record_appeal_outcome"
    decided_on: Day
    outcome: Literal["dismissed", "assess", "make_and_maintain"]


class ConcedeRefusalAppeal(Command):
    """The LA does not oppose the appeal against its refusal (reg 45): `refuse_assess` (it assesses, as if
    ordered to) or `refuse_issue` (it makes and maintains a plan)."""

    update_name = "concede_appeal"
    conceded_on: Day
    appeal: Literal["refuse_assess", "refuse_issue"]


class DecideIssue(Command):
    """The decision whether to issue a plan (reg 10)."""

    update_name = "decide_issue"
    outcome: Literal["issue", "not_issue"]
    decided_on: Day
    reasons: Text = ""


class ServeDraft(Command):
    """The draft plan was served on the parent or young person (reg 13(1))."""

    update_name = "serve_draft"
    served_on: Day
    method: ServiceMethod = "email"


class ConsultSchool(Command):
    """A school or college was consulted on being named (CFA s.39(2)-(3), s.40(3))."""

    update_name = "consult_school"
    school: Name
    consulted_on: Day


class RecordSchoolClosure(Command):
    """A closure of the child's school or college, learned after the request: the closure exceptions
    (regs 5(4)(a), 10(4)(a), 13(3)(a)) are judged against it from now on, as against one recorded
    with the request."""

    update_name = "record_school_closure"
    school: Name
    first_closed: Day = Field(description="The first day the school is closed.")
    reopens: Day = Field(description="The day it opens again.")
    recorded_on: Day


class RecordSchoolResponse(Command):
    """The consulted school answered (Code of Practice: within 15 days)."""

    update_name = "record_school_response"
    school: Name
    responded_on: Day


class IssueFinalPlan(Command):
    """The final plan was issued, after the representations window (reg 13(2))."""

    update_name = "issue_final_plan"
    issued_on: Day
    school_named: Name | None = None


class ClaimException(Command):
    """An exception claimed against one deadline (reg 8(2), reg 10(4)); the statute judges it now. Its
    evidence is said in words, or is a document on the case (`POST /api/cases/{case_id}/documents`), or
    both."""

    update_name = "claim_exception"
    deadline: str = Field(min_length=1, max_length=50)
    kind: ExceptionKind
    advice_id: str | None = None
    school: Name | None = None
    start: Day | None = None
    end: Day | None = None
    evidence: Text = ""
    evidence_document_ids: list[UUID] = Field(default=[], max_length=10)
    claimed_on: Day


class ApproveException(Command):
    """A manager approves a claim the statute accepted (CoP 9.43: the parent is told)."""

    update_name = "approve_exception"
    server_set = ("actor", "claim_id")  # the claim is named by the route
    claim_id: str = Field(max_length=200)
    approved_on: Day


class Withdraw(Command):
    """The request was withdrawn: advice requests stop and the case closes."""

    update_name = "withdraw"
    withdrawn_on: Day
    reasons: Text = ""


class ExceptionClaim(Model):
    claim_id: str
    deadline: str
    kind: ExceptionKind
    advice_id: str | None = None
    accepted: bool
    reason: str
    claimed_by: UUID
    claimed_on: date
    evidence_document_ids: list[UUID] = []
    approved_by: UUID | None = None
    approved_on: date | None = None


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
    school_closures: list[SchoolClosure] = []  # those recorded with the request, then those added since
    parent_requests_refused: dict[str, str] = {}  # reg 6(1)(h) requests the LA found unreasonable: why
    advice_reused: list[ExistingAdviceUse] = []  # advice already held, standing instead of a request
