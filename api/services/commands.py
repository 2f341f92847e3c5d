"""Commands on case workflows: one update each, audited whether refused or done, and answered with the
case or plan as it then stands.

A caseworker's or manager's command is one update of the workflow; the workflow's validator refuses an
illegal step before anything is written (api/services/temporal.py). The caller's Idempotency-Key is
recorded with the request first (api/services/idempotency.py): a key used for another request is refused
there, and the update id is derived from the key, never the key itself. Each kind of workflow has a
runner naming the workflow and reading the answer back.

Temporal's answer comes within the deadline given (`EHCP_TEMPORAL_DEADLINE_SECONDS`), and the audit line
written after it never changes that answer: a line the database cannot take is logged instead
(api/services/audit.py), so a command applied is never answered 500 and a refusal stays a refusal.
"""

from __future__ import annotations

import asyncio
import uuid
from abc import ABC, abstractmethod
from datetime import timedelta
from typing import Generic, TypeVar

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession
from temporalio.client import Client

from api.deps import CommandKey, Principal
from api.errors import ApiError
from api.services.audit import audit
from api.services.idempotency import fingerprint, record_key, state_now
from api.services.temporal import DEFAULT_DEADLINE, Missing, query_workflow, run_update
from db.cases import get_case
from workflows.assessment.messages import AssessmentState
from workflows.common.messages import Command
from workflows.plan.messages import PlanState

S = TypeVar("S", AssessmentState, PlanState)  # the workflow's answer
R_co = TypeVar("R_co", bound=BaseModel, covariant=True)  # the API's answer


# How long a command's answer waits for the read model to show what the command did: it is written by
# an activity the workflow starts as it answers, usually within a few tens of milliseconds.
CATCH_UP = timedelta(seconds=2)
CATCH_UP_POLL = 0.05  # seconds


async def read_model_caught_up(
    *, session: AsyncSession, case_id: uuid.UUID, state_version: int, within: timedelta = CATCH_UP
) -> bool:
    """Whether the case's read-model row shows `state_version` (or later), waiting up to `within`."""
    polls = max(1, int(within.total_seconds() / CATCH_UP_POLL))
    for poll in range(polls):
        row = await get_case(session=session, case_id=case_id)
        shown = row.state_version if row is not None else -1
        await session.commit()  # ends the read: SQLite's next one sees what was written since
        if shown >= state_version:
            return True
        if poll + 1 < polls:
            await asyncio.sleep(CATCH_UP_POLL)
    return False


class CommandRunner(ABC, Generic[S, R_co]):
    """Runs one command on a case's workflow of one kind and audits it, refused or done."""

    result_type: type[S]

    @abstractmethod
    def workflow_id(self, case_id: uuid.UUID) -> str: ...

    @abstractmethod
    def missing(self, case_id: uuid.UUID) -> Missing: ...

    @abstractmethod
    async def read(self, *, session: AsyncSession, case_id: uuid.UUID, state: S | None) -> R_co:
        """The API's answer: the case as it stands after the command (its live state absent once
        Temporal's retention has passed)."""

    async def __call__(
        self,
        *,
        session: AsyncSession,
        client: Client,
        user: Principal,
        case_id: uuid.UUID,
        command: Command,
        idempotency_key: CommandKey,
        deadline: timedelta = DEFAULT_DEADLINE,
        catch_up: timedelta = CATCH_UP,
    ) -> R_co:
        # What the caller decided: the body, which the path's own fields (a claim's id) are not part of.
        body = command.model_dump(mode="json", exclude=set(command.server_set))
        key = await record_key(
            session=session, user=user, key=idempotency_key, body_sha256=fingerprint(body), case_id=case_id
        )
        workflow_id = self.workflow_id(case_id)
        if key.applied:
            # A retry of a command Temporal applied: not sent again, answered as the case now stands.
            now = await query_workflow(
                client=client, workflow_id=workflow_id, result_type=self.result_type, deadline=deadline
            )
            return await self.read(session=session, case_id=case_id, state=now)
        try:
            state = await run_update(
                client=client,
                workflow_id=workflow_id,
                command=command,
                update_id=key.update_id,
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
                update_id=key.update_id,
                detail={"status": error.status_code},
            )
            raise
        await audit(
            session=session,
            user=user,
            action=f"command.{command.update_name}",
            case_id=case_id,
            update_id=key.update_id,
            detail={"stage": state.stage.value},
            with_line=key.mark_applied,
        )
        if key.repeat:
            state = await state_now(
                client=client,
                workflow_id=workflow_id,
                result_type=self.result_type,
                deadline=deadline,
                answered=state,
            )
        shown = await read_model_caught_up(
            session=session, case_id=case_id, state_version=state.state_version, within=catch_up
        )
        if not shown:
            # Never a row older than the state beside it (a final plan's answer once said `draft_served`
            # beside `final_issued`): absent, and the caller reads the case again in a moment.
            return (await self.read(session=session, case_id=case_id, state=state)).model_copy(
                update={"record": None}
            )
        return await self.read(session=session, case_id=case_id, state=state)
