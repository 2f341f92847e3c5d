"""The advice an EHC needs assessment must gather for a child (reg 6), and reuse under reg 6(4)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from statute.events import Child, Event

_ALWAYS = (
    ("parent", "reg 6(1)(a)"),
    ("educational", "reg 6(1)(b)"),
    ("medical", "reg 6(1)(c)"),
    ("psychological", "reg 6(1)(d)"),
    ("social_care", "reg 6(1)(e)"),
)
YEAR_9 = 9


@dataclass(frozen=True, slots=True)
class AdviceItem:
    """One piece of advice reg 6 requires, the conditions on it, and which requests cover it."""

    advice: str
    rule: str
    conditions: tuple[str, ...] = ()
    id: str | None = None
    requested: tuple[str, ...] = ()
    reuse: dict[str, Any] | None = field(default=None)

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"advice": self.advice, "rule": self.rule, "conditions": list(self.conditions)}
        if self.id is not None:
            out["id"] = self.id
        out["requested"] = list(self.requested)
        out["reuse"] = self.reuse
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


def _reuse(child: Child, advice: str) -> dict[str, Any] | None:
    for existing in child.existing_advice:
        if existing.advice != advice:
            continue
        missing = [
            who
            for who, agrees in (
                ("the adviser", existing.adviser_agrees),
                ("the LA", existing.la_agrees),
                ("the parent or young person", existing.parent_agrees),
            )
            if not agrees
        ]
        if not missing:
            return {"allowed": True, "reason": "existing advice is sufficient and all three agree (reg 6(4))"}
        return {
            "allowed": False,
            "reason": f"reg 6(4) needs the agreement of the adviser, the LA and the parent or young person; "
            f"missing: {', '.join(missing)}",
        }
    return None


def required_advice(child: Child | None, events: tuple[Event, ...] = ()) -> list[AdviceItem]:
    """The reg 6(1) advice set for this child, with the ids of the requests already sent for each."""
    child = child or Child()
    requested: dict[str, list[str]] = {}
    for event in events:
        if event.event == "advice_requested" and event.advice is not None and event.id is not None:
            requested.setdefault(event.advice, []).append(event.id)

    def item(advice: str, rule: str, conditions: tuple[str, ...] = (), id: str | None = None) -> AdviceItem:
        return AdviceItem(
            advice, rule, conditions, id, tuple(requested.get(advice, ())), reuse=_reuse(child, advice)
        )

    items: list[AdviceItem] = []
    for advice, rule in _ALWAYS:
        condition = _impairment_condition(child) if advice == "educational" else None
        items.append(item(advice, rule, (condition,) if condition else ()))
    if child.year_group is not None and child.year_group >= YEAR_9:
        items.append(item("preparing_for_adulthood", "reg 6(1)(g)", ("the child is in or beyond year 9",)))
    for who in child.parent_requested:
        reasonable = f"the parent's or young person's request for {who} is reasonable (reg 6(1)(h))"
        items.append(item("requested_by_parent", "reg 6(1)(h)", (reasonable,), id=who))
    return items
