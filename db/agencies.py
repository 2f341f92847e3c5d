"""The bodies the LA asks for advice: schools, health, educational psychology, social care."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.errors import InvalidRecord
from db.models import AGENCY_KINDS, Agency, AgencyKind


async def create_agency(
    *,
    session: AsyncSession,
    name: str,
    kind: AgencyKind,
    email: str,
    webhook_url: str | None = None,
) -> Agency:
    if kind not in AGENCY_KINDS:
        raise InvalidRecord(f"unknown agency kind {kind!r}")
    agency = Agency(name=name, kind=kind, email=email, webhook_url=webhook_url)
    session.add(agency)
    await session.flush()
    return agency


async def get_agency(*, session: AsyncSession, agency_id: uuid.UUID) -> Agency | None:
    return await session.get(Agency, agency_id)


async def missing_agencies(*, session: AsyncSession, agency_ids: Iterable[uuid.UUID]) -> set[uuid.UUID]:
    """Those of `agency_ids` that name no agency, in one query: what a decision would send advice
    requests to that the database's foreign keys would refuse."""
    wanted = set(agency_ids)
    if not wanted:
        return set()
    found = await session.execute(select(Agency.id).where(Agency.id.in_(wanted)))
    return wanted - set(found.scalars())


async def list_agencies(*, session: AsyncSession, kind: AgencyKind | None = None) -> list[Agency]:
    """Every agency (or those of one kind), by name."""
    stmt = select(Agency).order_by(Agency.name, Agency.id)
    if kind is not None:
        stmt = stmt.where(Agency.kind == kind)
    return list((await session.execute(stmt)).scalars())
