"""What the engine answers: deadlines with their status, exception verdicts, the timeline."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from statute.advice import AdviceItem


def _iso(d: date | None) -> str | None:
    return d.isoformat() if d is not None else None


@dataclass(frozen=True, slots=True)
class ExceptionVerdict:
    """The statute's verdict on one exception claimed against one deadline."""

    deadline: str
    kind: str
    accepted: bool
    reason: str
    claimed: date
    advice_id: str | None = None
    start: date | None = None
    end: date | None = None
    school: str | None = None
    approved_by: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "deadline": self.deadline,
            "advice_id": self.advice_id,
            "kind": self.kind,
            "accepted": self.accepted,
            "reason": self.reason,
            "claimed": self.claimed.isoformat(),
            "start": _iso(self.start),
            "end": _iso(self.end),
            "school": self.school,
            "approved_by": self.approved_by,
        }


@dataclass(slots=True)
class Deadline:
    """One occurrence of a deadline: when it falls due, by which rule, and where it stands."""

    deadline: str
    id: str | None
    due: date
    practical_due: date
    rule: str
    statutory: bool
    window: bool
    from_event: str
    from_date: date
    met_on: date | None = None
    status: str = "open"
    exception: ExceptionVerdict | None = field(default=None)

    def as_dict(self) -> dict[str, Any]:
        return {
            "deadline": self.deadline,
            "id": self.id,
            "due": self.due.isoformat(),
            "practical_due": self.practical_due.isoformat(),
            "rule": self.rule,
            "statutory": self.statutory,
            "status": self.status,
            "met_on": _iso(self.met_on),
            "from": {"event": self.from_event, "date": self.from_date.isoformat()},
            "exception": self.exception.as_dict() if self.exception else None,
        }


@dataclass(frozen=True, slots=True)
class Timeline:
    """Every deadline of a case as of one day, the exception verdicts, and the advice reg 6 requires."""

    as_of: date
    deadlines: tuple[Deadline, ...]
    exceptions: tuple[ExceptionVerdict, ...]
    required_advice: tuple[AdviceItem, ...]

    def as_dict(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of.isoformat(),
            "deadlines": [d.as_dict() for d in self.deadlines],
            "exceptions": [e.as_dict() for e in self.exceptions],
            "required_advice": [a.as_dict() for a in self.required_advice],
        }
