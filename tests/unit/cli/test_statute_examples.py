"""Every worked example of docs/statute.md, answered by `ehcp timeline` exactly.

Each row quotes the statute text it checks and works the date out beside it.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from typer.testing import CliRunner

from cli import app

runner = CliRunner()
REQUEST = {"event": "request_received", "date": "2025-01-06", "source": "parent"}


def ev(event: str, day: str, **fields: Any) -> dict[str, Any]:
    return {"event": event, "date": day, **fields}


def deadline(events: list[dict[str, Any]], name: str, *args: str) -> dict[str, Any]:
    case = {"events": events, "as_of": "2025-01-07"}
    result = runner.invoke(app, ["timeline", "-", *args], input=json.dumps(case))
    assert result.exit_code == 0, result.output
    found = [d for d in json.loads(result.stdout)["deadlines"] if d["deadline"] == name]
    assert len(found) == 1, found
    return found[0]


EXAMPLES = [
    # §1.1: "a request received on Mon 6 Jan 2025 is due for a decision by Mon 17 Feb 2025"
    ("6-week decision", [REQUEST], "decision_to_assess", "2025-02-17", "2025-02-17"),
    # §1.1: "received 2025-01-06 -> ... final plan due 2025-05-26" (spring bank holiday: practical Fri 23 May)
    ("20-week final plan", [REQUEST], "final_plan", "2025-05-26", "2025-05-23"),
    # §1.2 step 4: 16 weeks from receipt: 6 Jan + 112 days = Mon 28 Apr
    ("16-week not to issue", [REQUEST], "decision_not_to_issue", "2025-04-28", "2025-04-28"),
    # §1.2 step 5: "the draft should go by week 14": 6 Jan + 98 days = Mon 14 Apr
    ("14-week draft target", [REQUEST], "draft_target", "2025-04-14", "2025-04-14"),
    # reg 8(1): 6 weeks from the body's receipt: Mon 10 Mar + 42 = Easter Monday 21 Apr -> Thu 17 Apr
    (
        "6-week advice",
        [
            REQUEST,
            ev(
                "advice_requested", "2025-03-07", id="health", advice="medical", received_by_body="2025-03-10"
            ),
        ],
        "advice",
        "2025-04-21",
        "2025-04-17",
    ),
    # reg 13(1)(a): "at least 15 days, beginning with the day ... served": last day = served + 14 (Sun 20 Apr)
    (
        "15-day representations",
        [ev("draft_served", "2025-04-06")],
        "representations_end",
        "2025-04-20",
        "2025-04-17",
    ),
    # §1.1: school consultation "due = consultation sent + 15" (Tue 22 Apr)
    (
        "15-day school response",
        [ev("school_consulted", "2025-04-07", school="A")],
        "school_response",
        "2025-04-22",
        "2025-04-22",
    ),
    # CFA s.44(1): "last day = start + 12 months - 1 day": plan made 26 May 2025 -> 25 May 2026 (bank holiday)
    ("12-month review", [ev("final_issued", "2025-05-26")], "review_due", "2026-05-25", "2026-05-22"),
    # reg 20: invitations 2 weeks before the meeting, report and decision 2 and 4 weeks after
    (
        "review invitations",
        [ev("review_meeting", "2025-11-12")],
        "review_invitations",
        "2025-10-29",
        "2025-10-29",
    ),
    ("review report", [ev("review_meeting", "2025-11-12")], "review_report", "2025-11-26", "2025-11-26"),
    ("review decision", [ev("review_meeting", "2025-11-12")], "review_decision", "2025-12-10", "2025-12-10"),
    # reg 22(3) and Devon: notice at 4 weeks + 8 weeks = 12 weeks from a meeting of 12 Nov 2025 -> 4 Feb 2026
    (
        "8-week amended plan",
        [ev("amendment_notice_sent", "2025-12-10")],
        "amended_plan",
        "2026-02-04",
        "2026-02-04",
    ),
    # reg 18, strict reading: "before 15 February" -> 14 Feb (a Saturday in 2026: practical Fri 13 Feb)
    (
        "15 February",
        [ev("phase_transfer", "2025-09-01", kind="school", year=2026)],
        "phase_transfer_review",
        "2026-02-14",
        "2026-02-13",
    ),
    (
        "31 March",
        [ev("phase_transfer", "2025-09-01", kind="post16", year=2026)],
        "phase_transfer_review",
        "2026-03-30",
        "2026-03-30",
    ),
    # reg 25 "within 15 days"; reg 27 14 weeks from the decision to reassess
    (
        "15-day reassessment decision",
        [ev("reassessment_requested", "2025-03-03")],
        "reassessment_decision",
        "2025-03-18",
        "2025-03-18",
    ),
    (
        "14-week reassessment plan",
        [ev("reassessment_decided", "2025-03-18", outcome="reassess")],
        "reassessment_plan",
        "2025-06-24",
        "2025-06-24",
    ),
    # reg 15(2): aware 15+ working days before the move -> transfer on the day of the move
    (
        "transfer on the move",
        [ev("transfer_aware", "2025-03-03", move="2025-04-30")],
        "transfer_plan",
        "2025-04-30",
        "2025-04-30",
    ),
    # otherwise 15 working days beginning with the day aware: Wed 9 Apr is day 1; Good Friday and Easter
    # Monday skipped: 9,10,11,14,15,16,17,22,23,24,25,28,29,30 Apr, 1 May = day 15
    (
        "15 working days",
        [ev("transfer_aware", "2025-04-09", move="2025-04-20")],
        "transfer_plan",
        "2025-05-01",
        "2025-05-01",
    ),
    # reg 15(4): 6 weeks from the transfer
    ("transfer inform", [ev("transferred", "2025-05-01")], "transfer_inform", "2025-06-12", "2025-06-12"),
    # reg 34: certificate within 3 working days of the contact (Fri 19 Dec 2025 -> 22, 23, 24 Dec)
    (
        "mediation certificate",
        [ev("mediation_adviser_contacted", "2025-12-19", wants_mediation=False)],
        "mediation_certificate",
        "2025-12-24",
        "2025-12-24",
    ),
    # reg 37: mediation within 30 days of being told
    (
        "30-day mediation",
        [ev("mediation_adviser_contacted", "2025-03-03", wants_mediation=True)],
        "mediation",
        "2025-04-02",
        "2025-04-02",
    ),
    # IPSEA: "1 Oct -> 1 Dec" (Mon 1 Dec 2025, a working day)
    (
        "2-month appeal",
        [ev("decision_notice_sent", "2025-10-01", decision="refuse_assess")],
        "appeal",
        "2025-12-01",
        "2025-12-01",
    ),
    # R7: August moves to the first working day after 31 Aug (notice 15 Jun -> 15 Aug -> Mon 1 Sep)
    (
        "appeal in August",
        [ev("decision_notice_sent", "2025-06-15", decision="not_issue")],
        "appeal",
        "2025-09-01",
        "2025-09-01",
    ),
    # R7: 25 Dec - 1 Jan moves to the first working day after 1 Jan (27 Oct -> 27 Dec -> Fri 2 Jan 2026)
    (
        "appeal at Christmas",
        [ev("decision_notice_sent", "2025-10-27", decision="cease")],
        "appeal",
        "2026-01-02",
        "2026-01-02",
    ),
    # R7: a non-working day moves to the next working day (notice 8 Sep + 2 months = Sat 8 Nov -> Mon 10 Nov)
    (
        "appeal on a Saturday",
        [ev("decision_notice_sent", "2025-09-08", decision="plan_content")],
        "appeal",
        "2025-11-10",
        "2025-11-10",
    ),
    # R7: later of notice + 2 months and certificate + 1 month: 1 Oct + 2m = 1 Dec; cert 20 Nov + 1m = 20 Dec
    # (Sat) -> 22 Dec
    (
        "appeal after a certificate",
        [
            ev("decision_notice_sent", "2025-10-01", decision="refuse_assess"),
            ev("mediation_certificate_issued", "2025-11-20"),
        ],
        "appeal",
        "2025-12-22",
        "2025-12-22",
    ),
    # reg 44: order to assess: tell the parent in 2 weeks, no-plan notice in 10, final plan in 14
    (
        "tribunal assess 2w",
        [ev("tribunal_order", "2025-03-03", order="assess")],
        "tribunal_notify_assess",
        "2025-03-17",
        "2025-03-17",
    ),
    (
        "tribunal assess 10w",
        [ev("tribunal_order", "2025-03-03", order="assess")],
        "tribunal_no_plan",
        "2025-05-12",
        "2025-05-12",
    ),
    (
        "tribunal assess 14w",
        [ev("tribunal_order", "2025-03-03", order="assess")],
        "tribunal_final_plan",
        "2025-06-09",
        "2025-06-09",
    ),
    # reg 44: make and maintain: draft in 5 weeks, final in 11
    (
        "tribunal draft 5w",
        [ev("tribunal_order", "2025-03-03", order="make_and_maintain")],
        "tribunal_draft",
        "2025-04-07",
        "2025-04-07",
    ),
    (
        "tribunal final 11w",
        [ev("tribunal_order", "2025-03-03", order="make_and_maintain")],
        "tribunal_final",
        "2025-05-19",
        "2025-05-19",
    ),
    # reg 45: unopposed content appeal, amended plan in 5 weeks; school-only, 2 weeks
    (
        "unopposed content 5w",
        [ev("appeal_unopposed", "2025-03-03", appeal="content")],
        "tribunal_amended_plan",
        "2025-04-07",
        "2025-04-07",
    ),
    (
        "unopposed school 2w",
        [ev("appeal_unopposed", "2025-03-03", appeal="school")],
        "tribunal_amended_plan",
        "2025-03-17",
        "2025-03-17",
    ),
]


@pytest.mark.parametrize(
    ("what", "events", "name", "due", "practical"), EXAMPLES, ids=[e[0] for e in EXAMPLES]
)
def test_statute_worked_example(
    what: str, events: list[dict[str, Any]], name: str, due: str, practical: str
) -> None:
    found = deadline(events, name)
    assert (found["due"], found["practical_due"]) == (due, practical), what


def test_day_one_counting_gives_a_day_earlier() -> None:
    # §1.1: counting the day of receipt as "Day 1" "gives a deadline one day earlier"
    args = ("-c", "week_counting=event_day_is_day_1")
    assert deadline([REQUEST], "decision_to_assess", *args)["due"] == "2025-02-16"
    assert deadline([REQUEST], "final_plan", *args)["due"] == "2025-05-25"


def test_inclusive_february_reading() -> None:
    # §1.1: "Most guidance says 'by 15 Feb / 31 Mar'"
    event = ev("phase_transfer", "2025-09-01", kind="school", year=2026)
    assert (
        deadline([event], "phase_transfer_review", "-c", "phase_transfer_reading=inclusive")["due"]
        == "2026-02-15"
    )


def test_posted_draft_is_served_two_working_days_later() -> None:
    # Interpretation Act s.7, default 2 working days: posted Thu 17 Apr 2025 -> Good Friday and Easter Monday
    # skipped -> served Wed 23 Apr -> representations end 23 + 14 = 7 May
    found = deadline([ev("draft_served", "2025-04-17", method="post")], "representations_end")
    assert found["due"] == "2025-05-07"
