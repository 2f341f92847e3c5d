"""The child and the people to contact: the only records that hold personal data (UK GDPR Art 9)."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Child, Contact


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
