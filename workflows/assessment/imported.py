"""A case brought in from a council's earlier records (`ehcp import`, issue 11 s.6): its events after the
request, read as the commands a caseworker would have given, so the workflow takes each through the same
rule as the API's command (`rules.py`, `later.py`, `disputes.py`). Pure, unit-tested without Temporal
(tests/unit/workflows/test_imported.py); `ehcp import` asks it first, so a line it refuses never reaches a
workflow.

What the events cannot say is filled in plainly: a refusal's reasons read `IMPORTED_REASONS`, the decision
notice of a refusal is the one the service would have sent on the day of the decision (an imported
`decision_notice_sent` must agree with it), and the reg 6 advice requests after a decision to assess belong to
that decision, each on its own date. Advice received is the agency's answer; an `exception` is taken as
the approved exception it records.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal, cast
from uuid import UUID

from pydantic import ValidationError

from workflows.advice.messages import AdviceArrived
from workflows.assessment.messages import (
    ConcedeRefusalAppeal,
    ConsultSchool,
    DecideAssessment,
    DecideIssue,
    ImportedCase,
    RecordSchoolResponse,
    RecordTribunalOutcome,
    ServeDraft,
    Withdraw,
)
from workflows.common.disputes import MEDIATION_EVENTS
from workflows.common.messages import AdviceSpec, Command, StatuteEvent
from workflows.plan.messages import RecordAppeal, RecordMediation

IMPORTED_REASONS = "Recorded before this service; imported from the council's earlier records."
REQUESTS = ("request_received", "brought_to_attention")
_STEP_OF_MEDIATION = {event: step for step, event in MEDIATION_EVENTS.items()}
ORDERS = ("assess", "make_and_maintain")  # the tribunal's orders on a refusal (reg 44)
CONCEDED = ("refuse_assess", "refuse_issue")  # the refusals an LA may decide not to oppose (reg 45)
MediationStep = Literal["adviser_contacted", "held", "not_arranged", "certificate_issued"]

Step = Command | AdviceArrived | StatuteEvent  # a command, an agency's answer, or an approved exception


class ImportRefused(Exception):
    """An event the service cannot take as it stands: `events[index]` and why, in words to act on."""

    def __init__(self, index: int, reason: str) -> None:
        super().__init__(f"events[{index}]: {reason}")
        self.index = index
        self.reason = reason


@dataclass(frozen=True, slots=True)
class ImportSteps:
    """The steps to take in order, each with the index of the event it came from, and the day each advice
    request was made (the decision's own day or later)."""

    steps: list[tuple[int, Step]]
    asked_on: dict[str, date] = field(default_factory=dict)


def ordered(events: Sequence[StatuteEvent]) -> list[tuple[int, StatuteEvent]]:
    """The events by date, those of one day in the order given, each with its index in the file."""
    return sorted(enumerate(events), key=lambda pair: (pair[1].date, pair[0]))


def steps_of(imported: ImportedCase) -> ImportSteps:
    """The commands the events describe, or `ImportRefused` for the first event that is not a step of an
    assessment the service can take (a plan's events are imported as a plan, not here)."""
    reader = _Reader(imported)
    for n, (index, event) in enumerate(ordered(imported.events)):
        if n == 0 and event.event in REQUESTS:  # the request itself: the workflow's start
            continue
        try:
            reader.take(index, event)
        except ValidationError as error:
            problem = error.errors()[0]
            where = ".".join(str(p) for p in problem["loc"])
            raise ImportRefused(index, f"{where}: {problem['msg']}") from None
    return ImportSteps(steps=reader.steps, asked_on=reader.asked_on)


class _Reader:
    """Reads the events one by one: the steps so far, the decision to assess still gathering its advice,
    and the decision notices the service sends on its decisions' days."""

    def __init__(self, imported: ImportedCase) -> None:
        self.actor = imported.actor
        self.agencies = imported.agencies
        self.steps: list[tuple[int, Step]] = []
        self.asked_on: dict[str, date] = {}
        self.deciding: int | None = None  # where in `steps` the decision to assess gathering advice is
        self.notices: set[tuple[str, date]] = set()

    def take(self, index: int, event: StatuteEvent) -> None:
        name, on, extra = event.event, event.date, event.model_extra or {}
        simple = self._simple(name, on, extra)
        if simple is not None:
            self.steps.append((index, simple))
        elif name == "decision_to_assess":
            self._decide_assessment(index, on, extra["outcome"])
        elif name == "advice_requested":
            self._ask(index, on, extra)
        elif name == "decision_to_issue":
            self._decide_issue(index, on, extra["outcome"])
        elif name == "decision_notice_sent":
            if (str(extra.get("decision")), on) not in self.notices:
                raise ImportRefused(
                    index,
                    f"the service sends the {extra.get('decision')} decision notice on the day of its "
                    "decision; give the decision on this day, or leave the notice out",
                )
        elif name == "exception":
            if not extra.get("approved_by"):
                raise ImportRefused(index, "an exception is imported as approved; give approved_by")
            self.steps.append((index, event))
        else:
            raise ImportRefused(index, _not_taken(name, extra))

    def _simple(self, name: str, on: date, extra: dict[str, Any]) -> Step | None:
        """The step of an event that is one command on its own, or None."""
        actor = self.actor
        if name == "advice_received":
            return AdviceArrived(advice_id=str(extra.get("id")), received_on=on)
        if name == "draft_served":
            return ServeDraft(actor=actor, served_on=on, method=extra.get("method", "email"))
        if name == "school_consulted":
            return ConsultSchool(actor=actor, school=extra.get("school"), consulted_on=on)
        if name == "school_responded":
            return RecordSchoolResponse(actor=actor, school=extra.get("school"), responded_on=on)
        if name == "request_withdrawn":
            return Withdraw(actor=actor, withdrawn_on=on, reasons=IMPORTED_REASONS)
        if name in _STEP_OF_MEDIATION:
            step = cast(MediationStep, _STEP_OF_MEDIATION[name])
            wants = extra.get("wants_mediation") if step == "adviser_contacted" else None
            return RecordMediation(actor=actor, on=on, step=step, wants_mediation=wants)
        if name == "appeal_lodged":
            return RecordAppeal(actor=actor, lodged_on=on)
        if name == "tribunal_order" and extra.get("order") in ORDERS:
            return RecordTribunalOutcome(actor=actor, decided_on=on, outcome=extra["order"])
        if name == "appeal_unopposed" and extra.get("appeal") in CONCEDED:
            return ConcedeRefusalAppeal(actor=actor, conceded_on=on, appeal=extra["appeal"])
        return None

    def _decide_assessment(self, index: int, on: date, outcome: str) -> None:
        reasons = IMPORTED_REASONS if outcome == "refuse" else ""
        decide = DecideAssessment(actor=self.actor, outcome=outcome, decided_on=on, reasons=reasons)
        self.steps.append((index, decide))
        self.deciding = len(self.steps) - 1 if outcome == "assess" else None
        if outcome == "refuse":
            self.notices.add(("refuse_assess", on))

    def _ask(self, index: int, on: date, extra: dict[str, Any]) -> None:
        if self.deciding is None:
            raise ImportRefused(index, "advice is requested after a decision to assess, and there is none")
        spec = _advice_spec(index, extra, self.agencies)
        at, decide = self.steps[self.deciding]
        assert isinstance(decide, DecideAssessment)
        self.steps[self.deciding] = (at, decide.model_copy(update={"advice": [*decide.advice, spec]}))
        self.asked_on[spec.advice_id] = on

    def _decide_issue(self, index: int, on: date, outcome: str) -> None:
        reasons = IMPORTED_REASONS if outcome == "not_issue" else ""
        self.steps.append(
            (index, DecideIssue(actor=self.actor, outcome=outcome, decided_on=on, reasons=reasons))
        )
        self.deciding = None
        if outcome == "not_issue":
            self.notices.add(("not_issue", on))


def _not_taken(name: str, extra: dict[str, Any]) -> str:
    if name in REQUESTS:
        return "a case has one request, its first event"
    if name == "final_issued":
        return "a case with its final plan is imported as a plan"
    if name in ("tribunal_order", "appeal_unopposed"):
        value = extra.get("order", extra.get("appeal"))
        return f"{name} '{value}' concerns a plan; a case with its final plan is imported as a plan"
    return f"{name} is not a step of an assessment before its final plan; import the case as a plan"


def _advice_spec(index: int, extra: dict[str, Any], agencies: Mapping[str, UUID]) -> AdviceSpec:
    advice_id = extra.get("id")
    if advice_id not in agencies:
        raise ImportRefused(
            index, f"no agency is given for advice '{advice_id}'; add it to the line's agencies"
        )
    fields = {"advice_id": advice_id, "advice": extra.get("advice"), "agency_id": agencies[str(advice_id)]}
    fields |= {k: extra[k] for k in ("school", "received_by_body") if extra.get(k) is not None}
    return AdviceSpec.model_validate(fields)
