"""The rules every workflow's commands share, as pure functions: who may act, and when a date may be.

A refusal is an `ApplicationError` whose type the API maps to its answer: `IllegalStep` (409, the step is
not legal where the case stands), `InvalidInput` (422, a field is wrong; the message names it) or
`Forbidden` (403). No Temporal server is needed to judge one: tests/unit/workflows/ call these directly.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from temporalio.exceptions import ApplicationError

from workflows.common.messages import Actor, AdviceSpec, StatuteEvent


def refuse(problem: str, kind: str = "IllegalStep") -> ApplicationError:
    """An illegal step: the API answers 409 (IllegalStep), 422 (InvalidInput) or 403 (Forbidden)."""
    return ApplicationError(problem, type=kind, non_retryable=True)


def require_role(actor: Actor, *roles: str) -> None:
    """Only these roles (and an admin) may take the step."""
    if actor.role not in roles and actor.role != "admin":
        raise refuse(f"{a(actor.role)} cannot do this; it needs {a(' or '.join(roles))}", "Forbidden")


def a(noun: str) -> str:
    """The noun with its article: "an agency", "a caseworker"."""
    return f"{'an' if noun[:1] in 'aeiou' else 'a'} {noun}"


def check_date(day: date, field: str, *, not_before: date, today: date) -> None:
    """A step is dated no earlier than the step before it, and not in the future (a day's grace for
    time zones: the workflow's clock is UTC, the council's England)."""
    if day < not_before:
        raise refuse(f"{field}: {day} is before {not_before}, when the step before happened", "InvalidInput")
    if day > today + timedelta(days=1):
        raise refuse(f"{field}: {day} is in the future", "InvalidInput")


def last(events: Sequence[StatuteEvent], name: str) -> StatuteEvent | None:
    """The latest event of this name."""
    return next((e for e in reversed(events) if e.event == name), None)


def awaits(events: Sequence[StatuteEvent], event: StatuteEvent, answer: str) -> bool:
    """`event` still awaits its `answer`: no `answer` event is dated on or after it."""
    later = last(events, answer)
    return later is None or later.date < event.date


def plan_issued(plan: str, school_named: str | None) -> dict[str, str]:
    """What the notice of an issued plan (`decision_plan_content`) says of it besides the appeal: which
    plan, and the school or college it names in section I."""
    return {"plan": plan, "school_named": school_named or "see section I of the plan"}


def advice_requested(spec: AdviceSpec, on: date) -> StatuteEvent:
    """A reg 6 advice request as the statute engine reads it (an assessment's or a reassessment's)."""
    fields: dict[str, Any] = {"id": spec.advice_id, "advice": spec.advice}
    if spec.school:
        fields["school"] = spec.school
    if spec.received_by_body:
        fields["received_by_body"] = spec.received_by_body
    return StatuteEvent(event="advice_requested", date=on, **fields)
