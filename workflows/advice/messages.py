"""The messages of `AdviceRequestWorkflow`: its start, the agency's answer, the signals, its state."""

from __future__ import annotations

from datetime import date
from typing import Literal
from uuid import UUID

from pydantic import Field

from statute.events import AdviceKind, ExceptionKind
from workflows.common.messages import AdviceSpec, Command, Day, Model, Text

AdviceStatus = Literal["requested", "reminded", "chased", "escalated", "received", "excepted", "withdrawn"]


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
    # A request made before the case was imported (`ehcp import`): sent already, so not sent again, and
    # nothing of its chasing that fell due before this day is sent; `excepted` by an approved exception.
    imported_on: date | None = None
    excepted: bool = False


class SubmitAdvice(Command):
    """Update `submit_advice`: the agency's answer (reg 8), with its uploaded documents; or a caseworker
    recording advice that came by post or email, with how it came (`reason`) when it came before today."""

    update_name = "submit_advice"
    received_on: Day
    document_ids: list[UUID] = Field(default=[], max_length=50)
    summary: Text = ""
    reason: Text = ""


class AdviceExcepted(Model):
    """Signal: a reg 8(2) exception to this advice deadline was accepted and approved."""

    kind: ExceptionKind
    approved_by: UUID


class AdviceArrived(Model):
    """Signal from an `AdviceRequestWorkflow` to its assessment: the agency's advice came in."""

    advice_id: str
    received_on: date
    document_ids: list[UUID] = []


class AdviceState(Model):
    case_id: UUID
    advice_id: str
    advice: AdviceKind
    agency_id: UUID
    due: date
    practical_due: date
    status: AdviceStatus
    received_on: date | None = None
