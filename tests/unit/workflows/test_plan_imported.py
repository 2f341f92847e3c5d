"""An imported plan's history judged step by step by the plan's own rules (workflows/plan/imported.py): a
history a caseworker could have recorded here passes; one they could not is refused at its event."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

import pytest

from activities.statute import timeline_for
from statute.conventions import Conventions
from workflows.assessment.imported import ImportRefused
from workflows.common.messages import DeadlineView, StatuteEvent, TimelineRequest
from workflows.plan.imported import check_plan_history

TODAY = date(2026, 12, 7)
AGENCY = uuid.UUID(int=9)


def timeline(events: list[StatuteEvent]) -> list[DeadlineView]:
    request = TimelineRequest(events=events, now=datetime(2026, 12, 7, 12, tzinfo=UTC))
    return timeline_for(request, Conventions()).deadlines


def check(*events: dict[str, Any], agencies: dict[str, uuid.UUID] | None = None) -> None:
    history = [
        {"event": "request_received", "date": "2024-06-03"},
        {"event": "final_issued", "date": "2024-10-21"},
        *events,
    ]
    parsed = [StatuteEvent.model_validate(e) for e in history]
    check_plan_history(parsed, today=TODAY, agencies=agencies or {}, timeline=timeline)


def test_a_review_kept_and_one_that_amended_the_plan_pass() -> None:
    check(
        {"event": "review_invitations_sent", "date": "2025-08-26"},
        {"event": "review_meeting", "date": "2025-09-09"},
        {"event": "review_report_sent", "date": "2025-09-16"},
        {"event": "plan_reviewed", "date": "2025-09-30", "outcome": "amend"},
        {"event": "amendment_notice_sent", "date": "2025-09-30", "method": "email"},  # with the decision
        {"event": "amended_plan_issued", "date": "2025-11-10"},
    )


def test_a_reassessment_with_its_advice_passes_and_one_without_is_refused() -> None:
    asked = [
        {"event": "advice_requested", "date": "2026-03-02", "id": f"{kind}-2", "advice": kind}
        for kind in ("parent", "educational", "medical", "psychological", "social_care")
    ]
    agencies = {e["id"]: AGENCY for e in asked}
    request = {"event": "reassessment_requested", "date": "2026-02-20"}
    decided = {"event": "reassessment_decided", "date": "2026-03-02", "outcome": "reassess"}
    check(request, decided, *asked, agencies=agencies)
    with pytest.raises(ImportRefused, match=r"events\[3\]: advice: a reassessment asks for the advice of"):
        check(request, decided)


@pytest.mark.parametrize(
    ("events", "says"),
    [
        (
            [{"event": "amended_plan_issued", "date": "2025-11-10"}],
            "events[2]: this step needs an amendment notice sent first",
        ),
        (
            [{"event": "review_report_sent", "date": "2025-09-16"}],
            "events[2]: this step needs a review meeting first",
        ),
        (
            [{"event": "plan_ceased", "date": "2025-09-16"}],
            "events[2]: this step needs a decision notice sent first",
        ),
        (
            [{"event": "decision_to_assess", "date": "2025-09-16", "outcome": "assess"}],
            "events[2]: decision_to_assess is not a step of a plan after its final plan",
        ),
        (
            [{"event": "reassessment_decided", "date": "2025-09-16", "outcome": "refuse"}],
            "events[2]: this step needs a reassessment requested first",
        ),
    ],
)
def test_a_step_no_caseworker_could_have_recorded_is_refused_at_its_event(
    events: list[dict[str, Any]], says: str
) -> None:
    with pytest.raises(ImportRefused) as refused:
        check(*events)
    assert str(refused.value).startswith(says)
