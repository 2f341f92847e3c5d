"""The API lane: the real app through `httpx.ASGITransport`, a migrated SQLite file, accounts made with
`db.users.create_user`, and a fresh time-skipping Temporal environment per test whose worker runs the
real workflows, the real statute local activity and the workflow lane's fake side effects."""

from __future__ import annotations

import concurrent.futures
import sys
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from activities.statute import StatuteActivities
from api.app import create_app
from core.settings import Settings
from core.temporal import data_converter, register_search_attributes
from db.advice import record_advice_request
from db.agencies import create_agency
from db.cases import CaseProjection, project_case
from db.children import create_child
from db.engine import make_engine, make_session_factory
from db.migrate import upgrade
from db.models import AuditEntry
from db.users import create_user
from statute.model import Deadline
from tests.workflows.conftest import Fakes
from workflows.advice.workflow import AdviceRequestWorkflow
from workflows.assessment.workflow import AssessmentWorkflow
from workflows.common.ids import assessment_workflow_id
from workflows.plan.workflow import PlanWorkflow

TEST_SERVER = Path(sys.executable).parent / "temporal-test-server"
LA_CODE = "202"
UPLOAD_MAX_BYTES = 4096


@dataclass(frozen=True)
class Account:
    id: uuid.UUID
    token: str
    agency_id: uuid.UUID | None = None

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def command(self, key: str | None = None) -> dict[str, str]:
        """Headers of a command: the token and a fresh (or given) Idempotency-Key."""
        return {**self.auth, "Idempotency-Key": key or str(uuid.uuid4())}


@dataclass(frozen=True)
class People:
    caseworker: Account
    manager: Account
    admin: Account
    health: Account  # an agency account (Northshire ICB)
    psychology: Account  # an agency account (the EP service)


@dataclass
class Temporal:
    env: WorkflowEnvironment
    fakes: Fakes

    async def today(self) -> date:
        return (await self.env.get_current_time()).date()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        _env_file=None,
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'ehcp.db'}",
        la_code=LA_CODE,
        task_queue=f"tq-{uuid.uuid4()}",
        upload_max_bytes=UPLOAD_MAX_BYTES,
        # The lane's fakes write no read model, so a command's answer never waits for one to catch up.
        read_model_wait_seconds=0,
        # Each test reads the dashboard as its data stands (the cache has its own test).
        dashboard_figures_seconds=0,
    )


@pytest.fixture
async def sessions(settings: Settings) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    await upgrade(settings.database_url)
    engine = make_engine(settings.database_url)
    try:
        yield make_session_factory(engine)
    finally:
        await engine.dispose()


@pytest.fixture
async def temporal(settings: Settings) -> AsyncIterator[Temporal]:
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=str(TEST_SERVER), data_converter=data_converter(settings)
    )
    async with env:
        await register_search_attributes(env.client)
        fakes = Fakes()
        with concurrent.futures.ThreadPoolExecutor(max_workers=4) as executor:
            async with Worker(
                env.client,
                task_queue=settings.task_queue,
                workflows=[AssessmentWorkflow, AdviceRequestWorkflow, PlanWorkflow],
                activities=[*fakes.activities(), StatuteActivities().compute_timeline],
                activity_executor=executor,
            ):
                yield Temporal(env=env, fakes=fakes)


@pytest.fixture
async def people(sessions: async_sessionmaker[AsyncSession]) -> People:
    async with sessions() as session:
        health = await create_agency(
            session=session, name="Northshire ICB", kind="health", email="a@nhs.test"
        )
        ep = await create_agency(
            session=session, name="Northshire EP service", kind="educational_psychology", email="ep@la.test"
        )

        async def account(username: str, role: Any, agency_id: uuid.UUID | None = None) -> Account:
            user, token = await create_user(
                session=session, username=username, display_name=username, role=role, agency_id=agency_id
            )
            return Account(id=user.id, token=token, agency_id=agency_id)

        found = People(
            caseworker=await account("cw", "caseworker"),
            manager=await account("mgr", "manager"),
            admin=await account("admin", "admin"),
            health=await account("icb", "agency", health.id),
            psychology=await account("ep", "agency", ep.id),
        )
        await session.commit()
    return found


