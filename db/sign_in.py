"""How a person signs in to the pages: an email address and a password (argon2id), in the embedded default;
or the council's OpenID provider, whose subject identifier (`users.oidc_subject`) names the account.

Only the password's argon2id hash is kept (argon2-cffi's defaults, RFC 9106's second recommended set), and
a hash made with weaker parameters than today's is replaced at the next sign-in. A password is at least 12
characters and at most 200 (the NCSC's advice: length, not rules of composition). An email address is kept
in lower case and is unique. Checking a password takes as long whether or not the address is known, so the
time of an answer does not tell which addresses have accounts. A subject belongs to one account at most.
Every change is audited, by id.
"""

from __future__ import annotations

import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.audit import append_audit
from db.errors import InvalidRecord
from db.models import User
from db.users import get_user_by_username

PASSWORD_MIN = 12
PASSWORD_MAX = 200
EMAIL_MAX = 320
OIDC_SUBJECT_MAX = 255  # the column's width; OpenID Connect allows a `sub` of 255 ASCII characters

_hasher = PasswordHasher()
# Verified against when no account has the address, so an unknown address costs the same time.
_NOBODY = _hasher.hash(secrets.token_urlsafe(16))


def normal_email(email: str) -> str:
    """The address as it is kept and looked up: trimmed, in lower case."""
    return email.strip().lower()


def hash_password(password: str) -> str:
    if not PASSWORD_MIN <= len(password) <= PASSWORD_MAX:
        raise InvalidRecord(
            f"a password must be {PASSWORD_MIN} to {PASSWORD_MAX} characters long, not {len(password)}"
        )
    return _hasher.hash(password)


def new_password() -> str:
    """A password to hand a person: 20 characters from an alphabet with no look-alikes."""
    alphabet = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "".join(secrets.choice(alphabet) for _ in range(20))


async def set_sign_in(
    *,
    session: AsyncSession,
    username: str,
    email: str | None = None,
    password: str | None = None,
    oidc_subject: str | None = None,
) -> User:
    """Give the account named `username` an email address, a password, an OpenID subject, or any of them
    (each as given)."""
    user = await get_user_by_username(session=session, username=username)
    if oidc_subject is not None:
        await link_oidc_subject(session=session, user=user, subject=oidc_subject)
    changed: list[str] = []
    if email is not None:
        address = normal_email(email)
        if not 3 <= len(address) <= EMAIL_MAX or "@" not in address:
            raise InvalidRecord("an email address needs an @ and at most 320 characters")
        other = await find_by_email(session=session, email=address)
        if other is not None and other.id != user.id:
            raise InvalidRecord("another account has this email address")
        user.email = address
        changed.append("email")
    if password is not None:
        user.password_hash = hash_password(password)
        changed.append("password")
    if changed:
        await session.flush()
        await _audit_change(session, user, changed)
    return user


async def _audit_change(session: AsyncSession, user: User, changed: list[str]) -> None:
    await append_audit(
        session=session,
        action="account.sign_in_set",
        actor_id=None,
        case_id=None,
        update_id=None,
        detail={"user_id": str(user.id), "changed": changed},
    )


async def find_by_oidc_subject(*, session: AsyncSession, subject: str) -> User | None:
    if not 1 <= len(subject) <= OIDC_SUBJECT_MAX:
        return None
    stmt = select(User).where(User.oidc_subject == subject)  # case-sensitive, as the provider issues it
    return (await session.execute(stmt)).scalar_one_or_none()


async def link_oidc_subject(*, session: AsyncSession, user: User, subject: str) -> None:
    """Sign `user` in by the provider's `subject` from now on (an administrator's `ehcp users link`, or the
    first OpenID sign-in with the account's verified email address). Audited."""
    if not 1 <= len(subject) <= OIDC_SUBJECT_MAX or subject != subject.strip():
        raise InvalidRecord(f"an OpenID subject is 1 to {OIDC_SUBJECT_MAX} characters, with no spaces around")
    other = await find_by_oidc_subject(session=session, subject=subject)
    if other is not None and other.id != user.id:
        raise InvalidRecord("another account has this OpenID subject")
    user.oidc_subject = subject
    await session.flush()
    await _audit_change(session, user, ["oidc_subject"])


async def find_by_email(*, session: AsyncSession, email: str) -> User | None:
    stmt = select(User).where(User.email == normal_email(email))  # kept in lower case: the index serves
    return (await session.execute(stmt)).scalar_one_or_none()


async def check_password(*, session: AsyncSession, email: str, password: str) -> User | None:
    """The account with this address and password, enabled or not (the caller says which may sign in);
    None when the address is unknown, has no password, or the password is wrong."""
    user = await find_by_email(session=session, email=email) if len(email) <= EMAIL_MAX else None
    stored = user.password_hash if user is not None else None
    try:
        _hasher.verify(stored or _NOBODY, password[:PASSWORD_MAX])
    except (VerificationError, InvalidHashError):
        return None
    if user is None or stored is None:
        return None
    if _hasher.check_needs_rehash(stored):
        user.password_hash = _hasher.hash(password)
        await session.flush()
    return user
