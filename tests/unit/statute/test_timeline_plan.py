"""Plan-stage deadlines: annual reviews, amendments, phase transfers, reassessment, transfers between LAs.

Bank holidays used (England and Wales): 2025: 18 Apr, 21 Apr, 5 May, 26 May, 25 Aug, 25-26 Dec;
2026: 1 Jan, 3 Apr Good Friday, 6 Apr Easter Monday, 4 May, 25 May, 31 Aug.
"""

from __future__ import annotations

from typing import Any

import pytest

from statute.conventions import Conventions

from .cases import deadlines, ev, one, run, summary

# --- annual review cycles (CFA s.44(1)) ------------------------------------------------------------------

MADE = ev("final_issued", "2025-05-26")


def test_first_review_due() -> None:
    d = one(run([MADE], "2025-06-01"), "review_due")
    # 26 May 2025 + 12 months - 1 day = Mon 25 May 2026, the late May bank holiday -> Fri 22 May
    assert (d["due"], d["practical_due"], d["status"], d["met_on"]) == (
        "2026-05-25",
        "2026-05-22",
        "open",
        None,
    )
    assert d["from"] == {"event": "final_issued", "date": "2025-05-26"}
    assert d["statutory"] is True


def test_review_starts_next_cycle() -> None:
    result = run([MADE, ev("plan_reviewed", "2026-05-01", outcome="keep")], "2026-06-01")
    first, second = deadlines(result, "review_due")
    assert summary(first) == ("2026-05-25", "met", "2026-05-01")
    assert summary(second) == ("2027-04-30", "open", None)  # 1 May 2026 + 12 months - 1 day
    assert second["from"] == {"event": "plan_reviewed", "date": "2026-05-01"}


def test_late_review() -> None:
    result = run([MADE, ev("plan_reviewed", "2026-06-10", outcome="keep")], "2026-07-01")
    first, second = deadlines(result, "review_due")
    assert summary(first) == ("2026-05-25", "met_late", "2026-06-10")
    assert summary(second) == ("2027-06-09", "open", None)


def test_review_never_held_is_overdue() -> None:
    assert summary(one(run([MADE], "2026-05-26"), "review_due")) == ("2026-05-25", "overdue", None)


def test_plan_ceased_stops_review_cycles() -> None:
    assert deadlines(run([MADE, ev("plan_ceased", "2026-03-01")], "2026-07-01"), "review_due") == []
    events = [MADE, ev("plan_reviewed", "2026-05-01", outcome="keep"), ev("plan_ceased", "2026-09-01")]
    (only,) = deadlines(run(events, "2027-06-01"), "review_due")
    assert summary(only) == ("2026-05-25", "met", "2026-05-01")


# --- the review meeting (reg 20) and Devon [2022] --------------------------------------------------------

MEETING = ev("review_meeting", "2026-04-20")  # Monday 20 April 2026


def test_review_meeting_deadlines() -> None:
    result = run([MADE, MEETING], "2026-04-21")
    inv, rep, dec = (one(result, n) for n in ("review_invitations", "review_report", "review_decision"))
    # 20 Apr - 14 = Mon 6 Apr 2026 (Easter Monday; Fri 3 Apr Good Friday) -> Thu 2 Apr
    assert (inv["due"], inv["practical_due"], inv["status"]) == ("2026-04-06", "2026-04-02", "overdue")
    # 20 Apr + 14 = Mon 4 May 2026, early May bank holiday -> Fri 1 May
    assert (rep["due"], rep["practical_due"], rep["status"]) == ("2026-05-04", "2026-05-01", "open")
    assert (dec["due"], dec["practical_due"], dec["status"]) == ("2026-05-18", "2026-05-18", "open")  # + 28
    assert dec["from"] == {"event": "review_meeting", "date": "2026-04-20"}


