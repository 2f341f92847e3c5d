"""Migration 0003 lets the read model hold `met_late` and `withdrawn` (docs/vocabulary.md), on both
databases, and the way back maps them to the nearest status 0002 knew."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.pool import NullPool

from db.engine import make_engine, make_session_factory
from db.migrate import downgrade, upgrade

from .factories import a_case, a_deadline, project


async def _statuses(url: str) -> list[str]:
    engine = make_engine(url, poolclass=NullPool)
    try:
        async with engine.connect() as connection:
            rows = await connection.execute(text("SELECT status FROM deadlines ORDER BY due"))
            return list(rows.scalars())
    finally:
        await engine.dispose()


async def test_the_new_statuses_are_stored_and_mapped_back_on_downgrade(empty_url: str) -> None:
    await upgrade(empty_url)
    engine = make_engine(empty_url, poolclass=NullPool)
    try:
        async with make_session_factory(engine)() as session:
            case = await a_case(session)
            deadlines = [
                a_deadline(
                    "decision_to_assess", date(2025, 2, 17), status="met_late", met_on=date(2025, 2, 20)
                ),
                a_deadline("advice", date(2025, 3, 24), key="sc", status="withdrawn"),
            ]
            assert await project(session, case, deadlines)
            await session.commit()
            with pytest.raises(IntegrityError):
                await session.execute(text("UPDATE deadlines SET status = 'late-ish'"))
            await session.rollback()
    finally:
        await engine.dispose()
    assert await _statuses(empty_url) == ["met_late", "withdrawn"]

    await downgrade(empty_url, "0002")
    assert await _statuses(empty_url) == ["overdue", "closed"]
    await upgrade(empty_url)
