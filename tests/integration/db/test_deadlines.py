"""The overdue list: lateness judged at read time, filters, and keyset pages with no gaps or repeats."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from db.deadlines import OverdueStep, list_overdue_steps
from db.errors import InvalidCursor

from .factories import a_case, a_caseworker, a_deadline, an_agency, project

AS_OF = date(2025, 6, 10)
YESTERDAY = AS_OF - timedelta(days=1)


async def _all_steps(session: AsyncSession, **filters: object) -> list[OverdueStep]:
    page = await list_overdue_steps(session=session, as_of=AS_OF, limit=1000, **filters)  # type: ignore[arg-type]
    assert page.next_after is None
    return list(page.steps)


async def test_lateness_is_judged_at_read_time_not_from_the_stored_status(session: AsyncSession) -> None:
    case = await a_case(session)
    deadlines = [
        a_deadline("decision_to_assess", YESTERDAY, status="open"),  # the timer never fired: still late
        a_deadline("advice", date(2025, 5, 1), key="health", status="overdue"),
        a_deadline("advice", date(2025, 5, 2), key="social_care", status="overdue", met_on=date(2025, 5, 9)),
        a_deadline("advice", date(2025, 5, 3), key="educational", status="met", met_on=date(2025, 5, 1)),
        a_deadline("decision_not_to_issue", date(2025, 5, 4), status="excepted", exception_accepted=True),
        a_deadline("draft_target", AS_OF, status="open"),  # due today: not late yet
        a_deadline("advice", date(2025, 5, 5), key="school", status="withdrawn"),  # no longer asked for
        a_deadline("final_plan", date(2025, 5, 6), status="withdrawn"),  # the request was withdrawn
        a_deadline("review_due", date(2025, 5, 7), status="closed"),  # a limit that lapsed, not broken
        a_deadline("representations_end", date(2025, 6, 1), status="open", window=True),  # family's window
    ]
    assert await project(session, case, deadlines)

    steps = await _all_steps(session)
    assert [(s.deadline, s.key, s.days_overdue) for s in steps] == [
        ("advice", "health", 40),
        ("decision_to_assess", "", 1),
    ]
    assert all(s.workflow_id == case.workflow_id and s.case_id == case.id for s in steps)


async def test_due_soon_reaches_forward(session: AsyncSession) -> None:
    case = await a_case(session)
    deadlines = [
        a_deadline("decision_to_assess", YESTERDAY),
        a_deadline("draft_target", AS_OF),
        a_deadline("final_plan", AS_OF + timedelta(days=6)),
        a_deadline("decision_not_to_issue", AS_OF + timedelta(days=7)),
    ]
    assert await project(session, case, deadlines)
    steps = await _all_steps(session, due_within_days=7)
    assert [(s.deadline, s.days_overdue) for s in steps] == [
        ("decision_to_assess", 1),
        ("draft_target", 0),
        ("final_plan", -6),
    ]


async def test_filters_by_deadline_agency_and_caseworker(session: AsyncSession) -> None:
    health, social_care = (
        await an_agency(session, "ICB"),
        await an_agency(session, "Social care", "social_care"),
    )
    alice, bob = await a_caseworker(session), await a_caseworker(session)
    alices_case = await a_case(session, caseworker_id=alice.id)
    bobs_case = await a_case(session, caseworker_id=bob.id)
    agencies = {"health": health.id, "social_care": social_care.id}
    for case in (alices_case, bobs_case):
        deadlines = [
            a_deadline("decision_to_assess", YESTERDAY),
            a_deadline("advice", date(2025, 6, 1), key="health"),
            a_deadline("advice", date(2025, 6, 2), key="social_care"),
        ]
        assert await project(session, case, deadlines, agencies=agencies)

    assert len(await _all_steps(session)) == 6
    assert {(s.case_id, s.key) for s in await _all_steps(session, deadline="advice")} == {
        (alices_case.id, "health"),
        (alices_case.id, "social_care"),
        (bobs_case.id, "health"),
        (bobs_case.id, "social_care"),
    }
    health_steps = await _all_steps(session, agency_id=health.id)
    assert [(s.case_id, s.key, s.agency_id) for s in health_steps] == sorted(
        [(alices_case.id, "health", health.id), (bobs_case.id, "health", health.id)]
    )
    alices = await _all_steps(session, caseworker_id=alice.id)
    assert {s.case_id for s in alices} == {alices_case.id}
    assert len(alices) == 3
    both = await _all_steps(session, caseworker_id=bob.id, agency_id=social_care.id)
    assert [(s.case_id, s.key) for s in both] == [(bobs_case.id, "social_care")]


async def test_keyset_pages_walk_every_row_once_in_order(session: AsyncSession) -> None:
    # 39 cases x 3 deadlines on 4 distinct due dates, plus 3 occurrences of one deadline that differ only
    # by clock start: 120 rows, most of them tied on `due`.
    dues = [date(2025, 3, 3) + timedelta(days=7 * (i % 4)) for i in range(4)]
    for n in range(39):
        case = await a_case(session)
        deadlines = [
            a_deadline("decision_to_assess", dues[n % 4]),
            a_deadline("advice", dues[(n + 1) % 4], key="health"),
            a_deadline("advice", dues[(n + 1) % 4], key="educational"),
        ]
        assert await project(session, case, deadlines)
    recurring = await a_case(session)
    starts = [date(2025, 1, 1), date(2025, 1, 2), date(2025, 1, 3)]
    assert await project(
        session, recurring, [a_deadline("review_report", dues[0], from_date=d) for d in starts]
    )

    seen: list[OverdueStep] = []
    sizes = []
    after = None
    while True:
        page = await list_overdue_steps(session=session, as_of=AS_OF, after=after, limit=50)
        seen.extend(page.steps)
        sizes.append(len(page.steps))
        if page.next_after is None:
            break
        after = page.next_after
    assert sizes == [50, 50, 20]
    keys = [(s.due, s.case_id, s.deadline, s.key, s.from_date) for s in seen]
    assert len(set(keys)) == 120
    assert keys == sorted(keys)
    assert keys == [(s.due, s.case_id, s.deadline, s.key, s.from_date) for s in await _all_steps(session)]


async def test_a_full_last_page_has_no_next(session: AsyncSession) -> None:
    case = await a_case(session)
    assert await project(
        session, case, [a_deadline("final_plan", YESTERDAY), a_deadline("draft_target", YESTERDAY)]
    )
    page = await list_overdue_steps(session=session, as_of=AS_OF, limit=2)
    assert (len(page.steps), page.next_after) == (2, None)
    first = await list_overdue_steps(session=session, as_of=AS_OF, limit=1)
    assert first.next_after is not None
    second = await list_overdue_steps(session=session, as_of=AS_OF, limit=1, after=first.next_after)
    assert [s.deadline for s in first.steps + second.steps] == ["draft_target", "final_plan"]
    assert second.next_after is None


@pytest.mark.parametrize("cursor", ["not base64!", "bm90IGpzb24", "WyJhIl0"])
async def test_a_forged_cursor_is_refused(session: AsyncSession, cursor: str) -> None:
    with pytest.raises(InvalidCursor):
        await list_overdue_steps(session=session, as_of=AS_OF, after=cursor)


async def test_a_newer_projection_clears_what_was_overdue(session: AsyncSession) -> None:
    case = await a_case(session)
    late = a_deadline("decision_to_assess", YESTERDAY)
    assert await project(session, case, [late], version=1)
    assert len(await _all_steps(session)) == 1
    met = dataclasses.replace(late, status="overdue", met_on=AS_OF)
    assert await project(session, case, [met], version=2)
    assert await _all_steps(session) == []