def test_review_meeting_all_on_time() -> None:
    events = [
        MADE,
        ev("review_invitations_sent", "2026-04-01"),
        MEETING,
        ev("review_report_sent", "2026-04-30"),
        ev("plan_reviewed", "2026-05-11", outcome="keep"),
    ]
    result = run(events, "2026-06-01")
    assert summary(one(result, "review_invitations")) == ("2026-04-06", "met", "2026-04-01")
    assert summary(one(result, "review_report")) == ("2026-05-04", "met", "2026-04-30")
    assert summary(one(result, "review_decision")) == ("2026-05-18", "met", "2026-05-11")


def test_invitations_sent_late_but_before_meeting() -> None:
    events = [MADE, ev("review_invitations_sent", "2026-04-10"), MEETING]
    assert summary(one(run(events, "2026-04-21"), "review_invitations")) == (
        "2026-04-06",
        "met_late",
        "2026-04-10",
    )


@pytest.mark.parametrize(
    ("notice", "status", "met_on"),
    [
        ("2026-05-15", "met", "2026-05-15"),  # both by 18 May: met on the later of the two
        ("2026-05-25", "met_late", "2026-05-25"),  # notice after the 4 weeks: late, on the later date
        (None, "overdue", None),  # "amend" without the proposed amendments does not meet it
    ],
)
def test_review_decision_amend_needs_amendment_notice(
    notice: str | None, status: str, met_on: str | None
) -> None:
    events = [MADE, MEETING, ev("plan_reviewed", "2026-05-11", outcome="amend")]
    if notice:
        events.append(ev("amendment_notice_sent", notice, method="email"))
    assert summary(one(run(events, "2026-06-01"), "review_decision")) == ("2026-05-18", status, met_on)


@pytest.mark.parametrize(
    ("method", "representations_end"),
    [
        ("email", "2026-05-29"),  # Fri 15 May + 14
        ("post", "2026-06-02"),  # posted Fri 15 May -> Mon 18 (1), Tue 19 (2) served; + 14
    ],
)
def test_amendment_notice(method: str, representations_end: str) -> None:
    events = [MADE, ev("amendment_notice_sent", "2026-05-15", method=method)]
    result = run(events, "2026-05-16")
    reps = one(result, "representations_end")
    assert (reps["due"], reps["status"]) == (representations_end, "open")
    assert reps["from"]["event"] == "amendment_notice_sent"
    assert summary(one(result, "amended_plan")) == ("2026-07-10", "open", None)  # 15 May + 56 days


@pytest.mark.parametrize(
    ("issued", "as_of", "status"),
    [
        ("2026-07-01", "2026-08-01", "met"),
        ("2026-07-13", "2026-08-01", "met_late"),
        (None, "2026-07-11", "overdue"),
    ],
)
def test_amended_plan(issued: str | None, as_of: str, status: str) -> None:
    events = [MADE, ev("amendment_notice_sent", "2026-05-15", method="email")]
    if issued:
        events.append(ev("amended_plan_issued", issued))
    assert summary(one(run(events, as_of), "amended_plan")) == ("2026-07-10", status, issued)


@pytest.mark.parametrize(("decided", "status"), [("2026-06-20", "met"), ("2026-07-13", "met_late")])
def test_a_decision_not_to_amend_settles_the_eight_weeks(decided: str, status: str) -> None:
    """Reg 22(4): not amending after all, told within the same 8 weeks (the reading statute.md records)."""
    events = [MADE, ev("amendment_notice_sent", "2026-05-15"), ev("decided_not_to_amend", decided)]
    assert summary(one(run(events, "2026-08-01"), "amended_plan")) == ("2026-07-10", status, decided)


def test_a_waived_review_step_is_owed_no_longer() -> None:
    """A manager waived the report of a meeting as not needed: withdrawn from the day of the waiver, so
    the cycle can close; the invitations of the same meeting are still owed."""
    meeting = ev("review_meeting", "2026-04-01")
    waived = ev("review_step_waived", "2026-05-01", deadline="review_report", start="2026-04-01")
    result = run([MADE, meeting, waived], "2026-06-01")
    assert one(result, "review_report")["status"] == "withdrawn"
    assert one(result, "review_invitations")["status"] == "overdue"
    other = ev("review_step_waived", "2026-05-01", deadline="review_report", start="2026-03-01")
    assert one(run([MADE, meeting, other], "2026-06-01"), "review_report")["status"] == "overdue"


