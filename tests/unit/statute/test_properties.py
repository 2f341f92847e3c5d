"""Properties every timeline keeps, whatever the case (issue 2, deliverable 4)."""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from statute.history import parse_history
from statute.timeline import compute_timeline, default_calendar

from .strategies import DAYS, SATISFYING_ONLY, event, history

CALENDAR = default_calendar()


def timeline(data: dict[str, Any], as_of: date) -> dict[str, Any]:
    return compute_timeline(parse_history(data), as_of=as_of).as_dict()


def clocks(result: dict[str, Any]) -> list[tuple[str, str | None, str, str, str]]:
    """Each deadline's identity and due date: what must not move."""
    return sorted(
        (d["deadline"], d["id"], d["from"]["event"], d["from"]["date"], d["due"]) for d in result["deadlines"]
    )


@given(history(), DAYS)
def test_practical_due_is_the_last_working_day_on_or_before_due(data: dict[str, Any], as_of: date) -> None:
    for d in timeline(data, as_of)["deadlines"]:
        due, practical = date.fromisoformat(d["due"]), date.fromisoformat(d["practical_due"])
        assert practical <= due
        assert CALENDAR.is_working_day(practical)
        day = practical + timedelta(days=1)
        while day <= due:
            assert not CALENDAR.is_working_day(day), (d, day)
            day += timedelta(days=1)


@given(history(), DAYS)
def test_an_appeal_deadline_never_falls_on_a_non_working_day_christmas_week_or_august(
    data: dict[str, Any], as_of: date
) -> None:
    for d in timeline(data, as_of)["deadlines"]:
        if d["deadline"] != "appeal":
            continue
        due = date.fromisoformat(d["due"])
        assert CALENDAR.is_working_day(due), d
        assert due.month != 8, d
        assert not (due.month == 12 and due.day >= 25), d
        assert not (due.month == 1 and due.day == 1), d


@given(history(), event(SATISFYING_ONLY), DAYS)
def test_adding_an_unrelated_event_never_moves_a_deadline(
    data: dict[str, Any], extra: dict[str, Any], as_of: date
) -> None:
    if extra["event"] == "advice_received":
        requested = [e["id"] for e in data["events"] if e["event"] == "advice_requested"]
        if not requested:
            return
        extra["id"] = requested[0]
    before = clocks(timeline(data, as_of))
    after = clocks(timeline({**data, "events": [*data["events"], extra]}, as_of))
    assert after == before


@given(history(), DAYS)
def test_status_agrees_with_dates(data: dict[str, Any], as_of: date) -> None:
    result = timeline(data, as_of)
    windows = {"representations_end", "appeal"}
    for d in result["deadlines"]:
        due = d["due"]
        met_in_time = d["met_on"] is not None and d["met_on"] <= due
        if d["status"] == "met":
            assert met_in_time, d
        elif d["status"] == "excepted":
            assert d["exception"]["accepted"], d
            assert not met_in_time, d
            assert d["deadline"] not in windows, d
        elif d["status"] == "overdue":
            assert as_of.isoformat() > due, d
            assert d["met_on"] is None, d
            assert d["deadline"] not in windows, d
        elif d["status"] == "met_late":
            assert d["met_on"] is not None, d
            assert d["met_on"] > due, d
            assert d["deadline"] not in windows, d
        elif d["status"] == "withdrawn":
            assert d["met_on"] is None, d
            assert d["deadline"] not in windows, d
        elif d["status"] == "closed":  # a family's window, or reg 10(1)'s limit passed with no decision
            assert d["deadline"] in windows or (
                d["deadline"] == "decision_not_to_issue" and not d["met_on"]
            ), d
            ended_early = any(e["event"] == "request_withdrawn" for e in data["events"])  # a window only
            assert as_of.isoformat() > due or (ended_early and d["deadline"] in windows), d
        else:
            assert d["status"] == "open", d
            assert as_of.isoformat() <= due, d
    accepted = sum(e["accepted"] for e in result["exceptions"])
    assert sum(d["status"] == "excepted" for d in result["deadlines"]) <= accepted
    assert all(e["reason"] for e in result["exceptions"])


@given(history(), DAYS, st.randoms(use_true_random=False))
def test_how_days_are_interleaved_does_not_matter(
    data: dict[str, Any], as_of: date, shuffle: random.Random
) -> None:
    # Events carry a date, not a time: events of one day count in the order listed, so a shuffle keeps
    # each day's events in their order and mixes the days.
    events = list(data["events"])
    slots = list(range(len(events)))
    shuffle.shuffle(slots)
    by_day: dict[str, list[dict[str, Any]]] = {}
    for item in events:
        by_day.setdefault(item["date"], []).append(item)
    reordered: list[dict[str, Any]] = [{}] * len(events)
    days = [events[i]["date"] for i in slots]
    for position, day in enumerate(days):
        reordered[position] = by_day[day].pop(0)
    assert clocks(timeline({**data, "events": reordered}, as_of)) == clocks(timeline(data, as_of))
