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
from typing import ClassVar, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from statute.events import AdviceKind


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
    school: str | None = None
    received_by_body: date | None = None


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
