"""The 20-week pathway of compute_timeline (docs/statute.md §1.2, docs/statute-engine.md), and bad input.

Every expected date is worked out by hand from docs/statute.md and the England and Wales bank holidays
(2025: 1 Jan, 18 Apr Good Friday, 21 Apr Easter Monday, 5 May, 26 May, 25 Aug, 25-26 Dec).
"""

from __future__ import annotations

from typing import Any

import pytest

from statute.conventions import Conventions
from statute.errors import InvalidHistory
from statute.history import parse_history

from .cases import deadlines, ev, one, run

REQUEST = ev("request_received", "2025-01-06", source="parent")  # Monday 6 January 2025


# --- the docs/statute.md example: received 2025-01-06 ---------------------------------------------------


@pytest.mark.parametrize(
    ("name", "due", "practical"),
    [
        ("decision_to_assess", "2025-02-17", "2025-02-17"),  # 6 Jan + 42 days, a Monday
        ("draft_target", "2025-04-14", "2025-04-14"),  # + 98 days
        ("decision_not_to_issue", "2025-04-28", "2025-04-28"),  # + 112 days
        ("final_plan", "2025-05-26", "2025-05-23"),  # + 140 days = late May bank holiday -> Fri 23 May
    ],
)
def test_statute_example_due_dates(name: str, due: str, practical: str) -> None:
    d = one(run([REQUEST], "2025-01-07"), name)
    assert (d["due"], d["practical_due"], d["status"], d["met_on"]) == (due, practical, "open", None)
    assert d["from"] == {"event": "request_received", "date": "2025-01-06"}


def test_contract_shape() -> None:
    result = run([REQUEST], "2025-06-01")
    assert set(result) == {"as_of", "deadlines", "exceptions", "required_advice"}
    assert result["as_of"] == "2025-06-01"
    assert result["exceptions"] == []
    d = one(result, "decision_to_assess")
    assert {"deadline", "id", "due", "practical_due", "rule", "statutory", "status", "met_on", "from"} <= set(
        d
    )
    assert d["id"] is None
    assert d.get("exception") is None
    assert "5(1)" in d["rule"]


@pytest.mark.parametrize(
    ("name", "statutory"),
    [
        ("decision_to_assess", True),
        ("decision_not_to_issue", True),
        ("final_plan", True),
        ("draft_target", False),
    ],
)
def test_statutory_flag(name: str, statutory: bool) -> None:
    assert one(run([REQUEST], "2025-01-07"), name)["statutory"] is statutory


@pytest.mark.parametrize(
    ("as_of", "status"),
    [("2025-02-16", "open"), ("2025-02-17", "open"), ("2025-02-18", "overdue")],  # due 2025-02-17
)
def test_open_until_due_then_overdue(as_of: str, status: str) -> None:
    assert one(run([REQUEST], as_of), "decision_to_assess")["status"] == status


def test_nothing_done_by_june_everything_overdue() -> None:
    result = run([REQUEST], "2025-06-01")
    for name in ("decision_to_assess", "draft_target", "final_plan"):
        assert one(result, name)["status"] == "overdue", name
        assert one(result, name)["met_on"] is None
    # reg 10(1) binds only a decision not to issue: with none made, its limit has passed, not been broken
    assert (
        one(result, "decision_not_to_issue")["status"],
        one(result, "decision_not_to_issue")["met_on"],
    ) == (
        "closed",
        None,
    )


ON_TIME = [
    REQUEST,
    ev("decision_to_assess", "2025-02-17", outcome="assess"),  # on the due day itself
    ev("decision_to_issue", "2025-04-01", outcome="issue"),
    ev("draft_served", "2025-04-07", method="email"),
    ev("final_issued", "2025-05-20"),
]


def test_on_time_pathway() -> None:
    result = run(ON_TIME, "2025-06-01")
    assert (one(result, "decision_to_assess")["status"], one(result, "decision_to_assess")["met_on"]) == (
        "met",
        "2025-02-17",
    )
    assert (one(result, "draft_target")["status"], one(result, "draft_target")["met_on"]) == (
        "met",
        "2025-04-07",
    )
    assert (one(result, "final_plan")["status"], one(result, "final_plan")["met_on"]) == ("met", "2025-05-20")
    assert deadlines(result, "decision_not_to_issue") == []  # dropped: decided to issue


def test_final_plan_late_is_met_late() -> None:
    events = [*ON_TIME[:-1], ev("final_issued", "2025-06-10")]
    d = one(run(events, "2025-07-01"), "final_plan")
    assert (d["status"], d["met_on"]) == ("met_late", "2025-06-10")


