"""Migration 0002 gives every API token an expiry and a revocation time, on a database already in use.

Existing tokens expire 90 days after the upgrade runs (not after they were created, which would lock out
every long-standing system on upgrade day); rows that refer to an account (the audit log, documents) stay
intact, and the audit log stays append-only.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Connection, inspect, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool

from db.base import utcnow
from db.engine import make_engine, make_session_factory
from db.migrate import downgrade, upgrade
from db.models import User


def _columns(connection: Connection) -> dict[str, bool]:
    return {c["name"]: bool(c["nullable"]) for c in inspect(connection).get_columns("users")}


async def _seed_0001(url: str, created_at: datetime) -> tuple[uuid.UUID, uuid.UUID]:
    """A staff account and an agency account as 0001 stored them, and an audit line naming one."""
    engine = make_engine(url, poolclass=NullPool)
    staff, agency_user, agency = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    as_stored = created_at.replace(tzinfo=None) if url.startswith("sqlite") else created_at
    try:
        async with engine.begin() as connection:
            insert_user = text(
                "INSERT INTO users (id, username, display_name, role, agency_id, token_hash, created_at) "
                "VALUES (:id, :username, :username, :role, :agency_id, :hash, :at)"
            )
            await connection.execute(
                text(
                    "INSERT INTO agencies (id, name, kind, email, created_at) "
                    "VALUES (:id, 'Northshire ICB', 'health', 'icb@nhs.test', :at)"
                ),
                {"id": _bind(url, agency), "at": as_stored},
            )
            for user_id, username, role, agency_id, hash_ in (
                (staff, "m.jones", "manager", None, "a" * 64),
                (agency_user, "icb", "agency", _bind(url, agency), "b" * 64),
            ):
                await connection.execute(
                    insert_user,
                    {
                        "id": _bind(url, user_id),
                        "username": username,
                        "role": role,
                        "agency_id": agency_id,
                        "hash": hash_,
                        "at": as_stored,
                    },
                )
            await connection.execute(
                text(
                    "INSERT INTO audit_log (at, actor_id, action, detail) "
                    "VALUES (:at, :actor, 'case.viewed', '{}')"
                ),
                {"at": as_stored, "actor": _bind(url, staff)},
            )
    finally:
        await engine.dispose()
    return staff, agency_user


def _bind(url: str, value: uuid.UUID) -> object:
    # SQLAlchemy's Uuid stores 32 hex digits on SQLite; PostgreSQL takes the UUID itself.
    return value.hex if url.startswith("sqlite") else value


async def test_existing_tokens_expire_a_lifetime_after_the_upgrade(empty_url: str) -> None:
    await upgrade(empty_url, "0001")
    long_ago = datetime(2024, 1, 2, 9, 0, tzinfo=UTC)
    staff, agency_user = await _seed_0001(empty_url, long_ago)

    before = utcnow()
    await upgrade(empty_url)
    after = utcnow()

    engine = make_engine(empty_url, poolclass=NullPool)
    try:
        async with engine.connect() as connection:
            columns = await connection.run_sync(_columns)
        assert (columns["token_expires_at"], columns["token_revoked_at"]) == (False, True)  # NOT NULL, NULL
        async with make_session_factory(engine)() as session:
            for user_id in (staff, agency_user):
                user = await session.get(User, user_id)
                assert user is not None
                assert user.created_at == long_ago
                # Bracketed by the upgrade itself: from the migration's time, not from created_at.
                assert before + timedelta(days=90) <= user.token_expires_at <= after + timedelta(days=90)
                assert user.token_revoked_at is None
            count = await session.execute(text("SELECT count(*) FROM audit_log"))
            assert count.scalar_one() == 1
            with pytest.raises(DBAPIError, match="append-only"):
                await session.execute(text("DELETE FROM audit_log"))
    finally:
        await engine.dispose()


async def test_0002_downgrades_to_0001_keeping_the_accounts(empty_url: str) -> None:
    await upgrade(empty_url, "0001")
    await _seed_0001(empty_url, datetime(2025, 5, 1, tzinfo=UTC))
    await upgrade(empty_url)
    await downgrade(empty_url, "0001")
    engine = make_engine(empty_url, poolclass=NullPool)
    try:
        async with engine.connect() as connection:
            columns = await connection.run_sync(_columns)
            assert "token_expires_at" not in columns
            assert "token_revoked_at" not in columns
            usernames = await connection.execute(text("SELECT username FROM users ORDER BY username"))
            assert usernames.scalars().all() == ["icb", "m.jones"]
    finally:
        await engine.dispose()
    await upgrade(empty_url)
