"""The child and the people to contact: the only records that hold personal data (UK GDPR Art 9).

The lists (cases, overdue steps, an agency's advice requests) show who each row is about by joining
`children` in their own query: `ChildName` is what they read of the child, its names and date of birth,
never the UPN or postcode. `named` is the case list's search by name: the start of the given or family
name, or of both as "given family", whatever the case, on both databases. The indexes on
`lower(given_name)` and `lower(family_name)` (migration 0005) serve it: on PostgreSQL through their
`text_pattern_ops` and the LIKE's fixed prefix, on SQLite through a range of the same prefix, which
SQLite's LIKE cannot use an expression's index for.
"""

from __future__ import annotations

import string
import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any, Final

from sqlalchemy import ColumnElement, SQLColumnExpression, and_, func, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Child, Contact

# What a list reads of the child it shows: nothing else of the child leaves `children` in a list.
CHILD_NAME_COLUMNS: Final = (Child.given_name, Child.family_name, Child.date_of_birth)


@dataclass(frozen=True, slots=True)
class ChildName:
    """Who a case is about, as a list shows it: the names and date of birth."""

    given_name: str
    family_name: str
    date_of_birth: date

    @classmethod
    def of(cls, row: Any) -> ChildName:
        """From a result row holding `CHILD_NAME_COLUMNS`."""
        return cls(given_name=row.given_name, family_name=row.family_name, date_of_birth=row.date_of_birth)


_ESCAPE: Final = "\\"
# SQLite's own lower() folds A-Z and nothing else (it has no Unicode tables without ICU): the range below
# must be the prefix as SQLite lowers it.
_SQLITE_LOWER: Final = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)


def _like_prefix(term: str) -> str:
    """A LIKE pattern for strings starting with `term`, its `%` and `_` meaning themselves."""
    escaped = term.replace(_ESCAPE, _ESCAPE * 2).replace("%", _ESCAPE + "%").replace("_", _ESCAPE + "_")
    return escaped + "%"


def _after_prefix(prefix: str) -> str | None:
    """The least string above every string starting with `prefix`, in code point order (SQLite's BINARY
    collation, on UTF-8); None when there is none to bind (the last character is the highest code point,
    or the next one is a surrogate)."""
    following = ord(prefix[-1]) + 1
    if following > 0x10FFFF or 0xD800 <= following <= 0xDFFF:
        return None
    return prefix[:-1] + chr(following)


def _starts_with(column: SQLColumnExpression[str], term: str, dialect: str) -> ColumnElement[bool]:
    """`lower(column)` starts with `lower(term)`, as the backend lowers them both."""
    lowered = func.lower(column)
    condition = lowered.like(func.lower(literal(_like_prefix(term))), escape=_ESCAPE)
    if dialect != "sqlite":
        return condition  # PostgreSQL: the LIKE's fixed prefix uses the text_pattern_ops index
    # SQLite uses an expression's index for a range, never for LIKE: the same prefix as a range.
    low = term.translate(_SQLITE_LOWER)
    high = _after_prefix(low)
    in_range = lowered >= low if high is None else and_(lowered >= low, lowered < high)
    return and_(in_range, condition)


def named(term: str, dialect: str) -> ColumnElement[bool]:
    """The children whose given name, family name or "given family" starts with `term`, whatever the
    case (`lower` on both sides: SQLite's folds A-Z only, PostgreSQL's every letter). `%` and `_` are
    literal. `dialect` is the session's backend (`sqlite`, `postgresql`).

    Each alternative narrows by one of the two name indexes: "given family" by the given name's start,
    the part of `term` before its first space (a given name is never shorter than that part, since the
    space that follows it in "given family" is the first space of `term` or later).
    """
    alternatives = [
        _starts_with(Child.given_name, term, dialect),
        _starts_with(Child.family_name, term, dialect),
    ]
    first, space, _ = term.partition(" ")
    if space and first:
        full_name = Child.given_name + " " + Child.family_name
        alternatives.append(
            and_(_starts_with(Child.given_name, first, dialect), _starts_with(full_name, term, dialect))
        )
    return or_(*alternatives)


async def create_child(
    *,
    session: AsyncSession,
    given_name: str,
    family_name: str,
    date_of_birth: date,
    upn: str | None = None,
    year_group: int | None = None,
    visual_impairment: bool = False,
    hearing_impairment: bool = False,
    postcode: str | None = None,
) -> Child:
    child = Child(
        given_name=given_name,
        family_name=family_name,
        date_of_birth=date_of_birth,
        upn=upn,
        year_group=year_group,
        visual_impairment=visual_impairment,
        hearing_impairment=hearing_impairment,
        postcode=postcode,
    )
    session.add(child)
    await session.flush()
    return child


async def get_child(*, session: AsyncSession, child_id: uuid.UUID) -> Child | None:
    return await session.get(Child, child_id)


async def add_contact(
    *,
    session: AsyncSession,
    child_id: uuid.UUID,
    name: str,
    relationship: str,
    email: str | None = None,
    phone: str | None = None,
    parental_responsibility: bool = False,
) -> Contact:
    contact = Contact(
        child_id=child_id,
        name=name,
        relationship=relationship,
        email=email,
        phone=phone,
        parental_responsibility=parental_responsibility,
    )
    session.add(contact)
    await session.flush()
    return contact


async def list_contacts(*, session: AsyncSession, child_id: uuid.UUID) -> list[Contact]:
    stmt = select(Contact).where(Contact.child_id == child_id).order_by(Contact.name, Contact.id)
    return list((await session.execute(stmt)).scalars())