def test_refused_to_assess_drops_later_deadlines() -> None:
    result = run([REQUEST, ev("decision_to_assess", "2025-02-10", outcome="refuse")], "2025-06-01")
    assert (one(result, "decision_to_assess")["status"], one(result, "decision_to_assess")["met_on"]) == (
        "met",
        "2025-02-10",
    )
    for name in ("decision_not_to_issue", "draft_target", "final_plan"):
        assert deadlines(result, name) == [], name


@pytest.mark.parametrize(
    ("decided", "status"),
    [("2025-04-20", "met"), ("2025-04-28", "met"), ("2025-05-01", "met_late")],  # due 6 Jan + 16w = 28 Apr
)
def test_decision_not_to_issue(decided: str, status: str) -> None:
    events = [
        REQUEST,
        ev("decision_to_assess", "2025-02-10", outcome="assess"),
        ev("decision_to_issue", decided, outcome="not_issue"),
    ]
    result = run(events, "2025-06-01")
    d = one(result, "decision_not_to_issue")
    assert (d["due"], d["status"], d["met_on"]) == ("2025-04-28", status, decided)
    assert deadlines(result, "final_plan") == []
    assert deadlines(result, "draft_target") == []


def test_decision_before_the_request_does_not_meet_it() -> None:
    events = [ev("decision_to_assess", "2025-01-02", outcome="assess"), REQUEST]
    d = one(run(events, "2025-03-01"), "decision_to_assess")
    assert (d["status"], d["met_on"]) == ("overdue", None)


def test_brought_to_attention_starts_the_clock() -> None:
    events = [ev("brought_to_attention", "2025-03-03"), ev("request_received", "2025-03-10")]
    result = run(events, "2025-03-04")
    dta = one(result, "decision_to_assess")
    assert dta["due"] == "2025-04-14"  # 3 Mar + 42 days; the first start counts, not the 10 Mar request
    assert dta["from"] == {"event": "brought_to_attention", "date": "2025-03-03"}
    assert one(result, "final_plan")["due"] == "2025-07-21"  # 3 Mar + 140 days


# --- advice (reg 8(1)) ----------------------------------------------------------------------------------


def test_issue_example_advice_due_on_easter_monday() -> None:
    events = [
        REQUEST,
        ev("advice_requested", "2025-03-10", id="health", advice="medical", received_by_body="2025-03-10"),
    ]
    d = one(run(events, "2025-03-11"), "advice")
    # 10 Mar + 42 days = Mon 21 Apr (Easter Monday); Fri 18 Apr is Good Friday -> Thu 17 Apr
    assert (d["id"], d["due"], d["practical_due"], d["status"]) == (
        "health",
        "2025-04-21",
        "2025-04-17",
        "open",
    )
    assert d["rule"] == "reg 8(1)"
    assert d["statutory"] is True
    assert d["from"] == {"event": "advice_requested", "date": "2025-03-10"}


def test_advice_clock_runs_from_received_by_body() -> None:
    events = [
        REQUEST,
        ev("advice_requested", "2025-03-05", id="ep", advice="psychological", received_by_body="2025-03-12"),
    ]
    d = one(run(events, "2025-03-13"), "advice")
    assert d["due"] == "2025-04-23"  # 12 Mar + 42 days
    # `from` names the event and the day its clock started: reg 8(1) runs from the body's receipt
    assert d["from"] == {"event": "advice_requested", "date": "2025-03-12"}


def test_advice_received_by_body_defaults_to_date() -> None:
    events = [REQUEST, ev("advice_requested", "2025-02-10", id="ep", advice="psychological")]
    assert one(run(events, "2025-02-11"), "advice")["due"] == "2025-03-24"  # 10 Feb + 42 days


def test_advice_met_per_id() -> None:
    events = [
        REQUEST,
        ev("advice_requested", "2025-02-10", id="ep", advice="psychological"),
        ev("advice_requested", "2025-02-10", id="sc", advice="social_care"),
        ev("advice_received", "2025-03-20", id="ep"),
    ]
    by_id = {d["id"]: d for d in deadlines(run(events, "2025-04-01"), "advice")}
    assert (by_id["ep"]["status"], by_id["ep"]["met_on"]) == ("met", "2025-03-20")
    assert (by_id["sc"]["status"], by_id["sc"]["met_on"]) == ("overdue", None)  # due 24 Mar


def test_advice_received_late() -> None:
    events = [
        REQUEST,
        ev("advice_requested", "2025-02-10", id="ep", advice="psychological"),
        ev("advice_received", "2025-04-02", id="ep"),
    ]
    d = one(run(events, "2025-04-10"), "advice")
    assert (d["status"], d["met_on"]) == ("met_late", "2025-04-02")


