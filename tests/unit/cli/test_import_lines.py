"""One `ehcp import` line read and checked (cli/import_lines.py): the case's start, or the problem named
by its field as `ehcp timeline` names it."""

from __future__ import annotations

import json
import uuid
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from cli.demo import AGENCIES
from cli.import_lines import Directory, LineRefused, case_id_of, prepare
from core.settings import Settings
from workflows.assessment.messages import AssessmentStart
from workflows.plan.messages import PlanStart

TODAY = date(2026, 12, 7)
CASEWORKER = uuid.UUID(int=7)
SCHOOL = uuid.UUID(int=8)
DIRECTORY = Directory(
    caseworkers={"j.smith": CASEWORKER}, agencies={"Riverside Primary": SCHOOL, str(SCHOOL): SCHOOL}
)


def text(**changes: Any) -> str:
    value: dict[str, Any] = {
        "reference": "NT-1",
        "caseworker": "j.smith",
        "child": {"given_name": "Sam", "family_name": "Lee", "date_of_birth": "2016-03-02", "year_group": 5},
        "agencies": {"school": "Riverside Primary"},
        "events": [{"event": "request_received", "date": "2026-10-01", "source": "parent"}],
    }
    value.update(changes)
    return json.dumps(value)


def read(line: str) -> Any:
    return prepare(line, line=3, settings=Settings(la_code="202"), directory=DIRECTORY, today=TODAY)


def test_a_case_in_flight_starts_its_assessment_with_its_steps() -> None:
    events = [
        {"event": "request_received", "date": "2026-09-01", "source": "parent"},
        {"event": "decision_to_assess", "date": "2026-10-01", "outcome": "refuse"},
    ]
    ready = read(text(events=events))
    assert ready.case_id == case_id_of("202", "NT-1") != case_id_of("203", "NT-1")
    assert not ready.is_plan
    start = ready.start
    assert isinstance(start, AssessmentStart)
    assert (start.received_on, start.source, start.caseworker_id) == (date(2026, 9, 1), "parent", CASEWORKER)
    assert start.imported is not None
    assert start.imported.imported_on == TODAY
    assert start.imported.agencies == {"school": SCHOOL}
    assert [e.event for e in start.imported.events] == ["request_received", "decision_to_assess"]
    assert ready.missed == 0


def test_a_case_with_its_final_plan_starts_the_plan_and_counts_what_it_missed() -> None:
    events = [
        {"event": "request_received", "date": "2025-06-02"},
        {"event": "final_issued", "date": "2025-11-03"},
    ]
    ready = read(text(events=events))
    assert ready.is_plan
    assert isinstance(ready.start, PlanStart)
    assert (ready.start.made_on, ready.start.imported_on) == (date(2025, 11, 3), TODAY)
    assert ready.start.arriving is not None
    assert ready.missed >= 2  # the 20 weeks, and the review due by 3 November 2026


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("{oops", "not valid JSON: Expecting property name enclosed in double quotes at column 2"),
        (text(child={"given_name": "Sam"}), "child.family_name: Field required"),
        (text(colour="red"), "colour: Extra inputs are not permitted"),
        (text(events=[]), "events: List should have at least 1 item"),
        (
            text(events=[{"event": "request_received", "date": "2026-13-01"}]),
            "events[0].date: '2026-13-01' is not a real date",
        ),
        (
            text(events=[{"event": "decision_to_assess", "date": "2026-10-01", "outcome": "assess"}]),
            "events[0]: the first event is the request",
        ),
        (
            text(events=[{"event": "request_received", "date": "2026-12-08"}]),
            "events[0].date: 2026-12-08 is after today, 2026-12-07",
        ),
        (text(caseworker="nobody"), "caseworker: no caseworker or manager account is named 'nobody'"),
        (
            text(agencies={"ep": "Nowhere"}),
            "agencies.ep: no agency is named 'Nowhere'; add it with `ehcp agencies add` first",
        ),
        (
            text(
                events=[
                    {"event": "request_received", "date": "2026-10-01"},
                    {"event": "review_meeting", "date": "2026-11-01"},
                ]
            ),
            "events[1]: review_meeting is not a step of an assessment",
        ),
    ],
)
def test_a_bad_line_is_refused_naming_its_field(line: str, problem: str) -> None:
    with pytest.raises(LineRefused) as refused:
        read(line)
    assert str(refused.value).startswith(problem)


def test_a_plan_whose_history_no_caseworker_could_have_recorded_is_refused() -> None:
    """Its steps after the final plan are judged by the plan's own rules, as the API would judge them."""
    events = [
        {"event": "request_received", "date": "2025-06-02"},
        {"event": "final_issued", "date": "2025-11-03"},
        {"event": "review_report_sent", "date": "2026-10-01"},
    ]
    with pytest.raises(LineRefused, match=r"^events\[2\]: this step needs a review meeting first"):
        read(text(events=events))


def test_the_example_file_imports_into_the_demo_whole() -> None:
    """examples/import.jsonl, as docs/import.md offers it: every line taken, with the demo's agencies."""
    demo = Directory(
        caseworkers={"demo-caseworker": CASEWORKER},
        agencies={name: uuid.UUID(int=i) for i, (name, _) in enumerate(AGENCIES.values())},
    )
    lines = Path("examples/import.jsonl").read_text(encoding="utf-8").splitlines()
    ready = [
        prepare(t, line=n, settings=Settings(), directory=demo, today=TODAY) for n, t in enumerate(lines, 1)
    ]
    assert sum(r.is_plan for r in ready) == 2
    assert len(ready) == 7
