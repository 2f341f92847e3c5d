"""The health check a load balancer polls (liveness: the database must answer) and the readiness check
(the database, Temporal and a worker on the task queue: api/services/readiness.py). No authentication,
and neither answer names a host, queue, account or case."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, Response
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from api.deps import SessionDep, SettingsDep
from api.errors import Unavailable
from api.query import refuse_unknown_query
from api.schemas.common import error_responses
from api.schemas.health import HealthRead, ReadinessRead
from api.services.readiness import readiness

router = APIRouter(prefix="/api", tags=["operations"], dependencies=[Depends(refuse_unknown_query)])


@router.get(
    "/health",
    response_model=HealthRead,
    summary="Check the service is up",
    description=(
        "Answers `ok` once the case database answers a query, so the record of every step taken under "
        "the SEND Regulations 2014 can be written and read. No authentication."
    ),
    responses=error_responses(503),
)
async def health(session: SessionDep) -> HealthRead:
    try:
        await session.execute(text("SELECT 1"))
    except (SQLAlchemyError, OSError) as error:
        raise Unavailable("the case database does not answer") from error
    return HealthRead(status="ok")


@router.get(
    "/ready",
    response_model=ReadinessRead,
    summary="Check the service can take work",
    description=(
        "Answers `ready` once the case database answers, the workflow service answers, and a worker is "
        "polling the task queue: then a command under the SEND Regulations 2014 can be taken and its "
        "statutory clocks run. Otherwise 503, naming the part that is not ready and what to do. Each part "
        "is checked within `EHCP_TEMPORAL_DEADLINE_SECONDS`. No authentication."
    ),
    responses={503: {"model": ReadinessRead, "description": "A part the service needs is not ready"}},
)
async def ready(request: Request, response: Response, settings: SettingsDep) -> ReadinessRead:
    # Read from the app, not through the dependencies, which refuse a request before either is connected.
    found = await readiness(
        sessions=getattr(request.app.state, "sessions", None),
        client=getattr(request.app.state, "temporal", None),
        task_queue=settings.task_queue,
        deadline=settings.temporal_deadline,
    )
    if found.status != "ready":
        response.status_code = 503
        response.headers["Retry-After"] = "5"
    return found
