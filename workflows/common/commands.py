"""The bookkeeping of a case workflow's commands, in one place: every command is an update whose
validator refuses an illegal step before anything is written, and whose handler runs one at a time under
the workflow's lock, checks again there (two commands racing cannot both pass), applies the step, and
answers with the case as it then stands. A command retried with the same update id (the caller's
Idempotency-Key) after it was applied, in this run or an earlier one, is answered, never refused and never
applied twice.

`command_handlers(State)` gives a workflow module its `@command(check)` decorator: the handler body is only
the step itself, the check a pure rule (`rules.py` beside the workflow). tests/workflows/test_commands.py
fails if an update that takes a `Command` is not made this way.

Deterministic: no I/O, no wall clock (`workflow.now()` only).
"""

from __future__ import annotations

import asyncio
import contextlib
import typing
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from datetime import date
from typing import Any, Generic, TypeVar, cast
from uuid import UUID

from temporalio import workflow
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from workflows.common.deadlines import DeadlineWatch, key_of
    from workflows.common.effects import SideEffects
    from workflows.common.ids import ATTENTION_QUERY, RETRY_FAILED_STEPS
    from workflows.common.messages import ActivityName, Actor, Attention, Command, DeadlineView
    from workflows.common.publisher import Publisher
    from workflows.common.records import CaseProjection, Change, DecisionRecord, Notice, Recipient

# How many of the latest commands' update ids a workflow keeps (and a plan carries to its next run):
# retries come within minutes.
APPLIED_KEPT = 20
COMMAND_MARK = "__ehcp_command__"  # set on every update handler made by `command`

S = TypeVar("S")  # the workflow's state, every command's answer
C = TypeVar("C", bound=Command)
F = TypeVar("F")  # the facts a workflow's rules judge a command by
W = TypeVar("W", bound="Commands[Any]")


class Commands(Generic[S]):
    """What every workflow with commands has: one command at a time under a lock, and the update ids of
    the latest commands applied. A workflow defines `state()` (its answer to every command) and `_facts()`
    (what its rules judge a command by), and calls `_init_lock(...)` (or `_init_commands`) in `__init__`.
    """

    def _init_lock(self, *, applied: list[str] | None = None) -> None:
        self._lock = asyncio.Lock()
        self._applied_ids = list(applied or [])
        self._side_effects = SideEffects()

    @workflow.query(name=ATTENTION_QUERY)
    def attention(self) -> list[Attention]:
        """The side effects that failed for good and wait for a retry (none, normally)."""
        return list(self._side_effects.failed)

    @workflow.update(name=RETRY_FAILED_STEPS)
    async def retry_failed_steps(self) -> int:
        """Run the failed side effects again, once their cause is mended; how many there were. Not under
        the lock: the steps it releases may be part of a command that holds it."""
        return self._side_effects.retry()

    @retry_failed_steps.validator
    def _nothing_to_retry(self) -> None:
        if not self._side_effects.failed:
            raise ApplicationError("nothing on this workflow is waiting for a retry", type="IllegalStep")

    def state(self) -> S:
        raise NotImplementedError

    def _facts(self) -> Any:
        raise NotImplementedError

    @contextlib.asynccontextmanager
    async def _command(self) -> AsyncIterator[None]:
        """One command at a time; its update id remembered once it is applied."""
        async with self._lock:
            yield
            self._applied()
            info = workflow.current_update_info()
            if info is not None and info.id not in self._applied_ids:
                self._applied_ids = [*self._applied_ids, info.id][-APPLIED_KEPT:]

    def _applied(self) -> None:
        """A command was applied: a hook for what follows every command."""

    def _repeated(self) -> bool:
        """This update's id was applied already, in this run or an earlier one."""
        info = workflow.current_update_info()
        return info is not None and info.id in self._applied_ids


