"""Building case histories and reading timelines, for the statute tests."""

from __future__ import annotations

from datetime import date
from typing import Any

from statute.conventions import Conventions
from statute.history import parse_history
from statute.timeline import compute_timeline


def ev(event: str, day: str, **fields: Any) -> dict[str, Any]:
    """One event as the JSON input writes it."""
    return {"event": event, "date": day, **fields}


def run(events: list[dict[str, Any]], as_of: str, conventions: Conventions | None = None) -> dict[str, Any]:
    """The timeline of these events as of a day, as `ehcp timeline` prints it."""
    history = parse_history({"events": events})
    return compute_timeline(history, as_of=date.fromisoformat(as_of), conventions=conventions).as_dict()


def deadlines(result: dict[str, Any], name: str) -> list[dict[str, Any]]:
    return [d for d in result["deadlines"] if d["deadline"] == name]


def one(result: dict[str, Any], name: str) -> dict[str, Any]:
    """The one deadline of that name; fails if there are none or several."""
    found = deadlines(result, name)
    assert len(found) == 1, f"{name}: {found}"
    return found[0]


def summary(d: dict[str, Any]) -> tuple[Any, ...]:
    return d["due"], d["status"], d["met_on"]
