"""Local accounts: staff in the embedded default, and agencies, who authenticate with an API token.

Only the SHA-256 of a token is stored; the token itself is shown once, when it is issued. A token works
until it expires (a lifetime the caller gives, `EHCP_TOKEN_LIFETIME_DAYS`) or is revoked, and only while
its account is enabled; rotating issues a new one and the old one stops at once. Every change to an
account is audited, by id (UK GDPR Art. 5(1)(f) and 32: access to personal data is controlled and can
be shown to have been).
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.audit import append_audit
from db.base import utcnow
from db.errors import InvalidRecord, NotFound
from db.models import DEFAULT_TOKEN_LIFETIME, ROLES, Agency, Role, User

# Why a token that matches an account is refused, in the order they are checked.
TokenProblem = Literal["disabled", "revoked", "expired"]


class UnknownUser(NotFound):
    """No account has the username given."""


@dataclass(frozen=True, slots=True)
class Listing:
    """One account as `ehcp users list` shows it: never its token or the token's hash."""

    username: str
    role: Role
    agency: str | None
    created_at: datetime
    token_expires_at: datetime
    token_revoked_at: datetime | None
    disabled: bool


def hash_token(token: str) -> str:
    """The SHA-256 hex digest stored for an API token (tokens carry 256 bits: no salt or stretching)."""
    return hashlib.sha256(token.encode()).hexdigest()


def _check_lifetime(lifetime: timedelta) -> None:
    if lifetime <= timedelta(0):
        raise InvalidRecord(f"a token's lifetime must be positive, not {lifetime}")


async def _audit(session: AsyncSession, action: str, user: User, **detail: object) -> None:
    # Account changes are made from the command line: no account of the service is the actor.
    await append_audit(
        session=session,
        action=action,
        actor_id=None,
        case_id=None,
        update_id=None,
        detail={"user_id": str(user.id), **detail},
    )


async def create_user(
    *,
    session: AsyncSession,
    username: str,
    display_name: str,
    role: Role,
    agency_id: uuid.UUID | None = None,
    lifetime: timedelta = DEFAULT_TOKEN_LIFETIME,
    now: datetime | None = None,
) -> tuple[User, str]:
    """Make an account; returns it and its plaintext API token, which is never stored or shown again.
    The token expires `lifetime` after `now` (default: the present)."""
    if role not in ROLES:
        raise InvalidRecord(f"unknown role {role!r}")
    if (role == "agency") != (agency_id is not None):
        raise InvalidRecord("an agency account needs its agency_id; a staff account takes none")
    _check_lifetime(lifetime)
    now = now or utcnow()
    token = secrets.token_urlsafe(32)
    user = User(
        username=username,
        display_name=display_name,
        role=role,
        agency_id=agency_id,
        token_hash=hash_token(token),
        created_at=now,
        token_expires_at=now + lifetime,
    )
    session.add(user)
    await session.flush()
    await _audit(session, "account.created", user, role=role, expires_at=user.token_expires_at.isoformat())
    return user, token


def token_problem(user: User, now: datetime) -> TokenProblem | None:
    """Why `user`'s current token may not be used at `now`, or None when it may."""
    if user.disabled:
        return "disabled"
    if user.token_revoked_at is not None:
        return "revoked"
    if user.token_expires_at <= now:
        return "expired"
    return None


async def lookup_token(*, session: AsyncSession, token: str) -> User | None:
    """The account whose current token this is, whether or not it may be used (`token_problem`)."""
    stmt = select(User).where(User.token_hash == hash_token(token))
    return (await session.execute(stmt)).scalar_one_or_none()


async def find_user_by_token(
    *, session: AsyncSession, token: str, now: datetime | None = None
) -> User | None:
    """The account this token belongs to if it may be used now: enabled, not revoked, not expired."""
    user = await lookup_token(session=session, token=token)
    if user is None or token_problem(user, now or utcnow()) is not None:
        return None
    return user


async def get_user(*, session: AsyncSession, user_id: uuid.UUID) -> User | None:
    return await session.get(User, user_id)


async def get_user_by_username(*, session: AsyncSession, username: str) -> User:
    """The account named `username`; `UnknownUser` when there is none."""
    user = (await session.execute(select(User).where(User.username == username))).scalar_one_or_none()
    if user is None:
        raise UnknownUser(f"no account is named {username!r}")
    return user


async def list_users(*, session: AsyncSession) -> list[Listing]:
    """Every account by username, with the name of the agency an agency account answers for."""
    stmt = select(User, Agency.name).outerjoin(Agency, Agency.id == User.agency_id).order_by(User.username)
    return [
        Listing(
            username=user.username,
            role=user.role,
            agency=agency,
            created_at=user.created_at,
            token_expires_at=user.token_expires_at,
            token_revoked_at=user.token_revoked_at,
            disabled=user.disabled,
        )
        for user, agency in (await session.execute(stmt)).all()
    ]


async def revoke_token(*, session: AsyncSession, username: str, now: datetime | None = None) -> bool:
    """Stop `username`'s token working from `now`. False when it was already revoked (nothing changes)."""
    user = await get_user_by_username(session=session, username=username)
    if user.token_revoked_at is not None:
        return False
    user.token_revoked_at = now or utcnow()
    await session.flush()
    await _audit(session, "account.token_revoked", user)
    return True


async def rotate_token(
    *,
    session: AsyncSession,
    username: str,
    lifetime: timedelta = DEFAULT_TOKEN_LIFETIME,
    now: datetime | None = None,
) -> tuple[User, str]:
    """Issue `username` a new token that expires `lifetime` after `now`; the old one stops at once.
    Returns the account and the plaintext token, which is never stored or shown again."""
    _check_lifetime(lifetime)
    user = await get_user_by_username(session=session, username=username)
    now = now or utcnow()
    token = secrets.token_urlsafe(32)
    user.token_hash = hash_token(token)
    user.token_expires_at = now + lifetime
    user.token_revoked_at = None
    await session.flush()
    await _audit(session, "account.token_rotated", user, expires_at=user.token_expires_at.isoformat())
    return user, token


async def set_disabled(*, session: AsyncSession, username: str, disabled: bool) -> bool:
    """Disable or enable `username`'s account. False when it already was (nothing changes)."""
    user = await get_user_by_username(session=session, username=username)
    if user.disabled == disabled:
        return False
    user.disabled = disabled
    await session.flush()
    await _audit(session, "account.disabled" if disabled else "account.enabled", user)
    return True


async def list_caseworkers(*, session: AsyncSession) -> list[User]:
    """The caseworkers a case can be given to, by name: accounts that can sign in today."""
    stmt = (
        select(User)
        .where(User.role == "caseworker", User.disabled.is_(False))
        .order_by(User.display_name, User.username)
    )
    return list((await session.execute(stmt)).scalars())
