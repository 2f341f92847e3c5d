"""Every command is an update made by `workflows.common.commands`' decorator: one at a time under the lock,
judged by its rule in the validator and again under the lock, answered (not refused, not applied twice)
when retried with the same update id. An update that takes a `Command` and was declared any other way
fails here, as does a command message no workflow handles.
"""

from __future__ import annotations

from typing import Any

import pytest
from temporalio import workflow
from temporalio.workflow import _Definition

from worker.main import WORKFLOWS
from workflows.assessment.workflow import AssessmentWorkflow
from workflows.common.commands import COMMAND_MARK, Commands, command_handlers
from workflows.common.ids import ACKNOWLEDGE_PLAN, ACKNOWLEDGE_REQUEST, RETRY_FAILED_STEPS
from workflows.common.messages import Command
from workflows.plan.messages import DecideReview, PlanState
from workflows.plan.workflow import PlanWorkflow

# Updates that take no command: answers that only wait and read, and the retry of failed side effects
# (an operator's, on every workflow: workflows/common/effects.py).
ANSWERS = {ACKNOWLEDGE_REQUEST, ACKNOWLEDGE_PLAN, RETRY_FAILED_STEPS}


def hand_made_commands(cls: type) -> list[str]:
    """The updates of a workflow class that take a command but do not come from the decorator."""
    found = []
    for name, update in _Definition.must_from_class(cls).updates.items():
        assert name is not None
        if name in ANSWERS:
            assert not update.arg_types, f"{cls.__name__}.{name} is an answer and takes no command"
            continue
        arg_types = update.arg_types or []
        message = arg_types[0] if len(arg_types) == 1 else None
        takes_command = isinstance(message, type) and issubclass(message, Command)
        made = getattr(update.fn, COMMAND_MARK, None) is not None and update.validator is not None
        if not (takes_command and made and getattr(message, "update_name", None) == name):
            found.append(name)
    return found


def every_command_message() -> list[type[Command]]:
    found: list[type[Command]] = []
    todo: list[type[Command]] = [Command]
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if "update_name" in cls.__dict__:
            found.append(cls)
    return found


@pytest.mark.parametrize("cls", WORKFLOWS, ids=lambda cls: cls.__name__)
def test_every_update_that_takes_a_command_comes_from_the_decorator(cls: type) -> None:
    assert hand_made_commands(cls) == []


def test_every_command_message_is_handled_by_one_update_of_its_name() -> None:
    handled = [
        name
        for cls in WORKFLOWS
        for name, update in _Definition.must_from_class(cls).updates.items()
        if name not in ANSWERS
    ]
    messages = every_command_message()
    assert len(messages) == 35
    assert {m.update_name for m in messages} == set(handled)
    # The steps of a disagreement have the same names on an assessment and on a plan.
    shared = sorted({name for name in handled if handled.count(name) > 1})
    assert shared == ["concede_appeal", "record_appeal", "record_appeal_outcome", "record_mediation"]


@workflow.defn(name="HandMade", sandboxed=False)
class HandMade(Commands[PlanState]):
    """A workflow whose command forgot the decorator: refused on retry instead of answered."""

    @workflow.run
    async def run(self) -> None:
        return None

    @workflow.update(name="decide_review")
    async def decide_review(self, cmd: DecideReview) -> PlanState:
        raise NotImplementedError


def test_a_command_declared_by_hand_is_found() -> None:
    assert hand_made_commands(HandMade) == ["decide_review"]


def test_a_command_named_unlike_its_update_is_refused_at_import() -> None:
    command = command_handlers(PlanState)

    def allow(facts: Any, cmd: DecideReview) -> None:
        return None

    with pytest.raises(TypeError, match="decide_review"):

        @command(allow)
        async def keep_plan(self: Any, cmd: DecideReview) -> None:
            return None


def test_the_answers_are_named_as_the_api_calls_them() -> None:
    assessment, plan = (
        _Definition.must_from_class(cls).updates for cls in (AssessmentWorkflow, PlanWorkflow)
    )
    assert ACKNOWLEDGE_REQUEST in assessment
    assert ACKNOWLEDGE_PLAN in plan
