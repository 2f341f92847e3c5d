"""The bookkeeping of a case workflow's commands: one at a time, and what each change writes and sends.

Deterministic: no I/O, no wall clock (`workflow.now()` only).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Coroutine
from datetime import date, timedelta
from typing import Any
from uuid import UUID

from temporalio import workflow
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from workflows.common.deadlines import today
    from workflows.common.effects import run_activity
    from workflows.common.messages import ActivityName, Actor
    from workflows.common.records import CaseProjection, Change, DecisionRecord, Notice, Recipient


def refuse(problem: str, kind: str = "IllegalStep") -> ApplicationError:
    """An illegal step: the API answers 409 (IllegalStep), 422 (InvalidInput) or 403 (Forbidden)."""
    return ApplicationError(problem, type=kind, non_retryable=True)


class CaseCommands:
    """The bookkeeping of a case workflow's commands: one at a time under a lock; what a change writes
    (decisions, the read model, notices) gathered and sent as one `apply_change` that the command does not
    wait for (it answers once Temporal has its event); `_drain` waits for every such side effect.

    A workflow using it sets `_id` and `_case_id` and calls `_init_commands()` in its `__init__`.
    """

    _id: str
    _case_id: UUID

    def _init_commands(self) -> None:
        self._lock = asyncio.Lock()
        self._effects: list[asyncio.Task[object]] = []
        self._decisions: list[DecisionRecord] = []
        self._projection: CaseProjection | None = None
        self._notices: list[Notice] = []
        self._rearm = False  # a command recomputed already: the main loop only re-arms its timer

    @contextlib.asynccontextmanager
    async def _command(self) -> AsyncIterator[None]:
        """One command at a time; afterwards the main loop re-arms its timer for the changed case."""
        async with self._lock:
            yield
            self._flush()
            self._rearm = True
            self._applied()

    def _applied(self) -> None:
        """A command was applied (a hook: the plan remembers its update ids across runs)."""

    def _later(self, work: Coroutine[Any, Any, object] | None) -> None:
        """Start a side effect without waiting for it; `_drain` waits for all of them."""
        if work is not None:
            self._effects = [task for task in self._effects if not task.done()]
            self._effects.append(asyncio.create_task(work))

    async def _drain(self) -> None:
        """Wait for every side effect started so far (and those they start)."""
        while self._effects:
            effects, self._effects = self._effects, []
            await asyncio.gather(*effects)

    def _record(
        self,
        kind: str,
        outcome: str,
        on: date,
        actor: Actor,
        reasons: str,
        *,
        detail: dict[str, str] | None = None,
    ) -> None:
        """A decision for the change under way, idempotent by the update id."""
        info = workflow.current_update_info()
        self._decisions.append(
            DecisionRecord(
                case_id=self._case_id,
                update_id=info.id if info else f"{self._id}:{kind}:{on}",
                kind=kind,
                outcome=outcome,
                decided_on=on,
                actor_id=actor.actor_id,
                reasons=reasons,
                detail=detail or {},
            )
        )

    def _notice(
        self,
        template: str,
        to: Recipient,
        step: str,
        on: date,
        *,
        key: str = "",
        facts: dict[str, str] | None = None,
        workflow_id: str | None = None,
    ) -> None:
        """A notice for the change under way, idempotent by its key."""
        self._notices.append(
            Notice(
                idempotency_key=f"{self._id}:{template}:{key or on.isoformat()}",
                case_id=self._case_id,
                workflow_id=workflow_id or self._id,
                template=template,
                to=to,
                step=step,
                on=on,
                facts=facts or {},
            )
        )

    def _flush(self) -> None:
        """Send the change under way as one `apply_change`, not awaited (see `_later`)."""
        if self._decisions or self._projection is not None or self._notices:
            change = Change(
                case_id=self._case_id,
                decisions=self._decisions,
                projection=self._projection,
                notices=self._notices,
            )
            self._decisions, self._projection, self._notices = [], None, []
            self._later(run_activity(ActivityName.APPLY_CHANGE, change))

    @staticmethod
    def _require_role(actor: Actor, *roles: str) -> None:
        if actor.role not in roles and actor.role != "admin":
            raise refuse(f"a {actor.role} cannot do this; it needs a {' or '.join(roles)}", "Forbidden")

    @staticmethod
    def _check_date(day: date, field: str, *, not_before: date) -> None:
        if day < not_before:
            raise refuse(
                f"{field}: {day} is before {not_before}, when the previous step happened", "InvalidInput"
            )
        if day > today() + timedelta(days=1):
            raise refuse(f"{field}: {day} is in the future", "InvalidInput")
