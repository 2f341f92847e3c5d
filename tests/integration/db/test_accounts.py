"""Tokens expire, and can be revoked and rotated; accounts are listed and disabled without SQL; every
change is audited by id, never by name or token. Times are passed in: nothing here reads the clock."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.agencies import create_agency
from db.errors import InvalidRecord
from db.models import AuditEntry
from db.users import (
    UnknownUser,
    create_user,
    find_user_by_token,
    list_users,
    lookup_token,
    revoke_token,
    rotate_token,
    set_disabled,
    token_problem,
)

ISSUED = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


async def test_a_token_works_until_its_lifetime_ends(session: AsyncSession) -> None:
    user, token = await create_user(
        session=session,
        username="sys.finance",
        display_name="Finance system",
        role="admin",
        lifetime=timedelta(days=30),
        now=ISSUED,
    )
    assert user.token_expires_at == ISSUED + timedelta(days=30)
    assert await find_user_by_token(session=session, token=token, now=ISSUED + timedelta(days=29)) is user
    expired_at = ISSUED + timedelta(days=30)
    assert await find_user_by_token(session=session, token=token, now=expired_at) is None
    assert await lookup_token(session=session, token=token) is user
    assert token_problem(user, expired_at) == "expired"


async def test_without_a_lifetime_a_token_gets_the_default_90_days(session: AsyncSession) -> None:
    user, _ = await create_user(
        session=session, username="d", display_name="D", role="caseworker", now=ISSUED
    )
    assert user.token_expires_at == ISSUED + timedelta(days=90)
    with pytest.raises(InvalidRecord, match="lifetime"):
        await create_user(
            session=session, username="e", display_name="E", role="caseworker", lifetime=timedelta(0)
        )


async def test_revoking_stops_the_token_at_once(session: AsyncSession) -> None:
    user, token = await create_user(session=session, username="cw", display_name="CW", role="caseworker")
    assert await revoke_token(session=session, username="cw", now=ISSUED) is True
    assert user.token_revoked_at == ISSUED
    assert await find_user_by_token(session=session, token=token) is None
    assert token_problem(user, ISSUED) == "revoked"
    assert await revoke_token(session=session, username="cw") is False  # already: nothing changes


async def test_rotating_issues_a_new_token_and_the_old_one_stops(session: AsyncSession) -> None:
    user, old = await create_user(session=session, username="cw", display_name="CW", role="caseworker")
    await revoke_token(session=session, username="cw")
    later = datetime(2026, 6, 1, tzinfo=UTC)
    rotated, new = await rotate_token(session=session, username="cw", lifetime=timedelta(days=7), now=later)
    assert rotated is user
    assert new != old
    assert user.token_revoked_at is None
    assert user.token_expires_at == later + timedelta(days=7)
    assert await lookup_token(session=session, token=old) is None
    assert await find_user_by_token(session=session, token=new, now=later) is user


async def test_disabling_and_enabling_without_sql(session: AsyncSession) -> None:
    user, token = await create_user(session=session, username="cw", display_name="CW", role="caseworker")
    assert await set_disabled(session=session, username="cw", disabled=True) is True
    assert await find_user_by_token(session=session, token=token) is None
    assert token_problem(user, ISSUED) == "disabled"
    assert await set_disabled(session=session, username="cw", disabled=True) is False
    assert await set_disabled(session=session, username="cw", disabled=False) is True
    assert await find_user_by_token(session=session, token=token) is user


async def test_an_unknown_username_is_named(session: AsyncSession) -> None:
    for change in (
        revoke_token(session=session, username="ghost"),
        rotate_token(session=session, username="ghost"),
        set_disabled(session=session, username="ghost", disabled=True),
    ):
        with pytest.raises(UnknownUser, match="'ghost'"):
            await change


async def test_the_list_shows_each_account_and_never_its_token(session: AsyncSession) -> None:
    icb = await create_agency(session=session, name="Northshire ICB", kind="health", email="a@icb.test")
    _, token = await create_user(
        session=session, username="icb", display_name="ICB", role="agency", agency_id=icb.id, now=ISSUED
    )
    await create_user(session=session, username="a.khan", display_name="A Khan", role="manager", now=ISSUED)
    await set_disabled(session=session, username="a.khan", disabled=True)
    listed = await list_users(session=session)
    assert [(a.username, a.role, a.agency, a.disabled) for a in listed] == [
        ("a.khan", "manager", None, True),
        ("icb", "agency", "Northshire ICB", False),
    ]
    assert listed[1].created_at == ISSUED
    assert listed[1].token_expires_at == ISSUED + timedelta(days=90)
    assert not any(hasattr(a, "token_hash") or token in repr(a) for a in listed)


async def test_every_change_to_an_account_is_audited_by_id(session: AsyncSession) -> None:
    user, token = await create_user(
        session=session, username="j.smith", display_name="J Smith", role="manager"
    )
    await revoke_token(session=session, username="j.smith")
    _, new = await rotate_token(session=session, username="j.smith")
    await set_disabled(session=session, username="j.smith", disabled=True)
    await set_disabled(session=session, username="j.smith", disabled=False)
    entries = (await session.execute(select(AuditEntry).order_by(AuditEntry.id))).scalars().all()
    assert [e.action for e in entries] == [
        "account.created",
        "account.token_revoked",
        "account.token_rotated",
        "account.disabled",
        "account.enabled",
    ]
    for entry in entries:
        assert entry.detail["user_id"] == str(user.id)
        assert entry.actor_id is None  # made from the command line, by no account of the service
        text = json.dumps(entry.detail)
        assert "j.smith" not in text
        assert "J Smith" not in text
        assert token not in text
        assert new not in text