class CaseCommands(Commands[S]):
    """The bookkeeping of a case workflow's commands: what a change writes (decisions, the read model,
    notices) gathered and sent as one `apply_change` that the command does not wait for (it answers once
    Temporal has its event); `_drain` waits for every such side effect; which deadlines were reported
    breached or escalated.
    """

    def _init_commands(
        self,
        *,
        workflow_id: str,
        case_id: UUID,
        case_ref: str,
        watch: DeadlineWatch,
        state_version: int = 0,
        applied: list[str] | None = None,
    ) -> None:
        self._init_lock(applied=applied)
        self._id = workflow_id
        self._case_id = case_id
        self._case_ref = case_ref  # the case's reference on its notices: the assessment's workflow id
        self._watch = watch
        self._publisher = Publisher(state_version=state_version)
        self._effects: list[asyncio.Task[object]] = []
        self._decisions: list[DecisionRecord] = []
        self._projection: CaseProjection | None = None
        self._notices: list[Notice] = []
        self._rearm = False  # a command recomputed already: the main loop only re-arms its timer
        # Taking an imported case's past steps (`ehcp import`): nothing is announced, and what they change
        # is held and sent as one change once the case is recorded.
        self._importing = False

    def _applied(self) -> None:
        """Send what the command changed; the main loop re-arms its timer for the changed case."""
        self._flush()
        self._rearm = True

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

    def _project(self, projection: CaseProjection) -> None:
        """The read model for the change under way, if it shows something new (see `Publisher`)."""
        prepared = self._publisher.prepare(projection)
        if prepared is not None:
            self._projection = prepared

    def _report_breaches(self, deadlines: list[DeadlineView]) -> None:
        """Tell the caseworker of each newly breached deadline; escalate statutory ones to a manager."""
        for template, d in self._watch.due_now(deadlines, workflow.now()):
            to: Recipient = "caseworker" if template == "deadline_breached" else "manager"
            limit = "statutory time limit" if d.statutory else "target (not a statutory time limit)"
            self._notice(
                template, to, f"{d.deadline} ({d.rule})", d.due, key=key_of(d), facts={"limit": limit}
            )

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
        if self._importing:  # a step of the council's earlier records, not taken in this service
            detail = {**(detail or {}), "imported_on": workflow.now().date().isoformat()}
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
    ) -> None:
        """A notice for the change under way, under the case's reference, idempotent by its key; none for
        the past steps of an imported case."""
        if self._importing:
            return
        self._notices.append(
            Notice(
                idempotency_key=f"{self._id}:{template}:{key or on.isoformat()}",
                case_id=self._case_id,
                workflow_id=self._case_ref,
                template=template,
                to=to,
                step=step,
                on=on,
                facts=facts or {},
            )
        )

    def _flush(self) -> None:
        """Send the change under way as one `apply_change`, not awaited (see `_later`); held while an
        imported case's past steps are taken."""
        if self._importing:
            return
        if self._decisions or self._projection is not None or self._notices:
            change = Change(
                case_id=self._case_id,
                decisions=self._decisions,
                projection=self._projection,
                notices=self._notices,
            )
            self._decisions, self._projection, self._notices = [], None, []
            self._later(self._side_effects.run(ActivityName.APPLY_CHANGE, change))


Apply = Callable[[W, C], Awaitable[None]]  # a command's step, once the command is judged legal
Check = Callable[[Any, C], None]  # a command's rule: (the workflow's facts, the command) -> refuse or not
Handler = workflow.UpdateMethodMultiParam[[W, C], S]


def command_handlers(state: type[S]) -> Callable[[Check[C]], Callable[[Apply[W, C]], Handler[W, C, S]]]:
    """The `@command(check)` decorator of a workflow whose commands answer with `state`.

    `check(facts, cmd)` is the command's rule: it raises a refusal (`workflows.common.rules.refuse`) for an
    illegal step. The decorated method applies the step; it is named after the update it is (the message's
    `update_name`) and takes the message as `cmd`.
    """

    def command(check: Check[C]) -> Callable[[Apply[W, C]], Handler[W, C, S]]:
        def decorate(apply: Apply[W, C]) -> Handler[W, C, S]:
            message: type[Command] = typing.get_type_hints(apply)["cmd"]
            name = getattr(apply, "__name__", message.update_name)
            if name != message.update_name:
                raise TypeError(f"{name} takes {message.__name__}, the command of {message.update_name}")

            async def handler(self: W, cmd: C) -> S:
                async with self._command():
                    if not self._repeated():
                        check(self._facts(), cmd)
                        await apply(self, cmd)
                answer: S = self.state()
                return answer

            def validator(self: W, cmd: C) -> None:
                if not self._repeated():
                    check(self._facts(), cmd)

            for fn, returns in ((handler, state), (validator, None)):
                fn.__name__ = fn.__qualname__ = name if fn is handler else f"_check_{name}"
                fn.__doc__ = getattr(apply, "__doc__", None)
                fn.__module__ = getattr(apply, "__module__", __name__)
                fn.__annotations__ = {"cmd": message, "return": returns}
            update = cast(Handler[W, C, S], workflow.update(name=message.update_name)(handler))
            update.validator(validator)
            setattr(handler, COMMAND_MARK, check)
            return update

        return decorate

    return command
