"""Small builders for the records the tests need: agencies, staff, children, cases, deadlines."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from db.agencies import create_agency
from db.cases import CaseProjection, project_case
from db.children import create_child
from db.models import Agency, AgencyKind, User
from db.users import create_user
from statute.model import Deadline, ExceptionVerdict
from workflows.common.ids import assessment_workflow_id


async def an_agency(
    session: AsyncSession, name: str = "Northshire ICB", kind: AgencyKind = "health"
) -> Agency:
    return await create_agency(
        session=session, name=name, kind=kind, email=f"{uuid.uuid4().hex[:8]}@nhs.test"
    )


async def a_caseworker(session: AsyncSession, username: str | None = None) -> User:
    user, _ = await create_user(
        session=session,
        username=username or f"cw-{uuid.uuid4().hex[:8]}",
        display_name="A Caseworker",
        role="caseworker",
    )
    return user


async def a_case(
    session: AsyncSession,
    *,
    received_on: date = date(2025, 1, 6),
    la_code: str = "201",
    caseworker_id: uuid.UUID | None = None,
    stage: str = "decision_to_assess",
    date_of_birth: date = date(2016, 3, 4),
) -> CaseProjection:
    child = await create_child(
        session=session, given_name="Sam", family_name="Example", date_of_birth=date_of_birth
    )
    case_id = uuid.uuid4()
    return CaseProjection(
        id=case_id,
        workflow_id=assessment_workflow_id(case_id),
        la_code=la_code,
        child_id=child.id,
        received_on=received_on,
        request_source="parent",
        stage=stage,
        caseworker_id=caseworker_id,
    )


def a_deadline(
    name: str,
    due: date,
    *,
    key: str | None = None,
    status: str = "open",
    met_on: date | None = None,
    from_date: date | None = None,
    window: bool = False,
    exception_accepted: bool | None = None,
) -> Deadline:
    start = from_date or due - timedelta(weeks=6)
    exception = (
        ExceptionVerdict(
            deadline=name,
            kind="personal_circumstances",
            accepted=exception_accepted,
            reason="r",
            claimed=start,
        )
        if exception_accepted is not None
        else None
    )
    return Deadline(
        deadline=name,
        id=key,
        due=due,
        practical_due=due,
        rule="reg 4(1)",
        statutory=True,
        window=window,
        from_event="request_received",
        from_date=start,
        met_on=met_on,
        status=status,
        exception=exception,
    )


async def project(
    session: AsyncSession,
    case: CaseProjection,
    deadlines: list[Deadline],
    *,
    version: int = 1,
    agencies: dict[str, uuid.UUID] | None = None,
) -> bool:
    return await project_case(
        session=session,
        case=case,
        deadlines=deadlines,
        agency_by_advice_id=agencies or {},
        state_version=version,
    )
