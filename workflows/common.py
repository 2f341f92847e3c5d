"""What every case workflow shares: activity options, and the bookkeeping of breaches and escalations.

Deterministic: no I/O, no wall clock (`workflow.now()` only).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Coroutine
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, TypeVar
from uuid import UUID

from temporalio import workflow
from temporalio.common import RetryPolicy, SearchAttributeKey
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from workflows.messages import (
        ActivityName,
        Actor,
        CaseProjection,
        Change,
        DeadlineView,
        DecisionRecord,
        Notice,
        Recipient,
        TimelineResult,
    )

T = TypeVar("T")

# Writes are idempotent, so an activity may be retried until the database or the notifier is back.
RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), maximum_interval=timedelta(minutes=5))

STAGE = SearchAttributeKey.for_keyword("EhcpStage")
NEXT_DEADLINE = SearchAttributeKey.for_keyword("EhcpNextDeadline")
NEXT_DUE = SearchAttributeKey.for_datetime("EhcpNextDue")
LA_CODE = SearchAttributeKey.for_keyword("EhcpLaCode")

# Periods that belong to the family: never breached, they simply close.
WINDOWS = frozenset({"representations_end", "appeal"})


def start_of(day: date) -> datetime:
    """Midnight UTC at the start of `day`: when a deadline due the day before becomes overdue."""
    return datetime.combine(day, time(0), tzinfo=UTC)


def key_of(d: DeadlineView) -> str:
    """A stable key for one occurrence of a deadline."""
    return f"{d.deadline}:{d.id or ''}:{d.from_date.isoformat()}"


def latest(timeline: TimelineResult | None, name: str) -> DeadlineView | None:
    """The latest occurrence (by the day it started) of a deadline on a timeline."""
    if timeline is None:
        return None
    found = [d for d in timeline.deadlines if d.deadline == name]
    return max(found, key=lambda d: d.from_date, default=None)


def is_pending(d: DeadlineView) -> bool:
    """Not met and not excepted: something still must happen. A deadline met late keeps the status
    `overdue` (it was missed), but nothing more is owed on it."""
    return d.deadline not in WINDOWS and d.met_on is None and d.status in ("open", "overdue")


def today() -> date:
    """Today's date by the workflow's clock (UTC; the statute activity works in England's date)."""
    return workflow.now().date()


async def run_activity(name: ActivityName, arg: Any, result_type: type[T] | None = None) -> T | None:
    """Run one side effect, retried until it succeeds (every activity is idempotent)."""
    result: T | None = await workflow.execute_activity(
        name, arg, result_type=result_type, start_to_close_timeout=timedelta(seconds=30), retry_policy=RETRY
    )
    return result


async def run_local(name: ActivityName, arg: Any, result_type: type[T]) -> T:
    """Run pure work whose answer must be recorded in history (the statute engine)."""
    result: T = await workflow.execute_local_activity(
        name, arg, result_type=result_type, start_to_close_timeout=timedelta(seconds=10)
    )
    return result


class DeadlineWatch:
    """Which deadlines have been reported breached or escalated, and when the next one falls due.

    A deadline is breached the day after its due date (overdue is `as_of > due`); a statutory one is
    escalated to a manager `escalate_after_days` later if still pending. Advice deadlines are left to
    their own `AdviceRequestWorkflow`. State is plain sets of keys, carried over continue-as-new.
    """

    def __init__(self, *, escalate_after_days: int, breached: set[str], escalated: set[str]) -> None:
        self.escalate_after = timedelta(days=escalate_after_days)
        self.breached = breached
        self.escalated = escalated

    def next_wake(self, deadlines: list[DeadlineView]) -> datetime | None:
        """When something next needs doing: a breach, an escalation, or a window closing."""
        wakes: list[datetime] = []
        for d in deadlines:
            if d.deadline == "advice":
                continue
            key = key_of(d)
            if is_pending(d) and key not in self.breached:
                wakes.append(start_of(d.due + timedelta(days=1)))
            elif is_pending(d) and d.statutory and key not in self.escalated:
                wakes.append(start_of(d.due + timedelta(days=1) + self.escalate_after))
            elif d.status == "open":  # a family's window: refresh the read model when it closes
                wakes.append(start_of(d.due + timedelta(days=1)))
        return min(wakes, default=None)

    def due_now(self, deadlines: list[DeadlineView], now: datetime) -> list[tuple[str, DeadlineView]]:
        """The notices owed now, as (template, deadline), marking them sent."""
        owed: list[tuple[str, DeadlineView]] = []
        for d in deadlines:
            if d.deadline == "advice" or not is_pending(d) or d.status != "overdue":
                continue
            key = key_of(d)
            if key not in self.breached:
                self.breached.add(key)
                owed.append(("deadline_breached", d))
            escalate_at = start_of(d.due + timedelta(days=1) + self.escalate_after)
            if d.statutory and key not in self.escalated and now >= escalate_at:
                self.escalated.add(key)
                owed.append(("deadline_escalated", d))
        return owed


async def wait_until(wake: datetime | None, done: Callable[[], bool]) -> None:
    """Sleep until `wake` (forever if None) or until `done()`; at once if `wake` has passed."""
    wait = None if wake is None else wake - workflow.now()
    if wait is not None and wait <= timedelta(0):
        return
    with contextlib.suppress(TimeoutError):
        await workflow.wait_condition(done, timeout=wait)


class Publisher:
    """Writes the read model and the search attributes, each only when what it shows has changed.

    The state version goes up once per projection actually written, so the read model's idempotency by
    (case id, state version) holds, and a refresh that changed nothing costs no activity and no
    visibility write.
    """

    def __init__(self, *, state_version: int = 0) -> None:
        self.state_version = state_version
        self._projected: CaseProjection | None = None
        self._searched: tuple[object, ...] | None = None

    def prepare(self, projection: CaseProjection) -> CaseProjection | None:
        """Decide now what to write (the version and the search attributes are settled at once): the
        projection to write with its state version, or None when the read model already shows this."""
        upcoming = min((d for d in projection.deadlines if is_pending(d)), key=lambda d: d.due, default=None)
        searched = (
            projection.stage,
            projection.la_code,
            upcoming.deadline if upcoming else None,
            upcoming.due if upcoming else None,
        )
        if searched != self._searched:
            workflow.upsert_search_attributes(
                [
                    STAGE.value_set(projection.stage.value),
                    LA_CODE.value_set(projection.la_code),
                    NEXT_DEADLINE.value_set(upcoming.deadline) if upcoming else NEXT_DEADLINE.value_unset(),
                    NEXT_DUE.value_set(start_of(upcoming.due)) if upcoming else NEXT_DUE.value_unset(),
                ]
            )
            self._searched = searched
        unversioned = projection.model_copy(update={"state_version": 0})
        if unversioned == self._projected:
            return None
        self.state_version += 1
        self._projected = unversioned
        return projection.model_copy(update={"state_version": self.state_version})


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
