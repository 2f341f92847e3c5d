"""The phase-transfer cohort and the plan measures, on hand-built plans whose answers are worked out below.

For 2026 the strict reading gives 14 Feb 2026 (school) and 30 Mar 2026 (post-16); the 12 months that
settle a transfer in September 2026 run from 1 Sep 2025 to 31 Aug 2026. A child enters Reception in the
September five years after the 1 September that starts its academic year of birth.
"""

from __future__ import annotations

import uuid
from datetime import date

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from db.decisions import record_decision
from db.errors import InvalidCursor
from db.kpis import Measure, plan_kpis
from db.plans import TransferPlan, list_transfer_plans
from statute.conventions import Conventions

from .factories import a_case, a_caseworker, a_deadline, project

STRICT, INCLUSIVE = Conventions(), Conventions(phase_transfer_reading="inclusive")
SCHOOL_2026, POST16_2026 = date(2026, 2, 14), date(2026, 3, 30)


async def a_plan(
    session: AsyncSession,
    born: date,
    deadlines: list[object] | None = None,
    *,
    stage: str = "plan_maintained",
    la_code: str = "201",
) -> uuid.UUID:
    case = await a_case(session, la_code=la_code, stage=stage, date_of_birth=born)
    await project(session, case, list(deadlines or []))  # type: ignore[arg-type]
    return case.id


async def decided(session: AsyncSession, case_id: uuid.UUID, kind: str, outcome: str, on: date) -> None:
    actor = await a_caseworker(session)
    await record_decision(
        session=session,
        update_id=str(uuid.uuid4()),
        case_id=case_id,
        kind=kind,
        outcome=outcome,
        decided_on=on,
        actor_id=actor.id,
    )


async def cohort(session: AsyncSession, year: int = 2026, **options: object) -> list[TransferPlan]:
    page = await list_transfer_plans(
        session=session,
        la_code="201",
        year=year,
        conventions=options.pop("conventions", STRICT),  # type: ignore[arg-type]
        limit=1000,
    )
    assert page.next_after is None
    return list(page.plans)


async def test_the_cohort_from_dates_of_birth_and_recorded_transfers(session: AsyncSession) -> None:
    # Born 1 Mar 2015: academic year 2014/15, Reception Sep 2019, Year 7 Sep 2026. Nothing recorded.
    year7 = await a_plan(session, date(2015, 3, 1))
    # Born 25 Dec 2018: Reception Sep 2023, Year 3 Sep 2026. Meetings on 1 Jun 2025 (before the 12 months)
    # and 3 Nov 2025, decided on 28 Nov with amendments: not settled until the amended plan.
    year3 = await a_plan(
        session,
        date(2018, 12, 25),
        [
            a_deadline(
                "review_decision", date(2025, 6, 29), from_date=date(2025, 6, 1), met_on=date(2025, 6, 20)
            ),
            a_deadline(
                "review_decision", date(2025, 12, 1), from_date=date(2025, 11, 3), met_on=date(2025, 11, 28)
            ),
        ],
    )
    await decided(session, year3, "review_decision", "keep", date(2025, 6, 20))  # before 1 Sep 2025
    await decided(session, year3, "review_decision", "amend", date(2025, 11, 28))
    # Born 15 Jan 2015 (Year 7 in 2026): kept on 10 Oct 2025, which settles it; a later amended plan too.
    kept = await a_plan(session, date(2015, 1, 15))
    await decided(session, kept, "amended_plan", "issued", date(2025, 12, 1))
    await decided(session, kept, "review_decision", "keep", date(2025, 10, 10))
    # Born 11 Nov 2009: Reception Sep 2014, Year 12 Sep 2026: post-16, 30 Mar.
    year12 = await a_plan(session, date(2009, 11, 11))
    # Born 10 Oct 2010: Year 11 in Sep 2026, but a recorded post-16 transfer (a school without a sixth
    # form), reviewed on 20 Jan 2026: in the cohort by its row, settled by its row.
    recorded = await a_plan(
        session,
        date(2010, 10, 10),
        [
            a_deadline(
                "phase_transfer_review", POST16_2026, key="2026", status="met", met_on=date(2026, 1, 20)
            )
        ],
    )
    # Year 7 by birth, with two recorded rows for 2026 (the later cycle's, under the inclusive reading,
    # wins) and one for 2025 (not this year's).
    rows_win = await a_plan(
        session,
        date(2015, 4, 2),
        [
            a_deadline("phase_transfer_review", SCHOOL_2026, key="2026", from_date=date(2025, 3, 1)),
            a_deadline("phase_transfer_review", date(2026, 2, 15), key="2026", from_date=date(2025, 9, 10)),
            a_deadline("phase_transfer_review", date(2025, 2, 14), key="2025", from_date=date(2024, 9, 10)),
        ],
    )
    # Not in the cohort: Year 1 in 2026 (born 10 Jan 2021: Reception 2025), Year 6 (born 1 Sep 2015, the
    # first day of the next academic year), a ceased plan, an assessment, another authority's plan.
    await a_plan(session, date(2021, 1, 10))
    await a_plan(session, date(2015, 9, 1))
    await a_plan(session, date(2015, 3, 1), stage="plan_ceased")
    await a_plan(session, date(2015, 3, 1), stage="drafting")
    await a_plan(session, date(2015, 3, 1), la_code="202")

    found = await cohort(session)

    expected = sorted(
        [
            (SCHOOL_2026, year7, False, None, None, None),
            (SCHOOL_2026, year3, False, date(2025, 11, 3), date(2025, 11, 28), None),
            (SCHOOL_2026, kept, False, None, None, date(2025, 10, 10)),
            (date(2026, 2, 15), rows_win, True, None, None, None),
            (POST16_2026, year12, False, None, None, None),
            (POST16_2026, recorded, True, None, None, date(2026, 1, 20)),
        ],
        key=lambda row: (row[0], row[1]),
    )
    assert [
        (p.due, p.case_id, p.recorded, p.meeting_on, p.decided_on, p.settled_on) for p in found
    ] == expected
    assert next(p for p in found if p.case_id == year3).date_of_birth == date(2018, 12, 25)


