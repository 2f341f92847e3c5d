"""Local accounts: staff in the embedded default, and agencies, who authenticate with an API token.

Only the SHA-256 of a token is stored; the token itself is shown once, when the account is made.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.errors import InvalidRecord
from db.models import ROLES, Role, User


def hash_token(token: str) -> str:
    """The SHA-256 hex digest stored for an API token (tokens carry 256 bits: no salt or stretching)."""
    return hashlib.sha256(token.encode()).hexdigest()


async def create_user(
    *,
    session: AsyncSession,
    username: str,
    display_name: str,
    role: Role,
    agency_id: uuid.UUID | None = None,
) -> tuple[User, str]:
    """Make an account; returns it and its plaintext API token, which is never stored or shown again."""
    if role not in ROLES:
        raise InvalidRecord(f"unknown role {role!r}")
    if (role == "agency") != (agency_id is not None):
        raise InvalidRecord("an agency account needs its agency_id; a staff account takes none")
    token = secrets.token_urlsafe(32)
    user = User(
        username=username,
        display_name=display_name,
        role=role,
        agency_id=agency_id,
        token_hash=hash_token(token),
    )
    session.add(user)
    await session.flush()
    return user, token


async def find_user_by_token(*, session: AsyncSession, token: str) -> User | None:
    """The enabled account this token belongs to, or None."""
    stmt = select(User).where(User.token_hash == hash_token(token), User.disabled.is_(False))
    return (await session.execute(stmt)).scalar_one_or_none()


async def get_user(*, session: AsyncSession, user_id: uuid.UUID) -> User | None:
    return await session.get(User, user_id)
