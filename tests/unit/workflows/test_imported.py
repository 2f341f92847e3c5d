"""An imported case's events read as the commands a caseworker would have given (workflows/assessment/
imported.py): each event to its command, the reg 6 advice to the decision that asked for it on its own
date, and every event the service cannot take refused with its index in the file."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import pytest

from workflows.advice.messages import AdviceArrived
from workflows.assessment.imported import IMPORTED_REASONS, ImportRefused, steps_of
from workflows.assessment.messages import (
    ConcedeRefusalAppeal,
    DecideAssessment,
    DecideIssue,
    ImportedCase,
    RecordTribunalOutcome,
    ServeDraft,
)
from workflows.common.messages import Actor, StatuteEvent
from workflows.plan.messages import RecordAppeal, RecordMediation

ACTOR = Actor(actor_id=uuid.UUID(int=1), role="caseworker")
AGENCIES = {"school": uuid.UUID(int=10), "ep": uuid.UUID(int=11)}


def imported(*events: dict[str, Any]) -> ImportedCase:
    return ImportedCase(
        imported_on=date(2026, 12, 7),
        actor=ACTOR,
        events=[StatuteEvent.model_validate(e) for e in events],
        agencies=AGENCIES,
    )


def request(on: str = "2026-06-01") -> dict[str, Any]:
    return {"event": "request_received", "date": on}


def test_the_advice_asked_after_a_decision_to_assess_is_its_own_each_on_its_date() -> None:
    taken = steps_of(
        imported(
            request(),
            {"event": "advice_requested", "date": "2026-07-03", "id": "ep", "advice": "psychological"},
            {"event": "decision_to_assess", "date": "2026-07-01", "outcome": "assess"},
            {"event": "advice_requested", "date": "2026-07-01", "id": "school", "advice": "educational"},
            {"event": "advice_received", "date": "2026-08-01", "id": "school"},
            {"event": "decision_to_issue", "date": "2026-09-01", "outcome": "issue"},
            {"event": "draft_served", "date": "2026-09-10", "method": "post"},
        )
    )
    assert [index for index, _ in taken.steps] == [2, 4, 5, 6]  # by date; the request is the start
    decide = taken.steps[0][1]
    assert isinstance(decide, DecideAssessment)
    assert [(a.advice_id, a.agency_id) for a in decide.advice] == [
        ("school", AGENCIES["school"]),
        ("ep", AGENCIES["ep"]),
    ]
    assert taken.asked_on == {"school": date(2026, 7, 1), "ep": date(2026, 7, 3)}
    assert taken.steps[1][1] == AdviceArrived(advice_id="school", received_on=date(2026, 8, 1))
    assert isinstance(taken.steps[2][1], DecideIssue)
    assert taken.steps[3][1] == ServeDraft(actor=ACTOR, served_on=date(2026, 9, 10), method="post")


def test_a_refusal_and_its_dispute_are_the_commands_of_the_case_page() -> None:
    taken = steps_of(
        imported(
            request(),
            {"event": "decision_to_assess", "date": "2026-07-01", "outcome": "refuse"},
            {"event": "decision_notice_sent", "date": "2026-07-01", "decision": "refuse_assess"},
            {"event": "mediation_adviser_contacted", "date": "2026-07-10", "wants_mediation": True},
            {"event": "mediation_certificate_issued", "date": "2026-08-01"},
            {"event": "appeal_lodged", "date": "2026-08-20"},
            {"event": "tribunal_order", "date": "2026-11-02", "order": "assess"},
        )
    )
    steps = [step for _, step in taken.steps]
    assert steps[0] == DecideAssessment(
        actor=ACTOR, outcome="refuse", decided_on=date(2026, 7, 1), reasons=IMPORTED_REASONS
    )
    assert steps[1] == RecordMediation(
        actor=ACTOR, on=date(2026, 7, 10), step="adviser_contacted", wants_mediation=True
    )
    assert steps[2] == RecordMediation(actor=ACTOR, on=date(2026, 8, 1), step="certificate_issued")
    assert steps[3] == RecordAppeal(actor=ACTOR, lodged_on=date(2026, 8, 20))
    assert steps[4] == RecordTribunalOutcome(actor=ACTOR, decided_on=date(2026, 11, 2), outcome="assess")
    conceded = steps_of(
        imported(
            request(),
            {"event": "decision_to_assess", "date": "2026-07-01", "outcome": "refuse"},
            {"event": "appeal_unopposed", "date": "2026-09-01", "appeal": "refuse_assess"},
        )
    )
    assert conceded.steps[-1][1] == ConcedeRefusalAppeal(
        actor=ACTOR, conceded_on=date(2026, 9, 1), appeal="refuse_assess"
    )


@pytest.mark.parametrize(
    ("event", "reason"),
    [
        (
            {"event": "advice_requested", "date": "2026-07-02", "id": "ep", "advice": "psychological"},
            "events[1]: advice is requested after a decision to assess, and there is none",
        ),
        (
            {"event": "decision_notice_sent", "date": "2026-07-02", "decision": "refuse_assess"},
            "events[1]: the service sends the refuse_assess decision notice on the day of its decision",
        ),
        (
            {"event": "final_issued", "date": "2026-07-02"},
            "events[1]: a case with its final plan is imported as a plan",
        ),
        (
            {"event": "review_meeting", "date": "2026-07-02"},
            "events[1]: review_meeting is not a step of an assessment",
        ),
        ({"event": "request_received", "date": "2026-07-02"}, "events[1]: a case has one request"),
        (
            {"event": "tribunal_order", "date": "2026-07-02", "order": "continue"},
            "events[1]: tribunal_order 'continue' concerns a plan",
        ),
        (
            {
                "event": "exception",
                "date": "2026-07-02",
                "deadline": "decision_to_assess",
                "kind": "personal_circumstances",
                "start": "2026-06-20",
            },
            "events[1]: an exception is imported as approved; give approved_by",
        ),
    ],
)
def test_an_event_the_service_cannot_take_is_refused_by_its_index(event: dict[str, Any], reason: str) -> None:
    with pytest.raises(ImportRefused) as refused:
        steps_of(imported(request(), event))
    assert str(refused.value).startswith(reason)


def test_advice_for_an_agency_not_given_or_with_a_bad_label_is_refused() -> None:
    decided = {"event": "decision_to_assess", "date": "2026-07-01", "outcome": "assess"}
    with pytest.raises(ImportRefused, match=r"events\[2\]: no agency is given for advice 'health'"):
        steps_of(
            imported(
                request(),
                decided,
                {"event": "advice_requested", "date": "2026-07-01", "id": "health", "advice": "medical"},
            )
        )
    refuse = {"event": "decision_to_assess", "date": "2026-07-01", "outcome": "refuse"}
    with pytest.raises(ImportRefused, match=r"events\[2\]: advice is requested after a decision to assess"):
        steps_of(
            imported(
                request(),
                refuse,
                {"event": "advice_requested", "date": "2026-07-01", "id": "ep", "advice": "psychological"},
            )
        )