# --- phase transfer (reg 18) ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("settled", "status"),
    [(None, "overdue"), ("2026-08-14", "met"), ("2026-08-20", "met_late"), ("2025-12-31", "overdue")],
)
def test_a_post16_move_at_another_time_is_reviewed_five_months_before(
    settled: str | None, status: str
) -> None:
    """Reg 18: between post-16 institutions at a time other than September, at least 5 months before the
    move (15 January 2027 -> 15 August 2026), by a review or an amended plan in the 12 months before it."""
    transfer = ev("phase_transfer", "2026-06-01", kind="post16_move", year=2027, move="2027-01-15")
    events = [MADE, transfer] + ([ev("amended_plan_issued", settled)] if settled else [])
    d = one(run(events, "2026-09-01"), "phase_transfer_review")
    assert (d["due"], d["status"], d["id"]) == ("2026-08-15", status, "2027-01-15")


@pytest.mark.parametrize(
    ("kind", "reading", "due", "practical"),
    [
        ("school", "strict", "2026-02-14", "2026-02-13"),  # "before 15 February": Sat 14 Feb -> Fri 13
        ("school", "inclusive", "2026-02-15", "2026-02-13"),  # Sun 15 Feb -> Fri 13
        ("post16", "strict", "2026-03-30", "2026-03-30"),  # "before 31 March": Mon 30 Mar
        ("post16", "inclusive", "2026-03-31", "2026-03-31"),
    ],
)
def test_phase_transfer_due(kind: str, reading: str, due: str, practical: str) -> None:
    events = [MADE, ev("phase_transfer", "2025-06-01", kind=kind, year=2026)]
    result = run(events, "2025-07-01", Conventions(phase_transfer_reading=reading))  # type: ignore[arg-type]
    d = one(result, "phase_transfer_review")
    assert (d["due"], d["practical_due"], d["status"]) == (due, practical, "open")
    assert str(d["id"]) == "2026"


@pytest.mark.parametrize(
    ("event", "status", "met_on"),
    [
        (ev("amended_plan_issued", "2026-02-10"), "met", "2026-02-10"),
        (ev("plan_reviewed", "2026-01-20", outcome="keep"), "met", "2026-01-20"),
        (ev("plan_reviewed", "2026-01-20", outcome="amend"), "overdue", None),  # amendments not yet made
        (ev("amended_plan_issued", "2025-09-01"), "met", "2025-09-01"),  # first day of the 12 months
        (ev("amended_plan_issued", "2025-08-31"), "overdue", None),  # more than 12 months before 1 Sep 2026
        (ev("amended_plan_issued", "2026-02-20"), "met_late", "2026-02-20"),  # after 14 Feb
        (ev("amended_plan_issued", "2026-09-10"), "overdue", None),  # after 31 Aug: not "before 1 Sep"
    ],
)
def test_phase_transfer_met(event: dict[str, Any], status: str, met_on: str | None) -> None:
    events = [MADE, ev("phase_transfer", "2025-06-01", kind="school", year=2026), event]
    assert summary(one(run(events, "2026-03-01"), "phase_transfer_review")) == ("2026-02-14", status, met_on)


# --- reassessment (regs 25, 27) --------------------------------------------------------------------------


def test_reassessment() -> None:
    events = [
        ev("reassessment_requested", "2025-03-03"),
        ev("reassessment_decided", "2025-03-14", outcome="reassess"),
    ]
    result = run(events, "2025-03-15")
    assert summary(one(result, "reassessment_decision")) == ("2025-03-18", "met", "2025-03-14")  # 3 Mar + 15
    assert summary(one(result, "reassessment_plan")) == ("2025-06-20", "open", None)  # 14 Mar + 98 days


