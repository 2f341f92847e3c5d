"""The statute engine as a local activity: every timeline a workflow acts on is recorded in its history,
so a later change of the bank-holiday data or of the engine cannot change what an old case did on replay.

It also turns the workflow's UTC clock into the date in England, which the workflow sandbox cannot do.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from temporalio import activity

from statute.conventions import Conventions
from statute.history import parse_history
from statute.timeline import compute_timeline
from workflows.common.messages import (
    ActivityName,
    DeadlineView,
    TimelineRequest,
    TimelineResult,
    TimelineVerdict,
)

ENGLAND = ZoneInfo("Europe/London")


class StatuteActivities:
    """The engine under the council's conventions (settings), which a request may override."""

    def __init__(self, conventions: Conventions | None = None) -> None:
        self._conventions = conventions or Conventions()

    @activity.defn(name=ActivityName.COMPUTE_TIMELINE)
    def compute_timeline(self, request: TimelineRequest) -> TimelineResult:
        """Every deadline of the case as of today in England, judged by `statute`."""
        return timeline_for(request, self._conventions.with_overrides(request.conventions))


def timeline_for(request: TimelineRequest, conventions: Conventions) -> TimelineResult:
    """The statute engine's answer for a workflow's request."""
    as_of = request.now.astimezone(ENGLAND).date()
    history = parse_history(
        {
            "events": [event.model_dump(mode="json") for event in request.events],
            "school_closures": [closure.model_dump(mode="json") for closure in request.school_closures],
            "child": {
                "year_group": request.year_group,
                "visual_impairment": request.visual_impairment,
                "hearing_impairment": request.hearing_impairment,
                "parent_requested": request.parent_requested,
                "existing_advice": [
                    {"advice": kind, "adviser_agrees": True, "la_agrees": True, "parent_agrees": True}
                    for kind in request.existing_advice
                ],
            },
        }
    )
    timeline = compute_timeline(history, as_of=as_of, conventions=conventions)
    return TimelineResult(
        as_of=as_of,
        deadlines=[
            DeadlineView(
                deadline=d.deadline,
                id=d.id,
                due=d.due,
                practical_due=d.practical_due,
                rule=d.rule,
                statutory=d.statutory,
                status=d.status,
                met_on=d.met_on,
                from_event=d.from_event,
                from_date=d.from_date,
                exception_kind=d.exception.kind if d.exception else None,
                exception_accepted=d.exception.accepted if d.exception else None,
            )
            for d in timeline.deadlines
        ],
        exceptions=[
            TimelineVerdict(
                deadline=e.deadline, advice_id=e.advice_id, kind=e.kind, accepted=e.accepted, reason=e.reason
            )
            for e in timeline.exceptions
        ],
        required_advice=[item.advice for item in timeline.required_advice],
    )
