"""Events, deadlines, actors and refusals built by hand for the workflows' rule tests: no Temporal server,
no statute engine. Due dates are derived from the law in the tests that use them (docs/statute.md)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date
from typing import Any, TypeVar

import pytest
from temporalio.exceptions import ApplicationError

from workflows.common.messages import Actor, DeadlineView, StatuteEvent

D = date.fromisoformat
CASEWORKER = Actor(actor_id=uuid.UUID(int=1), role="caseworker")
MANAGER = Actor(actor_id=uuid.UUID(int=2), role="manager")
ADMIN = Actor(actor_id=uuid.UUID(int=3), role="admin")
AGENCY_ID = uuid.UUID(int=100)
AGENCY = Actor(actor_id=uuid.UUID(int=4), role="agency", agency_id=AGENCY_ID)

F = TypeVar("F")
C = TypeVar("C")


def ev(event: str, day: str, **fields: Any) -> StatuteEvent:
    """One vocabulary event, as a workflow records it."""
    return StatuteEvent(event=event, date=D(day), **fields)


def deadline(
    name: str,
    due: str,
    *,
    start: StatuteEvent,
    status: str = "open",
    id: str | None = None,
    met_on: str | None = None,
    statutory: bool = True,
) -> DeadlineView:
    """A deadline as the statute engine would answer it, started by `start`."""
    return DeadlineView(
        deadline=name,
        id=id,
        due=D(due),
        practical_due=D(due),
        rule="",
        statutory=statutory,
        status=status,
        met_on=D(met_on) if met_on else None,
        from_event=start.event,
        from_date=start.date,
    )


def refusal(check: Callable[[F, C], None], facts: F, cmd: C, kind: str, *words: str) -> str:
    """The rule refuses the command with a refusal of this type whose message names every word."""
    with pytest.raises(ApplicationError) as caught:
        check(facts, cmd)
    error = caught.value
    assert error.type == kind, error.message
    assert error.non_retryable
    for word in words:
        assert word in error.message, error.message
    return error.message