@pytest.mark.parametrize(("issued", "status"), [("amended_plan_issued", "met"), ("final_issued", "met")])
def test_reassessment_plan_met(issued: str, status: str) -> None:
    events = [
        ev("reassessment_requested", "2025-03-03"),
        ev("reassessment_decided", "2025-03-14", outcome="reassess"),
    ]
    d = one(run([*events, ev(issued, "2025-06-20")], "2025-07-01"), "reassessment_plan")
    assert summary(d) == ("2025-06-20", status, "2025-06-20")


def test_reassessment_refused_has_no_plan_deadline() -> None:
    events = [
        ev("reassessment_requested", "2025-03-03"),
        ev("reassessment_decided", "2025-03-20", outcome="refuse"),
    ]
    result = run(events, "2025-07-01")
    assert deadlines(result, "reassessment_plan") == []
    assert summary(one(result, "reassessment_decision")) == ("2025-03-18", "met_late", "2025-03-20")


# --- transfer between LAs (reg 15) ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("aware", "move", "due"),
    [
        # working days 1 Apr .. 24 Apr 2025 (18, 21 Apr are bank holidays): 16 >= 15 -> the move date
        ("2025-04-01", "2025-04-25", "2025-04-25"),
        # 1 Apr .. 23 Apr: exactly 15 -> the move date
        ("2025-04-01", "2025-04-24", "2025-04-24"),
        # 1 Apr .. 11 Apr: 9 -> 15 working days beginning with 1 Apr: Apr 1-4 (4), 7-11 (9),
        # 14-17 (13), 22 (14), 23 (15)
        ("2025-04-01", "2025-04-14", "2025-04-23"),
        # aware Good Friday (not a working day, so not day 1): 22-25 Apr (4), 28 Apr-2 May (9),
        # 5 May bank holiday, 6-9 May (13), 12 (14), 13 (15)
        ("2025-04-18", "2025-04-22", "2025-05-13"),
        # aware Mon 15 Dec: 15-19 (5), 22-24 (8), 25-26 Dec holidays, 29-31 (11), 1 Jan holiday,
        # 2 Jan (12), 5, 6, 7 Jan (15)
        ("2025-12-15", "2025-12-29", "2026-01-07"),
    ],
)
def test_transfer_plan(aware: str, move: str, due: str) -> None:
    d = one(run([ev("transfer_aware", aware, move=move)], aware), "transfer_plan")
    assert (d["due"], d["status"]) == (due, "open")


def test_transfer_met_and_inform() -> None:
    events = [
        ev("final_issued", "2024-09-02"),
        ev("transfer_aware", "2025-04-01", move="2025-04-25"),
        ev("transferred", "2025-04-25"),
        ev("transfer_informed", "2025-05-30"),
    ]
    result = run(events, "2025-06-01")
    assert summary(one(result, "transfer_plan")) == ("2025-04-25", "met", "2025-04-25")
    assert summary(one(result, "transfer_inform")) == ("2025-06-06", "met", "2025-05-30")  # 25 Apr + 42


@pytest.mark.parametrize(
    ("made", "review"),
    [
        ("2024-09-02", "2025-09-01"),  # review_due 1 Sep 2025 is later than 25 Apr + 3 months = 25 Jul
        ("2024-06-03", "2025-07-25"),  # review_due 2 Jun 2025 is earlier: 25 Apr + 3 months
    ],
)
def test_transfer_review(made: str, review: str) -> None:
    events = [
        ev("final_issued", made),
        ev("transfer_aware", "2025-04-01", move="2025-04-25"),
        ev("transferred", "2025-04-25"),
    ]
    result = run(events, "2025-05-01")
    assert summary(one(result, "transfer_review")) == (review, "open", None)
    assert deadlines(result, "review_due") == []  # replaced by transfer_review in the cycle of the transfer
    met = run([*events, ev("plan_reviewed", "2025-07-01", outcome="keep")], "2025-08-01")
    assert summary(one(met, "transfer_review")) == (review, "met", "2025-07-01")