def test_deadlines_ordered_by_due_then_name() -> None:
    events = [*ON_TIME, ev("advice_requested", "2025-01-06", id="ep", advice="psychological")]
    rows = [(d["due"], d["deadline"]) for d in run(events, "2025-06-01")["deadlines"]]
    assert rows == sorted(rows)
    assert ("2025-02-17", "advice") in rows  # 6 Jan + 42 days, same day as decision_to_assess
    assert rows.index(("2025-02-17", "advice")) < rows.index(("2025-02-17", "decision_to_assess"))


# --- representations (reg 13(1)(a)) and school consultation ---------------------------------------------


@pytest.mark.parametrize(
    ("served", "method", "due"),
    [
        ("2025-04-07", "email", "2025-04-21"),  # served + 14 (15 days beginning with the day of service)
        ("2025-04-17", "email", "2025-05-01"),
        ("2025-04-17", "hand", "2025-05-01"),
        ("2025-04-17", "portal", "2025-05-01"),
        # posted Thu 17 Apr: Fri 18 and Mon 21 are bank holidays -> Tue 22 (1), Wed 23 (2) = served; + 14
        ("2025-04-17", "post", "2025-05-07"),
        ("2025-04-07", "post", "2025-04-23"),  # posted Mon 7 Apr -> served Wed 9 Apr; + 14
    ],
)
def test_representations_end(served: str, method: str, due: str) -> None:
    d = one(run([REQUEST, ev("draft_served", served, method=method)], served), "representations_end")
    assert (d["due"], d["status"], d["met_on"]) == (due, "open", None)
    assert d["from"]["event"] == "draft_served"


def test_representations_end_practical_due_over_easter() -> None:
    d = one(
        run([REQUEST, ev("draft_served", "2025-04-07", method="email")], "2025-04-08"), "representations_end"
    )
    assert (d["due"], d["practical_due"]) == ("2025-04-21", "2025-04-17")


def test_post_service_working_days_convention() -> None:
    events = [REQUEST, ev("draft_served", "2025-04-17", method="post")]
    d = one(run(events, "2025-04-18", Conventions(post_service_working_days=1)), "representations_end")
    assert d["due"] == "2025-05-06"  # one working day after Thu 17 Apr is Tue 22 Apr; + 14


def test_default_service_method_convention() -> None:
    events = [REQUEST, ev("draft_served", "2025-04-07")]
    assert one(run(events, "2025-04-08"), "representations_end")["due"] == "2025-04-21"  # email by default
    posted = run(events, "2025-04-08", Conventions(default_service_method="post"))
    assert one(posted, "representations_end")["due"] == "2025-04-23"  # served Wed 9 Apr


@pytest.mark.parametrize(("as_of", "status"), [("2025-04-21", "open"), ("2025-04-22", "closed")])
def test_representations_end_is_a_window_never_overdue(as_of: str, status: str) -> None:
    d = one(run([REQUEST, ev("draft_served", "2025-04-07", method="email")], as_of), "representations_end")
    assert d["status"] == status


def test_school_response() -> None:
    events = [
        REQUEST,
        ev("school_consulted", "2025-04-10", school="Oak"),
        ev("school_consulted", "2025-04-10", school="Elm"),
        ev("school_responded", "2025-04-22", school="Oak"),
    ]
    by_id = {d["id"]: d for d in deadlines(run(events, "2025-05-01"), "school_response")}
    assert by_id["Oak"]["due"] == "2025-04-25"  # 10 Apr + 15 days
    assert (by_id["Oak"]["status"], by_id["Oak"]["met_on"]) == ("met", "2025-04-22")
    assert (by_id["Elm"]["status"], by_id["Elm"]["met_on"]) == ("overdue", None)
    assert by_id["Oak"]["statutory"] is False  # CoP guidance: "the 15 days is not" statutory


# --- week_counting = event_day_is_day_1 ------------------------------------------------------------------

DAY_1 = Conventions(week_counting="event_day_is_day_1")


@pytest.mark.parametrize(
    ("name", "due", "practical"),
    [
        ("decision_to_assess", "2025-02-16", "2025-02-14"),  # one day earlier: Sunday -> Friday
        ("draft_target", "2025-04-13", "2025-04-11"),
        ("decision_not_to_issue", "2025-04-27", "2025-04-25"),
        ("final_plan", "2025-05-25", "2025-05-23"),
    ],
)
def test_event_day_is_day_1(name: str, due: str, practical: str) -> None:
    d = one(run([REQUEST], "2025-01-07", DAY_1), name)
    assert (d["due"], d["practical_due"]) == (due, practical)


def test_event_day_is_day_1_advice() -> None:
    events = [REQUEST, ev("advice_requested", "2025-03-10", id="health", advice="medical")]
    d = one(run(events, "2025-03-11", DAY_1), "advice")
    assert (d["due"], d["practical_due"]) == ("2025-04-20", "2025-04-17")  # Easter Sunday -> Thu 17 Apr


