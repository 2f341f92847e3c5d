"""Generated `ehcp import` lines: cases in flight at every stage a council's records hold, some late, with
plans before and after their first review is due. Deterministic for a seed. Used by `bench/import_cases.py`
and the import tests (tests/integration/test_import.py).
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

WEEK = timedelta(weeks=1)
# The reg 6 advice of a year-5 child, by advice id: (kind, the agency it is asked of, by its name).
ADVICE = {
    "parent": ("parent", "SEND team: parent and child views"),
    "school": ("educational", "Riverside Primary School"),
    "health": ("medical", "Northtown ICB designated clinical officer"),
    "ep": ("psychological", "Northtown Educational Psychology Service"),
    "social": ("social_care", "Northtown Children's Social Care"),
}
STAGES = ("new", "decision_overdue", "refused", "gathering", "drafting", "plan", "plan_review_overdue")


def case_events(stage: str, today: date, rng: random.Random) -> list[dict[str, Any]]:
    """The events of one case at `stage`, dated back from `today`."""

    def on(day: date) -> str:
        return day.isoformat()

    if stage == "new":
        return [{"event": "request_received", "date": on(today - rng.randint(0, 35) * timedelta(days=1))}]
    if stage == "decision_overdue":
        return [{"event": "request_received", "date": on(today - rng.randint(43, 70) * timedelta(days=1))}]
    received = today - rng.randint(6, 18) * WEEK - rng.randint(0, 6) * timedelta(days=1)
    events: list[dict[str, Any]] = [{"event": "request_received", "date": on(received), "source": "parent"}]
    if stage == "refused":
        refused = min(received + rng.randint(3, 7) * WEEK, today)
        events += [
            {"event": "decision_to_assess", "date": on(refused), "outcome": "refuse"},
            {"event": "decision_notice_sent", "date": on(refused), "decision": "refuse_assess"},
        ]
        return events
    if stage.startswith("plan"):
        made = today - (rng.randint(56, 64) if stage == "plan_review_overdue" else rng.randint(2, 50)) * WEEK
        received = made - 20 * WEEK
        return [
            {"event": "request_received", "date": on(received), "source": "parent"},
            {"event": "decision_to_assess", "date": on(received + 5 * WEEK), "outcome": "assess"},
            {"event": "decision_to_issue", "date": on(received + 14 * WEEK), "outcome": "issue"},
            {"event": "draft_served", "date": on(received + 16 * WEEK), "method": "email"},
            {"event": "final_issued", "date": on(made)},
        ]
    decided = min(received + rng.randint(4, 7) * WEEK, today)
    events.append({"event": "decision_to_assess", "date": on(decided), "outcome": "assess"})
    for advice_id, (kind, _) in ADVICE.items():
        events.append({"event": "advice_requested", "date": on(decided), "id": advice_id, "advice": kind})
    answered = list(ADVICE) if stage == "drafting" else rng.sample(list(ADVICE), rng.randint(0, 4))
    latest = decided
    for advice_id in answered:
        came = min(decided + rng.randint(2, 7) * WEEK, today)
        latest = max(latest, came)
        events.append({"event": "advice_received", "date": on(came), "id": advice_id})
    if stage == "drafting" and latest < today:
        issued = latest + timedelta(days=1)
        events.append({"event": "decision_to_issue", "date": on(issued), "outcome": "issue"})
    return events


def lines(count: int, *, today: date, caseworker: str, seed: int = 11, prefix: str = "GEN") -> Iterator[str]:
    """`count` import lines, one case each, its stage drawn in turn from `STAGES`."""
    rng = random.Random(seed)
    for n in range(count):
        stage = STAGES[n % len(STAGES)]
        line = {
            "reference": f"{prefix}-{n:06d}",
            "caseworker": caseworker,
            "child": {
                "given_name": "Test",
                "family_name": f"Child {n}",
                "date_of_birth": "2016-01-15",
                "year_group": 5,
            },
            "contacts": [{"name": "A Parent", "relationship": "parent", "parental_responsibility": True}],
            "agencies": {advice_id: agency for advice_id, (_, agency) in ADVICE.items()},
            "events": case_events(stage, today, rng),
        }
        yield json.dumps(line)
