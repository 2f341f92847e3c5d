"""The conventions that docs/statute.md marks unverified, as named settings with documented defaults.

Every reading of the law that is an interpretation (how a week is counted, what "before 15 February"
means, whether a closure window includes its ends, when a posted notice counts as served) lives here,
never as a constant in the rules. A council that takes another view changes a setting, not the code.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field, fields
from typing import Literal

from statute.errors import InvalidConvention

WeekCounting = Literal["exclude_event_day", "event_day_is_day_1"]
FebruaryReading = Literal["strict", "inclusive"]
ServiceMethod = Literal["post", "email", "portal", "hand"]

SERVICE_METHODS: tuple[ServiceMethod, ...] = ("post", "email", "portal", "hand")


def _doc(text: str) -> dict[str, str]:
    return {"doc": text}


@dataclass(frozen=True, slots=True)
class Conventions:
    """How the service reads the unverified parts of the law. Defaults follow docs/statute.md."""

    week_counting: WeekCounting = field(
        default="exclude_event_day",
        metadata=_doc(
            "R1 'within N weeks': exclude_event_day gives event + 7N days (the English-law default); "
            "event_day_is_day_1 counts the day of the event as day 1, one day earlier."
        ),
    )
    phase_transfer_reading: FebruaryReading = field(
        default="strict",
        metadata=_doc(
            "reg 18 'before 15 February' / 'before 31 March': strict makes 14 Feb / 30 Mar the last day; "
            "inclusive makes it 15 Feb / 31 Mar."
        ),
    )
    closure_window_inclusive: bool = field(
        default=True,
        metadata=_doc(
            "R9 reg 10(4)(a): whether the window [first closed day - 7, re-opening - 7] includes both ends."
        ),
    )
    closure_min_days: int = field(
        default=28,
        metadata=_doc(
            "R9: a closure qualifies when re-opening - first closed day is at least this many days."
        ),
    )
    absence_min_days: int = field(
        default=28,
        metadata=_doc("R10 reg 10(4)(d) / 8(2)(b): an absence qualifies when return - departure >= this."),
    )
    tribunal_absence_min_days: int = field(
        default=14,
        metadata=_doc("regs 44(3), 45: the absence that excuses a tribunal-order deadline (2 weeks)."),
    )
    default_service_method: ServiceMethod = field(
        default="email",
        metadata=_doc("How a draft plan or amendment notice is served when the event does not say."),
    )
    post_service_working_days: int = field(
        default=2,
        metadata=_doc(
            "Interpretation Act 1978 s.7 'ordinary course of post': a posted document counts as served "
            "this many working days after posting (first-class post)."
        ),
    )
    electronic_service_days: int = field(
        default=0,
        metadata=_doc(
            "Email, portal or hand delivery: days after sending that service is deemed (0 = same day)."
        ),
    )
    tribunal_moves: bool = field(
        default=True,
        metadata=_doc(
            "HESC r.12(3): move an appeal deadline ending on 25 Dec - 1 Jan or in August to the next "
            "working day after; r.12(2)'s move off non-working days always applies."
        ),
    )
    tribunal_amend_weeks: int = field(
        default=5,
        metadata=_doc("reg 44: weeks to issue the amended plan after an order to amend the plan's contents."),
    )
    tribunal_school_only_weeks: int = field(
        default=2,
        metadata=_doc(
            "reg 45: weeks to issue the amended plan when an unopposed appeal is about the school only."
        ),
    )

    def with_overrides(self, overrides: dict[str, str]) -> Conventions:
        """Return a copy with settings given as text (`name=value` on the command line)."""
        known = {f.name: f for f in fields(self)}
        changes: dict[str, object] = {}
        for name, raw in overrides.items():
            if name not in known:
                raise InvalidConvention(f"unknown convention '{name}'; known: {', '.join(sorted(known))}")
            changes[name] = _parse_value(name, raw, getattr(self, name))
        candidate = dataclasses.replace(self, **changes)  # type: ignore[arg-type]
        candidate.check()
        return candidate

    def check(self) -> None:
        """Refuse a setting outside its range, naming it."""
        allowed: dict[str, tuple[str, ...]] = {
            "week_counting": ("exclude_event_day", "event_day_is_day_1"),
            "phase_transfer_reading": ("strict", "inclusive"),
            "default_service_method": SERVICE_METHODS,
        }
        for name, values in allowed.items():
            if getattr(self, name) not in values:
                raise InvalidConvention(f"convention '{name}' must be one of {', '.join(values)}")
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, int) and not isinstance(value, bool) and not 0 <= value <= 366:
                raise InvalidConvention(f"convention '{f.name}' must be a whole number from 0 to 366")


def _parse_value(name: str, raw: str, current: object) -> object:
    if isinstance(current, bool):
        if raw.lower() in ("true", "yes", "1"):
            return True
        if raw.lower() in ("false", "no", "0"):
            return False
        raise InvalidConvention(f"convention '{name}' takes true or false, not '{raw}'")
    if isinstance(current, int):
        try:
            return int(raw)
        except ValueError:
            raise InvalidConvention(f"convention '{name}' takes a whole number, not '{raw}'") from None
    return raw


def describe() -> list[dict[str, object]]:
    """Each convention with its default and meaning, for `ehcp conventions` and the docs."""
    defaults = Conventions()
    return [
        {"name": f.name, "default": getattr(defaults, f.name), "meaning": f.metadata["doc"]}
        for f in fields(Conventions)
    ]
