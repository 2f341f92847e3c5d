"""Mediation, appeals (HESC r.12, r.20 as docs/statute.md §1.10-§1.11 reads them), tribunal orders and
unopposed appeals (regs 44, 45).

Bank holidays used (England and Wales): 2022: 19 Sep (one-off), 26-27 Dec; 2023: 2 Jan (substitute),
8 May (one-off), 2025: 18 Apr, 21 Apr, 5 May, 26 May, 25 Aug, 25-26 Dec; 2026: 1 Jan.
"""

from __future__ import annotations

from typing import Any

import pytest

from statute.conventions import Conventions

from .cases import deadlines, ev, one, run, summary

TRIBUNAL = (
    "tribunal_notify_assess",
    "tribunal_no_plan",
    "tribunal_final_plan",
    "tribunal_draft",
    "tribunal_final",
    "tribunal_amended_plan",
)

# --- mediation (regs 33-39) ------------------------------------------------------------------------------


NOTICE = ev("decision_notice_sent", "2023-01-16", decision="refuse_assess")  # before every contact below


@pytest.mark.parametrize(
    ("contacted", "certificate"),
    [
        ("2025-03-05", "2025-03-10"),  # Wed: Thu 6 (1), Fri 7 (2), Mon 10 (3)
        ("2025-04-16", "2025-04-23"),  # Wed: Thu 17 (1), Good Friday, Easter Monday, Tue 22 (2), Wed 23 (3)
        ("2023-05-04", "2023-05-10"),  # Thu: Fri 5 (1), Mon 8 May 2023 one-off holiday, Tue 9 (2), Wed 10 (3)
    ],
)
def test_no_mediation_wanted_certificate(contacted: str, certificate: str) -> None:
    result = run([NOTICE, ev("mediation_adviser_contacted", contacted, wants_mediation=False)], contacted)
    assert summary(one(result, "mediation_certificate")) == (certificate, "open", None)
    assert deadlines(result, "mediation") == []


def test_mediation_wanted() -> None:
    result = run(
        [NOTICE, ev("mediation_adviser_contacted", "2025-03-05", wants_mediation=True)], "2025-03-06"
    )
    assert summary(one(result, "mediation")) == ("2025-04-04", "open", None)  # 5 Mar + 30 days
    assert deadlines(result, "mediation_certificate") == []


@pytest.mark.parametrize(
    ("wants", "name", "due"),
    [(True, "mediation", "2025-04-04"), (False, "mediation_certificate", "2025-03-10")],
)
def test_mediation_clock_starts_with_the_contact_alone(wants: bool, name: str, due: str) -> None:
    # docs/statute-engine.md: started by mediation_adviser_contacted; no decision notice is required
    result = run([ev("mediation_adviser_contacted", "2025-03-05", wants_mediation=wants)], "2025-03-06")
    assert one(result, name)["due"] == due


def test_mediation_held_then_certificate() -> None:
    events = [
        NOTICE,
        ev("mediation_adviser_contacted", "2025-03-05", wants_mediation=True),
        ev("mediation_held", "2025-03-28"),  # Friday
        ev("mediation_certificate_issued", "2025-04-01"),
    ]
    result = run(events, "2025-04-10")
    assert summary(one(result, "mediation")) == ("2025-04-04", "met", "2025-03-28")
    # Mon 31 Mar (1), Tue 1 Apr (2), Wed 2 Apr (3)
    assert summary(one(result, "mediation_certificate")) == ("2025-04-02", "met", "2025-04-01")
    assert one(result, "mediation_certificate")["from"] == {"event": "mediation_held", "date": "2025-03-28"}


def test_mediation_not_arranged_over_christmas() -> None:
    events = [
        NOTICE,
        ev("mediation_adviser_contacted", "2025-11-24", wants_mediation=True),
        ev("mediation_not_arranged", "2025-12-22"),  # Monday
    ]
    result = run(events, "2026-01-05")
    assert summary(one(result, "mediation")) == ("2025-12-24", "overdue", None)  # 24 Nov + 30
    # Tue 23 (1), Wed 24 (2), 25-26 Dec holidays, weekend, Mon 29 (3)
    assert summary(one(result, "mediation_certificate")) == ("2025-12-29", "overdue", None)