async def test_the_inclusive_reading_moves_the_deadlines_it_computes_not_those_recorded(
    session: AsyncSession,
) -> None:
    by_birth = await a_plan(session, date(2015, 3, 1))
    post16 = await a_plan(session, date(2009, 11, 11))
    recorded = await a_plan(
        session, date(2015, 3, 1), [a_deadline("phase_transfer_review", SCHOOL_2026, key="2026")]
    )
    found = {p.case_id: p.due for p in await cohort(session, conventions=INCLUSIVE)}
    assert found == {by_birth: date(2026, 2, 15), post16: date(2026, 3, 31), recorded: SCHOOL_2026}


async def test_another_year_another_cohort(session: AsyncSession) -> None:
    reception = await a_plan(session, date(2021, 1, 10))  # Reception in Sep 2025
    await a_plan(session, date(2015, 3, 1))  # Year 6 in Sep 2025
    assert [(p.case_id, p.due) for p in await cohort(session, 2025)] == [(reception, date(2025, 2, 14))]


async def test_the_cohort_pages_by_deadline_then_case(session: AsyncSession) -> None:
    ids = [await a_plan(session, date(2015, 3, 1)) for _ in range(3)]
    ids += [await a_plan(session, date(2009, 11, 11)) for _ in range(2)]
    expected = sorted(ids[:3]) + sorted(ids[3:])
    seen: list[uuid.UUID] = []
    after: str | None = None
    for _ in range(3):
        page = await list_transfer_plans(
            session=session, la_code="201", year=2026, conventions=STRICT, after=after, limit=2
        )
        seen += [p.case_id for p in page.plans]
        after = page.next_after
    assert seen == expected
    assert after is None
    with pytest.raises(InvalidCursor):
        await list_transfer_plans(
            session=session, la_code="201", year=2026, conventions=STRICT, after="nonsense"
        )


async def test_the_plan_measures_count_each_deadline_once_its_outcome_is_known(session: AsyncSession) -> None:
    period = {"due_from": date(2025, 9, 1), "due_to": date(2026, 8, 31), "as_of": date(2026, 3, 1)}
    await a_plan(
        session,
        date(2015, 3, 1),
        [
            a_deadline("review_decision", date(2025, 10, 1), met_on=date(2025, 9, 28)),  # on time
            a_deadline("review_decision", date(2025, 11, 1), met_on=date(2025, 11, 10)),  # late
            a_deadline("review_decision", date(2026, 2, 1)),  # never decided, past due: late
            a_deadline("review_decision", date(2026, 4, 1)),  # not due yet: not counted
            a_deadline("review_decision", date(2025, 8, 1), met_on=date(2025, 7, 1)),  # before the period
            a_deadline("review_due", date(2025, 12, 31), met_on=date(2025, 12, 15)),  # on time
            a_deadline("review_due", date(2026, 5, 1), met_on=date(2026, 2, 1)),  # reviewed early: on time
            a_deadline("amended_plan", date(2026, 1, 10), met_on=date(2026, 1, 20)),  # late
            a_deadline("final_plan", date(2025, 10, 1), met_on=date(2025, 9, 1)),  # not a plan measure
        ],
    )
    await a_plan(  # the amended plan on its due day; another authority's late review is not counted
        session, date(2015, 3, 1), [a_deadline("amended_plan", date(2025, 11, 3), met_on=date(2025, 11, 3))]
    )
    await a_plan(session, date(2015, 3, 1), [a_deadline("review_decision", date(2025, 10, 1))], la_code="202")

    result = await plan_kpis(session=session, la_code="201", **period)

    assert result.reviews_decided_within_4_weeks == Measure(within=1, total=3, percent=33.3)
    assert result.reviews_within_12_months == Measure(within=2, total=2, percent=100.0)
    assert result.amended_plans_within_8_weeks == Measure(within=1, total=2, percent=50.0)
    assert result.phase_transfers_by_deadline == Measure(within=0, total=0, percent=None)
    assert (result.due_from, result.due_to, result.as_of) == (
        date(2025, 9, 1),
        date(2026, 8, 31),
        date(2026, 3, 1),
    )


async def test_phase_transfers_finalised_by_their_deadline(session: AsyncSession) -> None:
    period = {"due_from": date(2026, 1, 1), "due_to": date(2026, 12, 31), "as_of": date(2026, 6, 1)}
    deadlines = [
        a_deadline("phase_transfer_review", SCHOOL_2026, key="2026", met_on=date(2026, 2, 14)),  # on the day
        a_deadline("phase_transfer_review", POST16_2026, key="2026", met_on=date(2026, 4, 2)),  # late
    ]
    for deadline in deadlines:
        await a_plan(session, date(2015, 3, 1), [deadline])
    await a_plan(session, date(2015, 3, 1), [a_deadline("phase_transfer_review", SCHOOL_2026, key="2026")])
    result = await plan_kpis(session=session, la_code="201", **period)
    assert result.phase_transfers_by_deadline == Measure(within=1, total=3, percent=33.3)