# --- bad input --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("second", "path"),
    [
        (ev("request_sent", "2025-01-07"), "events[1].event"),
        (ev("decision_to_assess", "2025-01-07", outcome="assess", colour="red"), "events[1].colour"),
        (ev("draft_served", "2025-02-30"), "events[1].date"),
        ({"event": "final_issued"}, "events[1].date"),
        (ev("decision_to_assess", "2025-01-07", outcome="maybe"), "events[1].outcome"),
        (ev("advice_received", "2025-01-07", id="nobody"), "events[1].id"),
    ],
)
def test_bad_input_names_the_field(second: dict[str, Any], path: str) -> None:
    with pytest.raises(InvalidHistory) as caught:
        parse_history({"events": [REQUEST, second]})
    assert caught.value.path == path
    assert caught.value.problem


def test_duplicate_advice_id() -> None:
    events = [
        REQUEST,
        ev("advice_requested", "2025-01-07", id="ep", advice="psychological"),
        ev("advice_requested", "2025-01-08", id="ep", advice="psychological"),
    ]
    with pytest.raises(InvalidHistory) as caught:
        parse_history({"events": events})
    assert caught.value.path == "events[2].id"


def test_advice_still_awaited_at_the_decision_to_issue_is_withdrawn_not_overdue() -> None:
    events = [
        REQUEST,
        ev("decision_to_assess", "2025-02-10", outcome="assess"),
        ev("advice_requested", "2025-02-10", id="ep", advice="psychological"),
        ev("advice_requested", "2025-02-10", id="sc", advice="social_care"),
        ev("advice_received", "2025-03-20", id="ep"),
        ev("decision_to_issue", "2025-04-01", outcome="issue"),
    ]
    by_id = {d["id"]: d for d in deadlines(run(events, "2026-06-01"), "advice")}
    assert (by_id["ep"]["status"], by_id["ep"]["met_on"]) == ("met", "2025-03-20")
    assert (by_id["sc"]["status"], by_id["sc"]["met_on"]) == ("withdrawn", None)
    # before the decision, the same advice was overdue (due 24 Mar)
    before = {d["id"]: d for d in deadlines(run(events[:-1], "2025-03-31"), "advice")}
    assert before["sc"]["status"] == "overdue"


def test_a_withdrawn_request_owes_nothing_more() -> None:
    events = [
        REQUEST,
        ev("decision_to_assess", "2025-02-10", outcome="assess"),
        ev("advice_requested", "2025-02-10", id="ep", advice="psychological"),
        ev("request_withdrawn", "2025-03-03"),
    ]
    result = run(events, "2026-01-01")
    assert one(result, "decision_to_assess")["status"] == "met"
    for name in ("decision_not_to_issue", "draft_target", "final_plan", "advice"):
        assert one(result, name)["status"] == "withdrawn", name
    # the day before it was withdrawn, the request was running as usual
    assert one(run(events[:-1], "2025-03-02"), "final_plan")["status"] == "open"


def test_a_decision_to_issue_after_sixteen_weeks_leaves_no_breach() -> None:
    events = [
        REQUEST,
        ev("decision_to_assess", "2025-02-10", outcome="assess"),
        ev("decision_to_issue", "2025-05-01", outcome="issue"),
    ]
    assert deadlines(run(events, "2025-06-01"), "decision_not_to_issue") == []
    assert one(run(events[:-1], "2025-04-30"), "decision_not_to_issue")["status"] == "closed"


def test_a_withdrawal_recorded_for_tomorrow_owes_nothing_today() -> None:
    """A step may be dated tomorrow; the case closes when it is recorded, and nothing stays owed on it
    (the read model keeps the answer of the day the case closed)."""
    events = [REQUEST, ev("request_withdrawn", "2025-03-04")]
    assert one(run(events, "2025-03-03"), "final_plan")["status"] == "withdrawn"


def test_a_schools_answer_is_owed_only_until_the_plan_is_issued() -> None:
    events = [
        REQUEST,
        ev("school_consulted", "2025-05-01", school="Elm"),
        ev("final_issued", "2025-05-06"),
    ]
    d = one(run(events, "2025-06-01"), "school_response")
    assert (d["status"], d["met_on"]) == ("withdrawn", None)


def test_representations_on_a_draft_close_when_the_request_is_withdrawn() -> None:
    events = [
        REQUEST,
        ev("draft_served", "2025-05-01", method="email"),
        ev("request_withdrawn", "2025-05-02"),
    ]
    assert one(run(events, "2025-05-03"), "representations_end")["status"] == "closed"
