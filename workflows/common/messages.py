"""The types every workflow's messages are made of: the actor, the stage, the child, the vocabulary's
events, and the statutory timeline the statute engine answers.

One input and one output model for every workflow, update, signal, query and activity. New fields get
defaults; fields are never renamed or removed, because running workflows depend on them. Names follow
docs/vocabulary.md. Personal data travels only in payloads (which the AES-GCM codec encrypts), never in
workflow ids, search attributes or log lines.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, ClassVar, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, model_validator

from statute.events import AdviceKind
from statute.history import EARLIEST, LATEST


class Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ActivityName(StrEnum):
    """Activities by name: the worker registers these; workflow tests register fakes of the same names."""

    COMPUTE_TIMELINE = "compute_timeline"  # local activity: statute, recorded in history
    RECORD_CASE = "record_case"
    APPLY_CHANGE = "apply_change"  # a change's decision, read model and notices, in one go


class Attention(Model):
    """A side effect that failed for good (retries spent, or a failure no wait can mend), waiting for a
    manager or admin to mend its cause and retry it."""

    step: str  # the activity, e.g. `apply_change`
    reason: str  # the failure as the activity reported it, with no personal data
    failed_at: datetime


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
    APPEALED = "appealed"  # the family's appeal against a refusal is with the tribunal


# The bounds of what a person can give, held as the workflow, the statute engine and both databases can
# carry them: a date the engine can count from, a name as its column stores it, free text of some pages.
# The schema says the years too (a JSON Schema date has no bounds of its own), so clients and the contract
# lane's fuzzer know them. A name has something in it besides spaces: the statute engine refuses blank
# text, and a blank school held a claim, and every command after it, waiting on it.
DAY_YEARS = r"^(19[5-9][0-9]|20[0-9]{2}|21[0-4][0-9]|2150)-"
Day = Annotated[date, Field(ge=EARLIEST, le=LATEST, json_schema_extra={"pattern": DAY_YEARS})]
Name = Annotated[str, Field(min_length=1, max_length=200, pattern=r"\S")]
Text = Annotated[str, Field(max_length=5000)]


class ChildRecord(Model):
    """The child: personal data, written to SQL by an activity and never logged."""

    given_name: Name
    family_name: Name
    date_of_birth: Day
    upn: str | None = Field(default=None, min_length=1, max_length=13)  # the DfE's 13 characters
    postcode: str | None = Field(default=None, min_length=1, max_length=10)
    year_group: int | None = Field(default=None, ge=-2, le=14)
    visual_impairment: bool = False
    hearing_impairment: bool = False


class ContactRecord(Model):
    name: Name
    relationship: str = Field(min_length=1, max_length=100)
    email: str | None = Field(default=None, max_length=320)
    phone: str | None = Field(default=None, max_length=40)
    parental_responsibility: bool = False


class SchoolClosure(Model):
    school: Name
    first_closed: Day
    reopens: Day

    @model_validator(mode="after")
    def _reopens_after_it_closes(self) -> SchoolClosure:
        if self.reopens <= self.first_closed:
            raise ValueError(f"reopens: {self.reopens} is not after first_closed, {self.first_closed}")
        return self


class StatuteEvent(Model):
    """One docs/vocabulary.md event, as `statute.history.parse_history` reads it."""

    model_config = ConfigDict(frozen=True, extra="allow")
    event: str
    date: date


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
    school: Name | None = None
    received_by_body: Day | None = None


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


class TimelineRequest(Model):
    """Input of the `compute_timeline` local activity."""

    events: list[StatuteEvent]
    school_closures: list[SchoolClosure] = []
    year_group: int | None = None
    visual_impairment: bool = False
    hearing_impairment: bool = False
    parent_requested: list[str] = []
    existing_advice: list[str] = []  # the kinds of advice reused under reg 6(4), all three agreeing
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


class Command(Model):
    """What every command carries: who does it. A command is one workflow update of the name
    `update_name`; the API takes the same model with `actor` (and any other server-set field) left out."""

    update_name: ClassVar[str]
    server_set: ClassVar[tuple[str, ...]] = ("actor",)

    actor: Actor
