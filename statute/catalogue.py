"""Each deadline of docs/vocabulary.md: the rule that makes it, whether it is statutory, and which exceptions
the law allows against it (the matrix of docs/statute.md §1.2). Exceptions attach to a deadline, never a case.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from statute.events import DEADLINE_NAMES

CLOSURES: Final = frozenset({"school_closure", "early_years_closure"})
LA_EXCEPTIONS: Final = CLOSURES | {"personal_circumstances", "absence"}  # reg 10(4)(a)-(d)
ADVICE_EXCEPTIONS: Final = frozenset({"personal_circumstances", "absence", "missed_appointment"})  # reg 8(2)
NONE: Final[frozenset[str]] = frozenset()


@dataclass(frozen=True, slots=True)
class DeadlineSpec:
    """What the law says about one deadline."""

    rule: str
    statutory: bool = True
    window: bool = False  # a period that belongs to the family: never overdue, it closes
    exceptions: frozenset[str] = NONE
    exception_rule: str = ""
    tribunal: bool = False  # excused by an absence of 2 weeks (regs 44(3), 45), not 4


_TRIBUNAL = {"exceptions": LA_EXCEPTIONS, "exception_rule": "reg 44(3)", "tribunal": True}

CATALOGUE: Final[dict[str, DeadlineSpec]] = {
    "decision_to_assess": DeadlineSpec("reg 5(1)", exceptions=LA_EXCEPTIONS, exception_rule="reg 5(4)"),
    "advice": DeadlineSpec("reg 8(1)", exceptions=ADVICE_EXCEPTIONS, exception_rule="reg 8(2)"),
    "decision_not_to_issue": DeadlineSpec("reg 10(1)", exceptions=LA_EXCEPTIONS, exception_rule="reg 10(4)"),
    "draft_target": DeadlineSpec("IPSEA; CoP flowchart (good practice)", statutory=False),
    "representations_end": DeadlineSpec("reg 13(1)(a)", window=True),
    "school_response": DeadlineSpec("CoP 9 (guidance)", statutory=False),
    "final_plan": DeadlineSpec("reg 13(2)", exceptions=LA_EXCEPTIONS, exception_rule="reg 13(3)"),
    "review_due": DeadlineSpec("CFA s.44(1)"),
    "review_invitations": DeadlineSpec("reg 20(2)-(4)"),
    "review_report": DeadlineSpec("reg 20(7)"),
    "review_decision": DeadlineSpec("reg 20(10); R (L, M, P) v Devon CC [2022]"),
    "amended_plan": DeadlineSpec("reg 22(3)"),
    "phase_transfer_review": DeadlineSpec("reg 18"),
    "reassessment_decision": DeadlineSpec("reg 25"),
    "reassessment_plan": DeadlineSpec("reg 27(2)", exceptions=LA_EXCEPTIONS, exception_rule="reg 27(3)"),
    "transfer_plan": DeadlineSpec("reg 15(2)"),
    "transfer_inform": DeadlineSpec("reg 15(4)"),
    "transfer_review": DeadlineSpec("reg 15(5)"),
    "mediation_certificate": DeadlineSpec("regs 34, 39"),
    "mediation": DeadlineSpec("reg 37"),
    "appeal": DeadlineSpec("HESC rules r.12, r.20", window=True),
    "tribunal_notify_assess": DeadlineSpec("reg 44", **_TRIBUNAL),  # type: ignore[arg-type]
    "tribunal_no_plan": DeadlineSpec("reg 44", **_TRIBUNAL),  # type: ignore[arg-type]
    "tribunal_final_plan": DeadlineSpec("reg 44", **_TRIBUNAL),  # type: ignore[arg-type]
    "tribunal_draft": DeadlineSpec("reg 44", **_TRIBUNAL),  # type: ignore[arg-type]
    "tribunal_final": DeadlineSpec("reg 44", **_TRIBUNAL),  # type: ignore[arg-type]
    "tribunal_amended_plan": DeadlineSpec("reg 44", **_TRIBUNAL),  # type: ignore[arg-type]
}

assert set(CATALOGUE) == set(DEADLINE_NAMES), "every deadline of the vocabulary has a catalogue entry"
