"""One line of an `ehcp import` file read, checked and made into the start of its case's workflow
(issue 11 s.6; the format is in docs/import.md). Every problem is a `LineRefused` naming the field, as
`ehcp timeline` names it: `child.date_of_birth: ...`, `events[3].date: ...`, `agencies.school: ...`.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from activities.statute import ENGLAND, timeline_for
from core.settings import Settings
from statute.conventions import Conventions
from statute.errors import StatuteError
from statute.history import parse_history
from statute.timeline import compute_timeline
from workflows.assessment.imported import REQUESTS, ImportRefused, ordered, steps_of
from workflows.assessment.messages import AssessmentStart, CaseRecord, ImportedCase
from workflows.common.ids import plan_workflow_id
from workflows.common.messages import (
    Actor,
    ChildRecord,
    ContactRecord,
    DeadlineView,
    SchoolClosure,
    StatuteEvent,
    TimelineRequest,
)
from workflows.plan.imported import check_plan_history
from workflows.plan.messages import PlanStart

# A case's id is this namespace's UUID of "<la_code>:<reference>": the same line imports the same case.
IMPORTED = uuid.UUID("1a4b7c2e-9d3f-4e8a-b5c6-0f1e2d3c4b5a")
CONVENTIONS = Conventions()


def noon_of(day: date) -> datetime:
    """Midday in England on `day`: the moment the statute engine judges a day's timeline at."""
    return datetime.combine(day, time(12), tzinfo=ENGLAND)


class ImportLine(BaseModel):
    """One line of an import file, before the statute engine reads its events."""

    model_config = ConfigDict(extra="forbid")

    reference: str = Field(min_length=1, max_length=60, pattern=r"^\S(.*\S)?$")
    caseworker: str = Field(min_length=1, max_length=100)
    child: ChildRecord
    contacts: list[ContactRecord] = Field(default=[], max_length=20)
    parent_requested: list[str] = Field(default=[], max_length=20)
    agencies: dict[str, str] = {}
    events: list[Any] = Field(min_length=1)
    school_closures: list[Any] = []


class LineRefused(Exception):
    """A line that cannot be imported: why, in words to act on."""


@dataclass(frozen=True, slots=True)
class Prepared:
    """A line ready to start: its case, the workflow to start and how many deadlines it already missed."""

    line: int
    case_id: uuid.UUID
    start: AssessmentStart | PlanStart
    missed: int

    @property
    def is_plan(self) -> bool:
        return isinstance(self.start, PlanStart)


@dataclass(frozen=True, slots=True)
class Directory:
    """What lines name by reference: caseworkers by username, agencies by name (or id)."""

    caseworkers: dict[str, uuid.UUID]
    agencies: dict[str, uuid.UUID]


def case_id_of(la_code: str, reference: str) -> uuid.UUID:
    return uuid.uuid5(IMPORTED, f"{la_code}:{reference}")


def prepare(text: str, *, line: int, settings: Settings, directory: Directory, today: date) -> Prepared:
    """A line read, checked and made into its workflow's start; `LineRefused` naming the field if not."""
    try:
        data = json.loads(text.strip())
    except json.JSONDecodeError as error:
        raise LineRefused(f"not valid JSON: {error.msg} at column {error.colno}") from None
    try:
        case = ImportLine.model_validate(data)
    except ValidationError as error:
        problem = error.errors()[0]
        where = ".".join(str(p) for p in problem["loc"]) or "the line"
        raise LineRefused(f"{where}: {problem['msg']}") from None
    child = case.child
    facts = {
        "year_group": child.year_group,
        "visual_impairment": child.visual_impairment,
        "hearing_impairment": child.hearing_impairment,
        "parent_requested": case.parent_requested,
    }
    try:
        history = parse_history(
            {"events": case.events, "school_closures": case.school_closures, "child": facts}
        )
        timeline = compute_timeline(history, as_of=today)
    except StatuteError as error:
        raise LineRefused(str(error)) from None
    events = [StatuteEvent.model_validate(raw) for raw in case.events]
    _check_dates(events, today)
    caseworker = directory.caseworkers.get(case.caseworker)
    if caseworker is None:
        raise LineRefused(f"caseworker: no caseworker or manager account is named '{case.caseworker}'")
    agencies = {advice_id: _agency(advice_id, name, directory) for advice_id, name in case.agencies.items()}
    case_id = case_id_of(settings.la_code, case.reference)
    closures = [SchoolClosure.model_validate(raw) for raw in case.school_closures]
    first = ordered(events)[0][1]
    record = AssessmentStart(
        case_id=case_id,
        la_code=settings.la_code,
        received_on=first.date,
        source=(first.model_extra or {}).get("source"),
        brought_to_attention=first.event == "brought_to_attention",
        child=child,
        contacts=case.contacts,
        parent_requested=case.parent_requested,
        school_closures=closures,
        caseworker_id=caseworker,
        actor_id=caseworker,
        remind_before_days=settings.remind_before_days,
        escalate_after_days=settings.escalate_after_days,
    )
    missed = sum(1 for d in timeline.deadlines if d.status in ("overdue", "met_late"))
    made = [e.date for e in events if e.event == "final_issued"]
    if made:
        # Each step after the final plan judged by its command's rule, on the timeline as it then stood.
        def as_it_stood(so_far: list[StatuteEvent]) -> list[DeadlineView]:
            request = TimelineRequest(
                events=so_far, school_closures=closures, year_group=child.year_group, now=noon_of(today)
            )
            return timeline_for(request, CONVENTIONS).deadlines

        try:
            check_plan_history(events, today=today, agencies=agencies, timeline=as_it_stood)
        except ImportRefused as refused:
            raise LineRefused(str(refused)) from None
        workflow_id = plan_workflow_id(case_id)
        plan = PlanStart(
            case_id=case_id,
            assessment_workflow_id=workflow_id,
            la_code=settings.la_code,
            made_on=max(made),
            events=events,
            school_closures=closures,
            caseworker_id=caseworker,
            escalate_after_days=settings.escalate_after_days,
            agency_by_advice_id=agencies,
            arriving=CaseRecord(case_id=case_id, workflow_id=workflow_id, start=record),
            imported_on=today,
        )
        return Prepared(line=line, case_id=case_id, start=plan, missed=missed)
    imported = ImportedCase(
        imported_on=today,
        actor=Actor(actor_id=caseworker, role="caseworker"),
        events=events,
        agencies=agencies,
    )
    try:
        steps_of(imported)  # the workflow reads them again; a line it would refuse is refused here
    except ImportRefused as refused:
        raise LineRefused(str(refused)) from None
    start = record.model_copy(update={"imported": imported})
    return Prepared(line=line, case_id=case_id, start=start, missed=missed)


def _check_dates(events: list[StatuteEvent], today: date) -> None:
    index, first = ordered(events)[0]
    if first.event not in REQUESTS:
        raise LineRefused(
            f"events[{index}]: the first event is the request (request_received or brought_to_attention), "
            f"not {first.event}"
        )
    for index, event in enumerate(events):
        if event.date > today:
            raise LineRefused(f"events[{index}].date: {event.date} is after today, {today}")


def _agency(advice_id: str, name: str, directory: Directory) -> uuid.UUID:
    found = directory.agencies.get(name)
    if found is None:
        raise LineRefused(
            f"agencies.{advice_id}: no agency is named '{name}'; add it with `ehcp agencies add` first"
        )
    return found
