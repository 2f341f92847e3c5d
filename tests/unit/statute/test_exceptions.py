"""Exception claims judged per deadline (docs/statute.md §1.1-§1.2; docs/statute-engine.md "Exceptions").

The base case starts every clock on Mon 16 June 2025 so that the summer closure of school Oak
(first closed Wed 23 Jul, re-opens Wed 3 Sep 2025: 42 days) falls inside every period:
    decision_to_assess  16 Jun + 6w  = 2025-07-28
    draft_target        16 Jun + 14w = 2025-09-22
    decision_not_to_issue 16 Jun + 16w = 2025-10-06
    final_plan          16 Jun + 20w = 2025-11-03
    reassessment_plan   16 Jun + 14w = 2025-09-22 (decided to reassess 16 Jun)
    tribunal_final      16 Jun + 11w = 2025-09-01 (order to make and maintain 16 Jun)
    advice "oak-ed"     21 Jul + 6w  = 2025-09-01 (educational advice asked of Oak on 21 Jul)
Oak's closure window is [23 Jul - 7, 3 Sep - 7] = [2025-07-16, 2025-08-27].
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from statute.conventions import Conventions
from statute.history import parse_history
from statute.timeline import compute_timeline

from .cases import deadlines, ev, one

OAK_SUMMER = {"school": "Oak", "first_closed": "2025-07-23", "reopens": "2025-09-03"}
CLAIMED = "2025-08-29"


def run(
    events: list[dict[str, Any]],
    *,
    as_of: str = "2025-12-01",
    closures: list[dict[str, str]] | None = None,
    conventions: Conventions | None = None,
) -> dict[str, Any]:
    data = {"events": events, "school_closures": [OAK_SUMMER] if closures is None else closures}
    return compute_timeline(
        parse_history(data), as_of=date.fromisoformat(as_of), conventions=conventions
    ).as_dict()


def base(oak_request: str = "2025-07-21", oak_school: str = "Oak") -> list[dict[str, Any]]:
    return [
        ev("request_received", "2025-06-16"),
        ev("reassessment_decided", "2025-06-16", outcome="reassess"),
        ev("tribunal_order", "2025-06-16", order="make_and_maintain"),
        ev("advice_requested", oak_request, id="oak-ed", advice="educational", school=oak_school),
    ]


def claim(deadline: str, kind: str, day: str = CLAIMED, **fields: Any) -> dict[str, Any]:
    """A claim that meets every test but whether the law allows `kind` against `deadline`."""
    by_kind: dict[str, dict[str, Any]] = {
        "school_closure": {"school": "Oak"},
        "early_years_closure": {"school": "Oak"},
        "personal_circumstances": {"start": "2025-07-22", "end": "2025-07-25"},
        "absence": {"start": "2025-07-22", "end": "2025-08-26"},  # 35 days
        "missed_appointment": {"start": "2025-07-24"},
    }
    extra = {"advice_id": "oak-ed"} if deadline == "advice" else {}
    return ev("exception", day, deadline=deadline, kind=kind, **{**by_kind[kind], **extra, **fields})


def verdict(result: dict[str, Any]) -> dict[str, Any]:
    assert len(result["exceptions"]) == 1, result["exceptions"]
    found = result["exceptions"][0]
    assert isinstance(found["reason"], str)
    assert found["reason"].strip()
    return found


KINDS = ("school_closure", "early_years_closure", "personal_circumstances", "absence", "missed_appointment")
ALLOWED = {
    "decision_to_assess": {"school_closure", "early_years_closure", "personal_circumstances", "absence"},
    "advice": {"personal_circumstances", "absence", "missed_appointment"},
    "decision_not_to_issue": {"school_closure", "early_years_closure", "personal_circumstances", "absence"},
    "final_plan": {"school_closure", "early_years_closure", "personal_circumstances", "absence"},
    "reassessment_plan": {"school_closure", "early_years_closure", "personal_circumstances", "absence"},
    "tribunal_final": {"school_closure", "early_years_closure", "personal_circumstances", "absence"},
    "draft_target": set(),
}
MATRIX = [(name, kind, kind in allowed) for name, allowed in ALLOWED.items() for kind in KINDS]


@pytest.mark.parametrize(("name", "kind", "accepted"), MATRIX)
def test_matrix(name: str, kind: str, accepted: bool) -> None:
    result = run([*base(), claim(name, kind)])
    found = verdict(result)
    assert found["accepted"] is accepted
    assert (found["deadline"], found["kind"]) == (name, kind)
    target = one(result, name)
    # nothing meets any deadline and as_of (1 Dec) is after every due date
    lapsed = "closed" if name == "decision_not_to_issue" else "overdue"  # reg 10(1) binds one outcome
    assert target["status"] == ("excepted" if accepted else lapsed)
    assert target["exception"]["accepted"] is accepted


def test_missed_appointment_refused_names_advice_only() -> None:
    found = verdict(run([*base(), claim("final_plan", "missed_appointment")]))
    assert found["accepted"] is False
    assert any(word in found["reason"].lower() for word in ("advice", "appointment", "8(2)"))


def test_claim_echoed() -> None:
    result = run([*base(), claim("final_plan", "absence", approved_by="m.jones")])
    found = verdict(result)
    assert found["claimed"] == CLAIMED
    assert (found["start"], found["end"], found["school"]) == ("2025-07-22", "2025-08-26", None)
    assert found["approved_by"] == "m.jones"
    assert found["advice_id"] is None
    assert one(result, "final_plan")["exception"] == found


# --- school closure (R9) ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("oak_request", "inclusive", "accepted"),
    [
        ("2025-07-21", True, True),  # inside the window
        ("2025-07-15", True, False),  # one day before the window opens (16 Jul)
        ("2025-07-16", True, True),  # the first day of the window, ends included by default
        ("2025-07-16", False, False),
        ("2025-08-27", True, True),  # the last day of the window
        ("2025-08-27", False, False),
        ("2025-08-28", True, False),  # one day after it closes
        ("2025-07-21", False, True),  # well inside either way
    ],
)
def test_closure_window(oak_request: str, inclusive: bool, accepted: bool) -> None:
    conventions = Conventions(closure_window_inclusive=inclusive)
    found = verdict(run([*base(oak_request), claim("final_plan", "school_closure")], conventions=conventions))
    assert found["accepted"] is accepted


@pytest.mark.parametrize(
    ("reopens", "accepted"),
    [("2025-08-20", True), ("2025-08-19", False)],  # 23 Jul + 28 days = 20 Aug; 27 days = 19 Aug
)
def test_closure_length(reopens: str, accepted: bool) -> None:
    closure = {"school": "Oak", "first_closed": "2025-07-23", "reopens": reopens}
    # window [16 Jul, 12 or 13 Aug]: the 21 Jul request is inside either way
    found = verdict(run([*base(), claim("final_plan", "school_closure")], closures=[closure]))
    assert found["accepted"] is accepted
    if not accepted:
        assert any(w in found["reason"].lower() for w in ("28", "4 weeks", "four weeks", "27"))


def test_no_closure_recorded_for_the_school() -> None:
    elm = {"school": "Elm", "first_closed": "2025-07-23", "reopens": "2025-09-03"}
    found = verdict(run([*base(), claim("final_plan", "school_closure")], closures=[elm]))
    assert found["accepted"] is False
    assert "oak" in found["reason"].lower() or "closure" in found["reason"].lower()


def test_no_advice_asked_of_that_school() -> None:
    found = verdict(run([*base(oak_school="Elm"), claim("final_plan", "school_closure")]))
    assert found["accepted"] is False


def test_request_after_the_due_date() -> None:
    # asked of Oak on Mon 4 Aug: inside the window, but after decision_to_assess fell due (28 Jul)
    events = [*base("2025-08-04"), claim("decision_to_assess", "school_closure")]
    assert verdict(run(events))["accepted"] is False
    events = [*base("2025-08-04"), claim("final_plan", "school_closure")]
    assert verdict(run(events))["accepted"] is True  # final_plan is not due until 3 Nov


# --- absence (R10) ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "accepted"),
    [
        ("2025-07-22", "2025-08-19", True),  # 28 days
        ("2025-07-22", "2025-08-18", False),  # 27 days
        ("2025-11-10", "2025-12-20", False),  # 40 days, but after final_plan fell due (3 Nov)
        ("2025-04-01", "2025-06-10", False),  # 70 days, but over before the clock started (16 Jun)
        ("2025-05-20", "2025-06-20", True),  # 31 days, overlapping the start of the period
    ],
)
def test_absence(start: str, end: str, accepted: bool) -> None:
    found = verdict(
        run([*base(), claim("final_plan", "absence", "2025-12-21", start=start, end=end)], as_of="2025-12-22")
    )
    assert found["accepted"] is accepted


@pytest.mark.parametrize(
    ("as_of", "accepted", "status"),
    [("2025-11-07", True, "excepted"), ("2025-11-06", False, "overdue")],  # 10 Oct + 28 days = 7 Nov
)
def test_ongoing_absence_judged_to_as_of(as_of: str, accepted: bool, status: str) -> None:
    events = [
        *base(),
        ev("exception", "2025-10-20", deadline="final_plan", kind="absence", start="2025-10-10"),
    ]
    result = run(events, as_of=as_of)
    assert verdict(result)["accepted"] is accepted
    assert one(result, "final_plan")["status"] == status  # due 3 Nov, as_of after it


# --- missed appointment (reg 8(2)(c)) --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("appointment", "accepted"),
    [("2025-08-05", True), ("2025-09-10", False)],  # advice period 21 Jul - 1 Sep
)
def test_missed_appointment_on_advice(appointment: str, accepted: bool) -> None:
    events = [*base(), claim("advice", "missed_appointment", "2025-09-15", start=appointment)]
    result = run(events)
    assert verdict(result)["accepted"] is accepted
    assert one(result, "advice")["status"] == ("excepted" if accepted else "overdue")


def test_advice_exception_attaches_to_its_id_only() -> None:
    events = [
        *base(),
        ev("advice_requested", "2025-07-21", id="ep", advice="psychological"),
        claim("advice", "absence"),
    ]
    by_id = {d["id"]: d for d in deadlines(run(events), "advice")}
    assert by_id["oak-ed"]["status"] == "excepted"
    assert by_id["ep"]["status"] == "overdue"
    assert by_id["ep"].get("exception") is None


# --- tribunal deadlines: 2 weeks' absence ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("end", "accepted"),
    [("2025-07-06", True), ("2025-07-05", False)],  # from 22 Jun: 14 days and 13 days
)
def test_tribunal_absence_of_two_weeks(end: str, accepted: bool) -> None:
    events = [*base(), claim("tribunal_final", "absence", start="2025-06-22", end=end)]
    assert verdict(run(events))["accepted"] is accepted


def test_fourteen_day_absence_not_enough_for_final_plan() -> None:
    events = [*base(), claim("final_plan", "absence", start="2025-06-22", end="2025-07-06")]
    assert verdict(run(events))["accepted"] is False


# --- review_due accepts nothing; status rules ------------------------------------------------------------


@pytest.mark.parametrize("kind", ["personal_circumstances", "absence"])
def test_review_due_accepts_no_exception(kind: str) -> None:
    events = [
        ev("final_issued", "2025-01-15"),  # review due 2026-01-14
        ev("exception", "2025-12-01", deadline="review_due", kind=kind, start="2025-11-01", end="2025-12-31"),
    ]
    result = run(events, as_of="2026-02-01", closures=[])
    assert verdict(result)["accepted"] is False
    assert one(result, "review_due")["status"] == "overdue"


def test_claim_against_a_dropped_deadline_is_refused() -> None:
    events = [*base(), ev("decision_to_issue", "2025-08-01", outcome="issue")]
    found = verdict(run([*events, claim("decision_not_to_issue", "absence")]))
    assert found["accepted"] is False


def test_met_on_time_stays_met_despite_accepted_exception() -> None:
    events = [*base(), claim("final_plan", "absence"), ev("final_issued", "2025-10-30")]
    result = run(events)
    assert verdict(result)["accepted"] is True
    d = one(result, "final_plan")
    assert (d["status"], d["met_on"]) == ("met", "2025-10-30")


def test_met_late_with_accepted_exception_is_excepted() -> None:
    events = [*base(), claim("final_plan", "absence"), ev("final_issued", "2025-11-20")]
    d = one(run(events), "final_plan")
    assert (d["status"], d["met_on"]) == ("excepted", "2025-11-20")


def test_first_accepted_claim_wins_else_last_refused() -> None:
    short = claim("final_plan", "absence", "2025-08-20", start="2025-07-01", end="2025-07-10")  # 9 days
    shorter = claim("final_plan", "absence", "2025-08-21", start="2025-07-01", end="2025-07-05")
    good = claim("final_plan", "absence")
    result = run([*base(), short, good, shorter])
    assert one(result, "final_plan")["exception"]["start"] == "2025-07-22"
    assert sorted(e["accepted"] for e in result["exceptions"]) == [False, False, True]
    result = run([*base(), short, shorter])
    assert one(result, "final_plan")["exception"]["end"] == "2025-07-05"
    assert one(result, "final_plan")["status"] == "overdue"
