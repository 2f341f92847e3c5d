"""KPIs on a hand-built set of cases whose answers are worked out below (docs/statute.md §3)."""

from __future__ import annotations

from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from db.kpis import Measure, kpis

from .factories import a_case, a_deadline, an_agency, project

FROM, TO = date(2025, 1, 1), date(2025, 3, 31)


async def test_kpis_on_known_cases(session: AsyncSession) -> None:
    health = await an_agency(session, "Northshire ICB", "health")
    social_care = await an_agency(session, "Northshire Social Care", "social_care")
    agencies = {"health": health.id, "social_care": social_care.id}

    # 1: decided on time, plan on time; both advice returned on time.
    c1 = await a_case(session, received_on=date(2025, 1, 6))
    await project(
        session,
        c1,
        [
            a_deadline("decision_to_assess", date(2025, 2, 17), status="met", met_on=date(2025, 2, 10)),
            a_deadline("advice", date(2025, 3, 24), key="health", status="met", met_on=date(2025, 3, 20)),
            a_deadline(
                "advice", date(2025, 3, 24), key="social_care", status="met", met_on=date(2025, 3, 24)
            ),
            a_deadline("final_plan", date(2025, 5, 26), status="met", met_on=date(2025, 5, 20)),
        ],
        agencies=agencies,
    )
    # 2: decided late; health advice late; plan late under an accepted exception (the exception case).
    c2 = await a_case(session, received_on=date(2025, 1, 13))
    await project(
        session,
        c2,
        [
            a_deadline("decision_to_assess", date(2025, 2, 24), status="overdue", met_on=date(2025, 3, 3)),
            a_deadline("advice", date(2025, 3, 31), key="health", status="overdue", met_on=date(2025, 4, 10)),
            a_deadline(
                "final_plan",
                date(2025, 6, 2),
                status="excepted",
                met_on=date(2025, 6, 20),
                exception_accepted=True,
            ),
        ],
        agencies=agencies,
    )
    # 3: decided on the due day (on time); decided not to issue on time; health advice outstanding.
    c3 = await a_case(session, received_on=date(2025, 2, 3))
    await project(
        session,
        c3,
        [
            a_deadline("decision_to_assess", date(2025, 3, 17), status="met", met_on=date(2025, 3, 17)),
            a_deadline("advice", date(2025, 4, 28), key="health", status="overdue"),
            # decided without it: no longer owed, so not outstanding (issue 9 s.4)
            a_deadline("advice", date(2025, 4, 28), key="social_care", status="withdrawn"),
            a_deadline("decision_not_to_issue", date(2025, 5, 26), status="met", met_on=date(2025, 5, 19)),
        ],
        agencies=agencies,
    )
    # 4: not decided yet: in no denominator but the count of requests.
    c4 = await a_case(session, received_on=date(2025, 2, 10))
    await project(session, c4, [a_deadline("decision_to_assess", date(2025, 3, 24), status="overdue")])
    # 5: decided on time; plan late, its exception refused: late in both measures.
    c5 = await a_case(session, received_on=date(2025, 3, 3))
    await project(
        session,
        c5,
        [
            a_deadline("decision_to_assess", date(2025, 4, 14), status="met", met_on=date(2025, 4, 10)),
            a_deadline(
                "final_plan",
                date(2025, 7, 21),
                status="overdue",
                met_on=date(2025, 7, 30),
                exception_accepted=False,
            ),
        ],
    )
    # Outside the figures: received before the period, and another LA's case.
    before = await a_case(session, received_on=date(2024, 12, 20))
    elsewhere = await a_case(session, received_on=date(2025, 1, 20), la_code="202")
    for outside in (before, elsewhere):
        await project(
            session,
            outside,
            [
                a_deadline("decision_to_assess", date(2025, 2, 1), status="overdue", met_on=date(2025, 3, 1)),
                a_deadline(
                    "advice", date(2025, 3, 1), key="health", status="overdue", met_on=date(2025, 4, 1)
                ),
                a_deadline("final_plan", date(2025, 5, 1), status="met", met_on=date(2025, 4, 1)),
            ],
            agencies=agencies,
        )

    result = await kpis(session=session, la_code="201", received_from=FROM, received_to=TO)

    assert result.requests == 5
    assert result.decided_within_6_weeks == Measure(within=3, total=4, percent=75.0)
    assert result.issued_within_20_weeks_including_exceptions == Measure(within=1, total=3, percent=33.3)
    assert result.issued_within_20_weeks_excluding_exceptions == Measure(within=1, total=2, percent=50.0)
    assert result.not_to_issue_within_16_weeks == Measure(within=1, total=1, percent=100.0)
    # No decision here has an exception, so leaving exceptions out changes neither figure.
    assert result.decided_within_6_weeks_excluding_exceptions == Measure(within=3, total=4, percent=75.0)
    assert result.not_to_issue_within_16_weeks_excluding_exceptions == Measure(
        within=1, total=1, percent=100.0
    )
    assert [(a.agency_id, a.agency_name, a.returned, a.outstanding) for a in result.advice_by_agency] == [
        (health.id, "Northshire ICB", Measure(within=1, total=2, percent=50.0), 1),
        (social_care.id, "Northshire Social Care", Measure(within=1, total=1, percent=100.0), 0),
    ]


