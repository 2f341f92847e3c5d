"""The advice an EHC needs assessment must gather for a child (reg 6), and reuse under reg 6(4)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from statute.events import Child, Event, ExistingAdvice

_ALWAYS = (
    ("parent", "reg 6(1)(a)"),
    ("educational", "reg 6(1)(b)"),
    ("medical", "reg 6(1)(c)"),
    ("psychological", "reg 6(1)(d)"),
    ("social_care", "reg 6(1)(e)"),
)
YEAR_9 = 9


@dataclass(frozen=True, slots=True)
class Reuse:
    """Whether advice the LA already holds may stand instead of new advice (reg 6(4)), and why."""

    allowed: bool
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {"allowed": self.allowed, "reason": self.reason}


@dataclass(frozen=True, slots=True)
class AdviceItem:
    """One piece of advice reg 6 requires, the conditions on it, and which requests cover it."""

    advice: str
    rule: str
    conditions: tuple[str, ...] = ()
    id: str | None = None
    requested: tuple[str, ...] = ()
    reuse: Reuse | None = None

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"advice": self.advice, "rule": self.rule, "conditions": list(self.conditions)}
        if self.id is not None:
            out["id"] = self.id
        out["requested"] = list(self.requested)
        out["reuse"] = self.reuse.as_dict() if self.reuse else None
        return out


def _impairment_condition(child: Child) -> str | None:
    if child.visual_impairment and child.hearing_impairment:
        kind = "a multi-sensory impairment (both visual and hearing)"
    elif child.visual_impairment:
        kind = "a visual impairment"
    elif child.hearing_impairment:
        kind = "a hearing impairment"
    else:
        return None
    return f"given after consulting a person qualified to teach pupils with {kind} (reg 6(2))"


def missing_agreements(existing: ExistingAdvice) -> list[str]:
    """Who has not agreed that advice already held is sufficient (reg 6(4) needs all three)."""
    return [
        who
        for who, agrees in (
            ("the adviser", existing.adviser_agrees),
            ("the LA", existing.la_agrees),
            ("the parent or young person", existing.parent_agrees),
        )
        if not agrees
    ]


def _reuse(child: Child, advice: str) -> Reuse | None:
    for existing in child.existing_advice:
        if existing.advice != advice:
            continue
        missing = missing_agreements(existing)
        if not missing:
            return Reuse(True, "existing advice is sufficient and all three agree (reg 6(4))")
        return Reuse(
            False,
            "reg 6(4) needs the agreement of the adviser, the LA and the parent or young person; "
            f"missing: {', '.join(missing)}",
        )
    return None


@lru_cache(maxsize=4096)
def _advice_set(child: Child) -> tuple[AdviceItem, ...]:
    """The reg 6(1) set for one child's facts; cached, since many children share the same facts."""
    items: list[AdviceItem] = []
    for advice, rule in _ALWAYS:
        condition = _impairment_condition(child) if advice == "educational" else None
        items.append(AdviceItem(advice, rule, (condition,) if condition else (), reuse=_reuse(child, advice)))
    if child.year_group is not None and child.year_group >= YEAR_9:
        items.append(
            AdviceItem(
                "preparing_for_adulthood",
                "reg 6(1)(g)",
                ("the child is in or beyond year 9",),
                reuse=_reuse(child, "preparing_for_adulthood"),
            )
        )
    for who in child.parent_requested:
        reasonable = f"the parent's or young person's request for {who} is reasonable (reg 6(1)(h))"
        items.append(
            AdviceItem(
                "requested_by_parent",
                "reg 6(1)(h)",
                (reasonable,),
                id=who,
                reuse=_reuse(child, "requested_by_parent"),
            )
        )
    return tuple(items)


def required_advice(child: Child | None, events: Iterable[Event] = ()) -> list[AdviceItem]:
    """The reg 6(1) advice set for this child, with the ids of the requests already sent for each."""
    requested: dict[str, list[str]] = {}
    for event in events:
        if event.event == "advice_requested" and event.advice is not None and event.id is not None:
            requested.setdefault(event.advice, []).append(event.id)
    return [
        AdviceItem(
            item.advice, item.rule, item.conditions, item.id, tuple(requested[item.advice]), item.reuse
        )
        if item.advice in requested
        else item
        for item in _advice_set(child or Child())
    ]
