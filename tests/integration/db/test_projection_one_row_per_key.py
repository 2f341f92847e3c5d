"""The read model holds one row per (case, deadline, key, clock start): two occurrences of a deadline whose
clocks start the same day (a reassessment requested, refused and requested again that day) are one row,
the later one, and the projection is written. Before, the insert broke the table's key, `apply_change`
failed on every retry and the case's read model stayed behind its workflow for ever (issue 9 s.11)."""

from __future__ import annotations

from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from db.cases import get_case, list_case_deadlines

from .factories import a_case, a_deadline, project

REQUESTED = date(2025, 3, 3)
DUE = date(2025, 3, 18)


async def test_two_occurrences_from_one_day_are_one_row_the_later(session: AsyncSession) -> None:
    case = await a_case(session)
    first = a_deadline("reassessment_decision", DUE, from_date=REQUESTED, met_on=REQUESTED, status="met")
    again = a_deadline("reassessment_decision", DUE, from_date=REQUESTED)
    other = a_deadline("review_decision", date(2025, 4, 1), from_date=REQUESTED)
    assert await project(session, case, [first, other, again], version=1)

    rows = await list_case_deadlines(session=session, case_id=case.id)
    assert [(r.deadline, r.from_date, r.status, r.met_on) for r in rows] == [
        ("reassessment_decision", REQUESTED, "open", None),
        ("review_decision", REQUESTED, "open", None),
    ]
    stored = await get_case(session=session, case_id=case.id)
    assert stored is not None
    assert stored.state_version == 1


async def test_the_next_version_replaces_the_collapsed_row(session: AsyncSession) -> None:
    case = await a_case(session)
    same = a_deadline("reassessment_decision", DUE, from_date=REQUESTED, met_on=REQUESTED, status="met")
    assert await project(session, case, [same, same], version=1)
    assert await project(session, case, [same, same], version=2)

    rows = await list_case_deadlines(session=session, case_id=case.id)
    assert [(r.deadline, r.status, r.state_version) for r in rows] == [("reassessment_decision", "met", 2)]
