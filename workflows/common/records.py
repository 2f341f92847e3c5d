"""The payloads of the activities: what one change of a case writes (decisions, the read model, advice
records) in one transaction, and the notices it then sends. Each is idempotent by its own key.
"""

from __future__ import annotations

from datetime import date
from typing import Literal
from uuid import UUID

from workflows.common.messages import AdviceSpec, DeadlineView, Model, Stage

Recipient = Literal["parent", "caseworker", "manager", "agency", "school", "health", "social_care"]


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


class AdviceWithdrawnRecord(Model):
    """An advice request no longer owed: the case was withdrawn or decided without it."""

    case_id: UUID
    advice_id: str


class Change(Model):
    """Input of `apply_change`: what one change of a case writes (one transaction) and then sends."""

    case_id: UUID
    decisions: list[DecisionRecord] = []
    projection: CaseProjection | None = None
    notices: list[Notice] = []
    advice_requests: list[AdviceRequestRecord] = []
    advice_received: list[AdviceReceivedRecord] = []
    advice_withdrawn: list[AdviceWithdrawnRecord] = []