async def test_an_empty_period_has_no_percentages(session: AsyncSession) -> None:
    case = await a_case(session, received_on=date(2024, 6, 3))
    await project(
        session,
        case,
        [a_deadline("decision_to_assess", date(2024, 7, 15), status="met", met_on=date(2024, 7, 1))],
    )
    result = await kpis(session=session, la_code="201", received_from=FROM, received_to=TO)
    assert result.requests == 0
    assert result.decided_within_6_weeks == Measure(within=0, total=0, percent=None)
    assert result.issued_within_20_weeks_excluding_exceptions.percent is None
    assert result.issued_within_20_weeks_including_exceptions.percent is None
    assert result.not_to_issue_within_16_weeks.percent is None
    assert result.decided_within_6_weeks_excluding_exceptions == Measure(within=0, total=0, percent=None)
    assert result.not_to_issue_within_16_weeks_excluding_exceptions.percent is None
    assert result.advice_by_agency == ()


async def test_the_6_and_16_week_measures_excluding_exceptions(session: AsyncSession) -> None:
    # A: both decisions late, each under an accepted exception: in the "including" figures only.
    a = await a_case(session, received_on=date(2025, 1, 6))
    await project(
        session,
        a,
        [
            a_deadline(
                "decision_to_assess",
                date(2025, 2, 17),
                status="excepted",
                met_on=date(2025, 3, 3),
                exception_accepted=True,
            ),
            a_deadline(
                "decision_not_to_issue",
                date(2025, 4, 28),
                status="excepted",
                met_on=date(2025, 5, 12),
                exception_accepted=True,
            ),
        ],
    )
    # B: decided late, its exception refused (late in both figures); not to issue on time.
    b = await a_case(session, received_on=date(2025, 1, 13))
    await project(
        session,
        b,
        [
            a_deadline(
                "decision_to_assess",
                date(2025, 2, 24),
                status="overdue",
                met_on=date(2025, 3, 10),
                exception_accepted=False,
            ),
            a_deadline("decision_not_to_issue", date(2025, 5, 5), status="met", met_on=date(2025, 5, 1)),
        ],
    )
    # C: decided on time; D: not decided yet, though its exception is accepted: in no denominator.
    c = await a_case(session, received_on=date(2025, 2, 3))
    await project(
        session,
        c,
        [a_deadline("decision_to_assess", date(2025, 3, 17), status="met", met_on=date(2025, 3, 14))],
    )
    d = await a_case(session, received_on=date(2025, 2, 10))
    await project(
        session,
        d,
        [a_deadline("decision_to_assess", date(2025, 3, 24), status="excepted", exception_accepted=True)],
    )
    # Another authority's excepted decision is in neither.
    elsewhere = await a_case(session, received_on=date(2025, 1, 20), la_code="202")
    await project(
        session,
        elsewhere,
        [
            a_deadline(
                "decision_to_assess",
                date(2025, 3, 3),
                status="met",
                met_on=date(2025, 3, 1),
                exception_accepted=True,
            )
        ],
    )

    result = await kpis(session=session, la_code="201", received_from=FROM, received_to=TO)

    assert result.requests == 4
    assert result.decided_within_6_weeks == Measure(within=1, total=3, percent=33.3)
    assert result.decided_within_6_weeks_excluding_exceptions == Measure(within=1, total=2, percent=50.0)
    assert result.not_to_issue_within_16_weeks == Measure(within=1, total=2, percent=50.0)
    assert result.not_to_issue_within_16_weeks_excluding_exceptions == Measure(
        within=1, total=1, percent=100.0
    )
    # The 20-week figures are untouched by exceptions on other deadlines.
    assert result.issued_within_20_weeks_excluding_exceptions == Measure(within=0, total=0, percent=None)
