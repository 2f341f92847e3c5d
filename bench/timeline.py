"""Benchmark: full statutory timelines for a synthetic national caseload, on one core.

Target: 640,000 plan histories, a year's England caseload, recomputed in under 60 seconds.
Each synthetic case runs from the request through the 20-week pathway (advice, exceptions, school
consultations) into years of annual reviews, amendments, phase transfers, reassessments, transfers
between LAs, mediation and tribunal orders. Generation is not timed; computing the timelines is, each
consumed as it is made, as a read-model refresh streams cases. (Holding every computed timeline in
memory at once halves the rate: the cyclic GC walks them all again and again.)

    python bench/timeline.py [--cases 640000] [--seed 1] [--chunk 20000]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
import tracemalloc
from datetime import date, timedelta

from statute.events import CaseHistory, Child, Event, SchoolClosure
from statute.timeline import compute_timeline, default_calendar

AS_OF = date(2026, 11, 27)
ADVICE = (
    ("parent", "parent"),
    ("school", "educational"),
    ("health", "medical"),
    ("ep", "psychological"),
    ("social", "social_care"),
)


def _d(rng: random.Random, base: date, low: int, high: int) -> date:
    return base + timedelta(days=rng.randint(low, high))


def synthetic_case(rng: random.Random) -> CaseHistory:
    """One case from request to today, shaped like the national picture (about 30 events)."""
    s = date(2014, 9, 1) + timedelta(days=rng.randint(0, 12 * 365))
    ev: list[Event] = [Event("request_received", s, source=rng.choice(("parent", "school", "young_person")))]
    decided = _d(rng, s, 20, 70)
    if rng.random() < 0.22:  # refused: notice, often mediation, sometimes an appeal and an order to assess
        ev += [
            Event("decision_to_assess", decided, outcome="refuse"),
            Event("decision_notice_sent", decided, decision="refuse_assess"),
        ]
        if rng.random() < 0.5:
            contact = _d(rng, decided, 5, 50)
            ev.append(Event("mediation_adviser_contacted", contact, wants_mediation=rng.random() < 0.4))
            ev.append(Event("mediation_certificate_issued", _d(rng, contact, 1, 40)))
            if rng.random() < 0.5:
                order = _d(rng, contact, 90, 200)
                ev += [
                    Event("appeal_lodged", _d(rng, contact, 5, 30)),
                    Event("tribunal_order", order, order="assess"),
                ]
        return CaseHistory(events=tuple(ev))
    ev.append(Event("decision_to_assess", decided, outcome="assess"))
    school = f"school-{rng.randint(1, 24000)}"
    for advice_id, kind in ADVICE:
        asked = _d(rng, decided, 0, 4)
        ev.append(
            Event(
                "advice_requested",
                asked,
                id=advice_id,
                advice=kind,
                school=school if kind == "educational" else None,
            )
        )
        if rng.random() < 0.93:
            ev.append(Event("advice_received", _d(rng, asked, 14, 75), id=advice_id))
    if rng.random() < 0.1:
        ev.append(
            Event(
                "exception",
                _d(rng, decided, 20, 40),
                deadline="advice",
                advice_id="health",
                kind="missed_appointment",
                start=_d(rng, decided, 10, 30),
            )
        )
    if rng.random() < 0.05:
        ev.append(
            Event(
                "exception",
                _d(rng, decided, 20, 60),
                deadline="final_plan",
                kind="school_closure",
                school=school,
            )
        )
    draft = _d(rng, s, 80, 150)
    final = _d(rng, draft, 16, 90)
    ev += [
        Event("decision_to_issue", _d(rng, draft, -10, 0), outcome="issue"),
        Event("draft_served", draft, method=rng.choice(("email", "post"))),
        Event("school_consulted", _d(rng, draft, 0, 3), school=school),
        Event("school_responded", _d(rng, draft, 8, 30), school=school),
        Event("final_issued", final),
    ]
    cycle = final
    while True:
        meeting = _d(rng, cycle, 300, 380)
        if meeting > AS_OF:
            break
        reviewed = _d(rng, meeting, 7, 45)
        outcome = rng.choice(("keep", "keep", "amend"))
        ev += [
            Event("review_invitations_sent", _d(rng, meeting, -25, -8)),
            Event("review_meeting", meeting),
            Event("review_report_sent", _d(rng, meeting, 3, 20)),
            Event("plan_reviewed", reviewed, outcome=outcome),
        ]
        if outcome == "amend":
            notice = _d(rng, meeting, 14, 40)
            ev += [
                Event("amendment_notice_sent", notice),
                Event("amended_plan_issued", _d(rng, notice, 20, 80)),
            ]
        if rng.random() < 0.15:
            ev.append(Event("phase_transfer", meeting, kind="school", year=meeting.year + 1))
        cycle = reviewed
    if rng.random() < 0.05:
        asked = _d(rng, final, 200, 600)
        ev += [
            Event("reassessment_requested", asked),
            Event("reassessment_decided", _d(rng, asked, 5, 20), outcome="reassess"),
        ]
    if rng.random() < 0.03:
        aware = _d(rng, final, 100, 500)
        ev += [
            Event("transfer_aware", aware, move=_d(rng, aware, 5, 60)),
            Event("transferred", _d(rng, aware, 10, 40)),
        ]
    closures = (SchoolClosure(school, date(s.year, 7, 22), date(s.year, 9, 2)),)
    return CaseHistory(events=tuple(ev), school_closures=closures, child=Child(year_group=rng.randint(0, 13)))


def _run(batch: list[CaseHistory], *, as_dict: bool) -> tuple[float, int, int]:
    """Recompute each case's timeline and consume it at once, as a read-model refresh would."""
    deadlines = overdue = 0
    started = time.perf_counter()
    for case in batch:
        timeline = compute_timeline(case, as_of=AS_OF)
        if as_dict:
            timeline.as_dict()
        deadlines += len(timeline.deadlines)
        overdue += sum(d.status == "overdue" for d in timeline.deadlines)
    return time.perf_counter() - started, deadlines, overdue


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=640_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--chunk", type=int, default=20_000)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    default_calendar().bank_holidays(2014)  # warm the bank-holiday table outside the timing
    compute_timeline(synthetic_case(rng), as_of=AS_OF)

    done = events = deadlines = overdue = 0
    engine = with_json = 0.0
    while done < args.cases:
        batch = [synthetic_case(rng) for _ in range(min(args.chunk, args.cases - done))]
        seconds, found, late = _run(batch, as_dict=False)
        engine += seconds
        with_json += _run(batch, as_dict=True)[0]
        done += len(batch)
        events += sum(len(case.events) for case in batch)
        deadlines += found
        overdue += late
        print(
            f"\r  {done:>9,} / {args.cases:,} cases  {done / engine:>9,.0f} cases/s",
            end="",
            file=sys.stderr,
            flush=True,
        )
    print(file=sys.stderr)

    tracemalloc.start()
    sample = [synthetic_case(rng) for _ in range(1000)]
    before = tracemalloc.take_snapshot()
    kept = [compute_timeline(case, as_of=AS_OF) for case in sample]
    grown = sum(s.size_diff for s in tracemalloc.take_snapshot().compare_to(before, "filename"))
    tracemalloc.stop()

    print(
        f"cases:                    {done:,} ({events / done:.1f} events, "
        f"{deadlines / done:.1f} deadlines each; {overdue / deadlines:.1%} of deadlines overdue)"
    )
    print(f"engine only:              {done / engine:,.0f} cases/s on one core, {engine:.1f} s in all")
    print(f"engine + JSON-ready dict: {done / with_json:,.0f} cases/s, {with_json:.1f} s in all")
    print(f"640,000 plan histories:   {640_000 / (done / engine):.1f} s (target: under 60 s)")
    print(f"memory:                   {grown / len(kept) / 1024:.1f} KiB per computed timeline")


if __name__ == "__main__":
    main()