# --- the appeal window (R7) ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("notice", "due"),
    [
        ("2025-10-01", "2025-12-01"),  # IPSEA: 1 Oct -> 1 Dec (a Monday)
        ("2025-09-22", "2025-11-24"),  # 22 Nov is a Saturday -> Mon 24 Nov
        ("2025-03-05", "2025-05-06"),  # 5 May is the early May bank holiday -> Tue 6 May
        ("2025-03-24", "2025-05-27"),  # Sat 24 May, Sun 25, Mon 26 late May bank holiday -> Tue 27
        ("2025-06-10", "2025-09-01"),  # 10 Aug: August -> first working day after 31 Aug, Mon 1 Sep
        ("2024-06-20", "2024-09-02"),  # 20 Aug 2024 -> 1 Sep 2024 is a Sunday -> Mon 2 Sep
        ("2025-10-27", "2026-01-02"),  # 27 Dec: 25 Dec - 1 Jan -> first working day after 1 Jan, Fri 2 Jan
        ("2025-11-01", "2026-01-02"),  # 1 Jan itself
        ("2022-10-26", "2023-01-03"),  # 26 Dec 2022 -> 2 Jan 2023 is a bank holiday -> Tue 3 Jan
        ("2022-07-19", "2022-09-20"),  # 19 Sep 2022, the one-off bank holiday -> Tue 20 Sep
        ("2025-12-31", "2026-03-02"),  # no 31 Feb: Sat 28 Feb 2026 -> Mon 2 Mar
    ],
)
def test_appeal_deadline_from_notice(notice: str, due: str) -> None:
    d = one(run([ev("decision_notice_sent", notice, decision="refuse_assess")], notice), "appeal")
    assert (d["due"], d["practical_due"], d["status"], d["met_on"]) == (due, due, "open", None)
    assert d["from"] == {"event": "decision_notice_sent", "date": notice}


def test_appeal_id_names_the_decision() -> None:
    # docs/statute-engine.md: an appeal window's id is the decision appealed, telling two windows apart
    assert (
        one(run([ev("decision_notice_sent", "2025-10-01", decision="cease")], "2025-10-02"), "appeal")["id"]
        == "cease"
    )


def test_tribunal_moves_convention_off() -> None:
    events = [ev("decision_notice_sent", "2024-06-20", decision="not_issue")]
    # 20 Aug 2024 is a Tuesday: without the r.12(3) moves it stays
    assert one(run(events, "2024-06-21", Conventions(tribunal_moves=False)), "appeal")["due"] == "2024-08-20"


@pytest.mark.parametrize(
    ("certificate", "due"),
    [
        ("2025-11-15", "2025-12-15"),  # 15 Dec (cert + 1 month) is later than 1 Dec (notice + 2 months)
        ("2025-10-20", "2025-12-01"),  # 20 Nov is earlier: the notice's 1 Dec stands
        ("2025-11-27", "2026-01-02"),  # 27 Dec: Christmas -> Fri 2 Jan 2026
    ],
)
def test_appeal_later_of_notice_and_certificate(certificate: str, due: str) -> None:
    events = [
        ev("decision_notice_sent", "2025-10-01", decision="plan_content"),
        ev("mediation_adviser_contacted", "2025-10-10", wants_mediation=True),
        ev("mediation_certificate_issued", certificate),
    ]
    assert one(run(events, "2025-11-01"), "appeal")["due"] == due


def test_certificate_landing_in_august() -> None:
    events = [
        ev("decision_notice_sent", "2025-06-02", decision="cease"),  # + 2 months = 2 Aug
        ev("mediation_adviser_contacted", "2025-07-28", wants_mediation=False),
        ev("mediation_certificate_issued", "2025-07-30"),  # + 1 month = 30 Aug, later -> Mon 1 Sep
    ]
    assert one(run(events, "2025-07-31"), "appeal")["due"] == "2025-09-01"


def test_certificate_before_the_notice_is_ignored() -> None:
    events = [
        ev("mediation_certificate_issued", "2025-09-20"),
        ev("decision_notice_sent", "2025-10-01", decision="refuse_amend"),
    ]
    assert one(run(events, "2025-10-02"), "appeal")["due"] == "2025-12-01"


@pytest.mark.parametrize(
    ("lodged", "as_of", "status", "met_on"),
    [
        (None, "2025-12-01", "open", None),  # open to its last day
        (None, "2025-12-02", "closed", None),  # never overdue
        ("2025-11-20", "2025-11-21", "met", "2025-11-20"),
        ("2025-11-20", "2026-01-10", "met", "2025-11-20"),
    ],
)
def test_appeal_status(lodged: str | None, as_of: str, status: str, met_on: str | None) -> None:
    events = [ev("decision_notice_sent", "2025-10-01", decision="refuse_assess")]
    if lodged:
        events.append(ev("appeal_lodged", lodged))
    assert summary(one(run(events, as_of), "appeal")) == ("2025-12-01", status, met_on)


# --- tribunal orders (reg 44) and unopposed appeals (reg 45), from Mon 3 Mar 2025 -------------------------

ORDER_DAY = "2025-03-03"
ASSESS_DUES = {
    "tribunal_notify_assess": "2025-03-17",  # + 14 days
    "tribunal_no_plan": "2025-05-12",  # + 70 days
    "tribunal_final_plan": "2025-06-09",  # + 98 days
}
ISSUE_DUES = {"tribunal_draft": "2025-04-07", "tribunal_final": "2025-05-19"}  # + 35, + 77 days


