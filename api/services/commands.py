"""Commands on case workflows: one update each, audited whether refused or done, and answered with the
case or plan as it then stands.

A caseworker's or manager's command is one update of the workflow, its id the caller's Idempotency-Key;
the workflow's validator refuses an illegal step before anything is written (api/services/temporal.py).
Each kind of workflow has a runner naming the workflow and reading the answer back.

Temporal's answer comes within the deadline given (`EHCP_TEMPORAL_DEADLINE_SECONDS`), and the audit line
written after it never changes that answer: a line the database cannot take is logged instead
(api/services/audit.py), so a command applied is never answered 500 and a refusal stays a refusal.
"""

from __future__ import annotations

import uuid
from abc import ABC, abstractmethod
from datetime import timedelta
from typing import Generic, TypeVar

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession
from temporalio.client import Client

from api.deps import Principal
from api.errors import ApiError
from api.services.audit import audit
from api.services.temporal import DEFAULT_DEADLINE, Missing, run_update
from workflows.assessment.messages import AssessmentState
from workflows.common.messages import Command
from workflows.plan.messages import PlanState

S = TypeVar("S", AssessmentState, PlanState)  # the workflow's answer
R_co = TypeVar("R_co", bound=BaseModel, covariant=True)  # the API's answer


class CommandRunner(ABC, Generic[S, R_co]):
    """Runs one command on a case's workflow of one kind and audits it, refused or done."""

    result_type: type[S]

    @abstractmethod
    def workflow_id(self, case_id: uuid.UUID) -> str: ...

    @abstractmethod
    def missing(self, case_id: uuid.UUID) -> Missing: ...

    @abstractmethod
    async def read(self, *, session: AsyncSession, case_id: uuid.UUID, state: S) -> R_co:
        """The API's answer: the case as it stands after the command."""

    async def __call__(
        self,
        *,
        session: AsyncSession,
        client: Client,
        user: Principal,
        case_id: uuid.UUID,
        command: Command,
        idempotency_key: str,
        deadline: timedelta = DEFAULT_DEADLINE,
    ) -> R_co:
        try:
            state = await run_update(
                client=client,
                workflow_id=self.workflow_id(case_id),
                command=command,
                update_id=idempotency_key,
                result_type=self.result_type,
                missing=self.missing(case_id),
                deadline=deadline,
            )
        except ApiError as error:
            await audit(
                session=session,
                user=user,
                action=f"command.{command.update_name}.refused",
                case_id=case_id,
                update_id=idempotency_key,
                detail={"status": error.status_code},
            )
            raise
        await audit(
            session=session,
            user=user,
            action=f"command.{command.update_name}",
            case_id=case_id,
            update_id=idempotency_key,
            detail={"stage": state.stage.value},
        )
        return await self.read(session=session, case_id=case_id, state=state)
