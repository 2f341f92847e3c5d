"""The health check a load balancer polls: no authentication, the database must answer."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from api.deps import SessionDep
from api.errors import Unavailable
from api.schemas.common import error_responses
from api.schemas.health import HealthRead

router = APIRouter(prefix="/api", tags=["operations"])


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