@pytest.mark.parametrize(
    ("event", "expected"),
    [
        (ev("tribunal_order", ORDER_DAY, order="assess"), ASSESS_DUES),
        (ev("tribunal_order", ORDER_DAY, order="make_and_maintain"), ISSUE_DUES),
        (ev("tribunal_order", ORDER_DAY, order="amend"), {"tribunal_amended_plan": "2025-04-07"}),
        (ev("tribunal_order", ORDER_DAY, order="continue"), {}),
        (ev("appeal_unopposed", ORDER_DAY, appeal="refuse_assess"), ASSESS_DUES),
        (ev("appeal_unopposed", ORDER_DAY, appeal="refuse_issue"), ISSUE_DUES),
        (ev("appeal_unopposed", ORDER_DAY, appeal="content"), {"tribunal_amended_plan": "2025-04-07"}),
        (ev("appeal_unopposed", ORDER_DAY, appeal="school"), {"tribunal_amended_plan": "2025-03-17"}),
    ],
)
def test_order_deadlines(event: dict[str, Any], expected: dict[str, str]) -> None:
    result = run([event], "2025-03-04")
    got = {d["deadline"]: d["due"] for d in result["deadlines"] if d["deadline"] in TRIBUNAL}
    assert got == expected
    assert len([d for d in result["deadlines"] if d["deadline"] in TRIBUNAL]) == len(expected)
    for name in expected:
        d = one(result, name)
        assert (d["status"], d["statutory"]) == ("open", True)
        assert d["from"] == {"event": event["event"], "date": ORDER_DAY}


def test_order_due_on_easter_monday() -> None:
    d = one(
        run([ev("tribunal_order", "2025-03-17", order="make_and_maintain")], "2025-03-18"), "tribunal_draft"
    )
    assert (d["due"], d["practical_due"]) == ("2025-04-21", "2025-04-17")  # 17 Mar + 35 = Easter Monday


@pytest.mark.parametrize("met_by", [("decision_to_assess", "assess"), ("reassessment_decided", "reassess")])
def test_notify_assess_met(met_by: tuple[str, str]) -> None:
    events = [ev("tribunal_order", ORDER_DAY, order="assess"), ev(met_by[0], "2025-03-14", outcome=met_by[1])]
    assert summary(one(run(events, "2025-04-01"), "tribunal_notify_assess")) == (
        "2025-03-17",
        "met",
        "2025-03-14",
    )


def test_assess_order_then_issue_drops_no_plan() -> None:
    events = [
        ev("tribunal_order", ORDER_DAY, order="assess"),
        ev("decision_to_issue", "2025-04-30", outcome="issue"),
        ev("final_issued", "2025-06-02"),
    ]
    result = run(events, "2025-07-01")
    assert deadlines(result, "tribunal_no_plan") == []
    assert summary(one(result, "tribunal_final_plan")) == ("2025-06-09", "met", "2025-06-02")
    assert summary(one(result, "tribunal_notify_assess")) == ("2025-03-17", "overdue", None)


def test_assess_order_then_not_issue_drops_final_plan() -> None:
    events = [
        ev("tribunal_order", ORDER_DAY, order="assess"),
        ev("decision_to_issue", "2025-05-20", outcome="not_issue"),
    ]
    result = run(events, "2025-07-01")
    assert deadlines(result, "tribunal_final_plan") == []
    assert summary(one(result, "tribunal_no_plan")) == ("2025-05-12", "met_late", "2025-05-20")


def test_assess_order_amended_plan_meets_final_plan() -> None:
    events = [
        ev("appeal_unopposed", ORDER_DAY, appeal="refuse_assess"),
        ev("amended_plan_issued", "2025-06-09"),
    ]
    assert summary(one(run(events, "2025-07-01"), "tribunal_final_plan")) == (
        "2025-06-09",
        "met",
        "2025-06-09",
    )


def test_make_and_maintain_met() -> None:
    events = [
        ev("tribunal_order", ORDER_DAY, order="make_and_maintain"),
        ev("draft_served", "2025-04-04", method="email"),
        ev("final_issued", "2025-05-23"),
    ]
    result = run(events, "2025-06-01")
    assert summary(one(result, "tribunal_draft")) == ("2025-04-07", "met", "2025-04-04")
    assert summary(one(result, "tribunal_final")) == ("2025-05-19", "met_late", "2025-05-23")


@pytest.mark.parametrize(("issued", "status"), [("2025-04-07", "met"), ("2025-04-08", "met_late")])
def test_amend_order_met(issued: str, status: str) -> None:
    events = [ev("tribunal_order", ORDER_DAY, order="amend"), ev("amended_plan_issued", issued)]
    assert summary(one(run(events, "2025-05-01"), "tribunal_amended_plan")) == ("2025-04-07", status, issued)


def test_event_before_the_order_does_not_meet_it() -> None:
    events = [ev("amended_plan_issued", "2025-03-01"), ev("tribunal_order", ORDER_DAY, order="amend")]
    assert summary(one(run(events, "2025-05-01"), "tribunal_amended_plan")) == ("2025-04-07", "overdue", None)
