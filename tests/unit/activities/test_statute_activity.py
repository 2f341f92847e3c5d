"""The statute local activity applies the council's conventions (settings), and a request's overrides."""

from __future__ import annotations

from datetime import UTC, date, datetime

from activities.statute import StatuteActivities, timeline_for
from statute.conventions import Conventions
from workflows.common.messages import StatuteEvent, TimelineRequest


def _due(result: object, name: str) -> date:
    return next(d.due for d in result.deadlines if d.deadline == name)  # type: ignore[attr-defined]


def request(**changes: object) -> TimelineRequest:
    values: dict[str, object] = {
        "events": [StatuteEvent(event="request_received", date=date(2025, 1, 6))],
        "now": datetime(2025, 1, 7, 12, tzinfo=UTC),
    }
    values.update(changes)
    return TimelineRequest(**values)  # type: ignore[arg-type]


def test_the_default_counts_six_weeks_excluding_the_event_day() -> None:
    assert _due(StatuteActivities().compute_timeline(request()), "decision_to_assess") == date(2025, 2, 17)


def test_the_councils_convention_from_settings_is_applied() -> None:
    council = Conventions().with_overrides({"week_counting": "event_day_is_day_1"})
    result = StatuteActivities(council).compute_timeline(request())
    assert _due(result, "decision_to_assess") == date(2025, 2, 16)


def test_a_request_overrides_the_councils_convention() -> None:
    council = Conventions().with_overrides({"week_counting": "event_day_is_day_1"})
    overridden = request(conventions={"week_counting": "exclude_event_day"})
    result = timeline_for(overridden, council.with_overrides(overridden.conventions))
    assert _due(result, "decision_to_assess") == date(2025, 2, 17)