@pytest.fixture
async def api(
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    temporal: Temporal,
    people: People,
) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings, client=temporal.env.client, session_factory=sessions)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://ehcp.test") as client:
        yield client


def new_request(received_on: date, **changes: Any) -> dict[str, Any]:
    """The body of a create request for a year-5 child (who needs reg 6(1)(a)-(e) advice)."""
    body: dict[str, Any] = {
        "received_on": received_on.isoformat(),
        "source": "parent",
        "child": {
            "given_name": "Ada",
            "family_name": "Example",
            "date_of_birth": "2015-03-01",
            "year_group": 5,
        },
    }
    body.update(changes)
    return body


def advice_for(people: People) -> list[dict[str, str]]:
    """The five reg 6(1)(a)-(e) requests; health and psychology go to the two agency accounts."""
    other = str(people.health.agency_id)
    return [
        {"advice_id": "parent", "advice": "parent", "agency_id": other},
        {"advice_id": "school", "advice": "educational", "agency_id": other, "school": "Riverside"},
        {"advice_id": "health", "advice": "medical", "agency_id": str(people.health.agency_id)},
        {"advice_id": "ep", "advice": "psychological", "agency_id": str(people.psychology.agency_id)},
        {"advice_id": "social", "advice": "social_care", "agency_id": other},
    ]


async def project(
    session: AsyncSession,
    *,
    case_id: uuid.UUID | None = None,
    received_on: date,
    stage: str = "awaiting_decision_to_assess",
    caseworker_id: uuid.UUID | None = None,
    deadlines: list[Deadline] | None = None,
    agencies: dict[str, uuid.UUID] | None = None,
    la_code: str = LA_CODE,
    date_of_birth: date = date(2015, 3, 1),
    final_issued_on: date | None = None,
    given_name: str = "Ada",
    family_name: str = "Example",
    visual_impairment: bool = False,
) -> uuid.UUID:
    """Write a case into the read model as the workflow's activities would (the lane's fakes do not)."""
    child = await create_child(
        session=session,
        given_name=given_name,
        family_name=family_name,
        date_of_birth=date_of_birth,
        visual_impairment=visual_impairment,
    )
    case_id = case_id or uuid.uuid4()
    await project_case(
        session=session,
        case=CaseProjection(
            id=case_id,
            workflow_id=assessment_workflow_id(case_id),
            la_code=la_code,
            child_id=child.id,
            received_on=received_on,
            request_source="parent",
            stage=stage,
            caseworker_id=caseworker_id,
            final_issued_on=final_issued_on,
        ),
        deadlines=deadlines or [],
        agency_by_advice_id=agencies or {},
        state_version=1,
    )
    return case_id


async def record_sent_advice(
    session: AsyncSession, *, case_id: uuid.UUID, advice: list[dict[str, str]], on: date
) -> None:
    """Record the advice requests a decision to assess sent, as `record_advice_request` would."""
    for spec in advice:
        await record_advice_request(
            session=session,
            case_id=case_id,
            advice_id=spec["advice_id"],
            kind=spec["advice"],
            agency_id=uuid.UUID(spec["agency_id"]),
            requested_on=on,
            received_by_body_on=on,
            due_on=on,
        )


async def audited_actions(sessions: async_sessionmaker[AsyncSession], case_id: str) -> dict[str, int]:
    """How many times each action was audited on a case."""
    async with sessions() as session:
        rows = await session.execute(
            select(AuditEntry.action, func.count().label("n"))
            .where(AuditEntry.case_id == uuid.UUID(case_id))
            .group_by(AuditEntry.action)
        )
        return {row.action: row.n for row in rows.all()}
