"""Accounts and agencies: a token finds its enabled account; only its hash is stored."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.agencies import create_agency, get_agency, list_agencies
from db.errors import InvalidRecord
from db.models import User
from db.users import create_user, find_user_by_token, get_user


async def test_a_token_finds_its_user_and_only_its_hash_is_stored(session: AsyncSession) -> None:
    user, token = await create_user(
        session=session, username="m.jones", display_name="M Jones", role="manager"
    )
    other, other_token = await create_user(
        session=session, username="a.khan", display_name="A Khan", role="caseworker"
    )
    assert len(token) >= 43
    assert token != other_token

    found = await find_user_by_token(session=session, token=token)
    assert found is not None
    assert (found.id, found.role) == (user.id, "manager")
    assert (await find_user_by_token(session=session, token=other_token)) is other
    assert await find_user_by_token(session=session, token=token + "x") is None
    stored = (await session.execute(select(User.token_hash).where(User.id == user.id))).scalar_one()
    assert stored == hashlib.sha256(token.encode()).hexdigest()
    assert token not in stored


async def test_a_disabled_user_is_not_found(session: AsyncSession) -> None:
    user, token = await create_user(session=session, username="gone", display_name="Gone", role="caseworker")
    user.disabled = True
    await session.flush()
    assert await find_user_by_token(session=session, token=token) is None
    assert await get_user(session=session, user_id=user.id) is user


async def test_agency_accounts_belong_to_an_agency(session: AsyncSession) -> None:
    agency = await create_agency(session=session, name="Northshire ICB", kind="health", email="send@icb.test")
    _, token = await create_user(
        session=session, username="icb", display_name="ICB", role="agency", agency_id=agency.id
    )
    found = await find_user_by_token(session=session, token=token)
    assert found is not None
    assert found.agency_id == agency.id
    with pytest.raises(InvalidRecord):
        await create_user(session=session, username="x", display_name="X", role="agency")
    with pytest.raises(InvalidRecord):
        await create_user(
            session=session, username="y", display_name="Y", role="manager", agency_id=agency.id
        )


async def test_agencies_are_listed_by_name_and_kind(session: AsyncSession) -> None:
    icb = await create_agency(session=session, name="Northshire ICB", kind="health", email="a@icb.test")
    school = await create_agency(
        session=session,
        name="Hill Primary",
        kind="school",
        email="senco@hill.test",
        webhook_url="https://hill.test/hook",
    )
    assert [a.id for a in await list_agencies(session=session)] == [school.id, icb.id]
    assert [a.id for a in await list_agencies(session=session, kind="health")] == [icb.id]
    got = await get_agency(session=session, agency_id=school.id)
    assert got is not None
    assert got.webhook_url == "https://hill.test/hook"
    with pytest.raises(InvalidRecord):
        await create_agency(session=session, name="?", kind="police", email="x@y.test")  # type: ignore[arg-type]
