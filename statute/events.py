"""The statutory events of docs/vocabulary.md, their fields, and the facts about a case besides its events.

One `Event` type with optional fields keeps the engine fast and the table below the single statement of
which event takes which field. Names are the vocabulary's; new ones are added, never renamed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Final, Literal, get_args

from statute.conventions import SERVICE_METHODS

# The vocabulary's kinds of advice (reg 6(1)), exceptions (regs 5(4), 8(2), 10(4), 13(3)) and request
# sources: declared here once, as types for the messages and the API and as tuples for the engine.
AdviceKind = Literal[
    "parent",
    "educational",
    "medical",
    "psychological",
    "social_care",
    "other",
    "preparing_for_adulthood",
    "requested_by_parent",
]
ExceptionKind = Literal[
    "school_closure", "early_years_closure", "personal_circumstances", "absence", "missed_appointment"
]
RequestSource = Literal["parent", "young_person", "school", "other"]
ADVICE_KINDS: Final[tuple[AdviceKind, ...]] = get_args(AdviceKind)
EXCEPTION_KINDS: Final[tuple[ExceptionKind, ...]] = get_args(ExceptionKind)
REQUEST_SOURCES: Final[tuple[RequestSource, ...]] = get_args(RequestSource)
APPEALABLE_DECISIONS: Final = ("refuse_assess", "not_issue", "plan_content", "refuse_amend", "cease")
TRIBUNAL_ORDERS: Final = ("assess", "make_and_maintain", "amend", "continue")
UNOPPOSED_APPEALS: Final = ("refuse_assess", "refuse_issue", "content", "school")
DEADLINE_NAMES: Final = (
    "decision_to_assess",
    "advice",
    "decision_not_to_issue",
    "draft_target",
    "representations_end",
    "school_response",
    "final_plan",
    "review_due",
    "review_invitations",
    "review_report",
    "review_decision",
    "amended_plan",
    "phase_transfer_review",
    "reassessment_decision",
    "reassessment_plan",
    "transfer_plan",
    "transfer_inform",
    "transfer_review",
    "mediation_certificate",
    "mediation",
    "appeal",
    "tribunal_notify_assess",
    "tribunal_no_plan",
    "tribunal_final_plan",
    "tribunal_draft",
    "tribunal_final",
    "tribunal_amended_plan",
)


@dataclass(frozen=True, slots=True)
class Field:
    """What one field of one event takes: `kind` is date, text, bool, year or choice."""

    kind: str
    required: bool = False
    choices: tuple[str, ...] = ()


def _choice(*values: str, required: bool = True) -> Field:
    return Field("choice", required, values)


_TEXT = Field("text", required=True)
_METHOD = _choice(*SERVICE_METHODS, required=False)

# Which fields each event takes beyond `event` and `date`. Events marked "added" extend docs/vocabulary.md
# where the law needs a name it did not yet have.
EVENT_FIELDS: Final[dict[str, dict[str, Field]]] = {
    "request_received": {"source": _choice(*REQUEST_SOURCES, required=False)},
    "brought_to_attention": {},
    "decision_to_assess": {"outcome": _choice("assess", "refuse")},
    "advice_requested": {
        "id": _TEXT,
        "advice": _choice(*ADVICE_KINDS),
        "received_by_body": Field("date"),
        "school": Field("text"),
    },
    "advice_received": {"id": _TEXT},
    "decision_to_issue": {"outcome": _choice("issue", "not_issue")},
    "draft_served": {"method": _METHOD},
    "school_consulted": {"school": _TEXT},
    "school_responded": {"school": _TEXT},
    "final_issued": {},
    "request_withdrawn": {},  # added: the parent or young person withdrew the request; nothing more is owed
    "review_invitations_sent": {},  # added: reg 20(2)-(4) invitations and advice circulated
    "review_meeting": {},
    "review_report_sent": {},  # added: reg 20(7) report circulated
    # added: a manager waived a review step (`deadline`, of the meeting held on `start`) as not needed
    "review_step_waived": {
        "deadline": _choice("review_invitations", "review_report"),
        "start": Field("date", required=True),
    },
    "plan_reviewed": {"outcome": _choice("keep", "amend", "cease", required=False)},
    "amendment_notice_sent": {"method": _METHOD},
    "amended_plan_issued": {},
    "decided_not_to_amend": {},  # added: the LA decided not to amend after all (reg 22(4))
    "reassessment_requested": {},
    "reassessment_decided": {"outcome": _choice("reassess", "refuse")},
    "transfer_aware": {"move": Field("date", required=True)},
    "transferred": {},
    "transfer_informed": {},  # added: the new LA's reg 15(4) letter
    "decision_notice_sent": {"decision": _choice(*APPEALABLE_DECISIONS)},
    "mediation_adviser_contacted": {"wants_mediation": Field("bool", required=True)},
    "mediation_held": {},
    "mediation_not_arranged": {},
    "mediation_certificate_issued": {},
    "appeal_lodged": {},  # added: the appeal reached the tribunal
    "tribunal_order": {"order": _choice(*TRIBUNAL_ORDERS)},
    "appeal_unopposed": {"appeal": _choice(*UNOPPOSED_APPEALS)},
    # `post16_move` (added): between post-16 institutions on the day `move`, not in September (reg 18)
    "phase_transfer": {
        "kind": _choice("school", "post16", "post16_move"),
        "year": Field("year", required=True),
        "move": Field("date"),
    },
    "plan_ceased": {},  # added: the LA stopped maintaining the plan (SEN2 CeaseDate)
    "exception": {
        "deadline": _choice(*DEADLINE_NAMES),
        "advice_id": Field("text"),
        "kind": _choice(*EXCEPTION_KINDS),
        "start": Field("date"),
        "end": Field("date"),
        "school": Field("text"),
        "approved_by": Field("text"),
        "evidence": Field("text"),
    },
}


@dataclass(frozen=True, slots=True)
class Event:
    """Something that happened on a case, on `date`. Only the fields its kind takes are set."""

    event: str
    date: dt.date
    source: str | None = None
    outcome: str | None = None
    id: str | None = None
    advice: str | None = None
    received_by_body: dt.date | None = None
    school: str | None = None
    method: str | None = None
    move: dt.date | None = None
    decision: str | None = None
    wants_mediation: bool | None = None
    order: str | None = None
    appeal: str | None = None
    kind: str | None = None
    year: int | None = None
    deadline: str | None = None
    advice_id: str | None = None
    start: dt.date | None = None
    end: dt.date | None = None
    approved_by: str | None = None
    evidence: str | None = None


@dataclass(frozen=True, slots=True)
class SchoolClosure:
    """A school's closure: `first_closed` is the first day closed, `reopens` the day it opens again."""

    school: str
    first_closed: dt.date
    reopens: dt.date


@dataclass(frozen=True, slots=True)
class ExistingAdvice:
    """Advice the LA already holds, and who agrees it is sufficient (reg 6(4))."""

    advice: str
    adviser_agrees: bool = False
    la_agrees: bool = False
    parent_agrees: bool = False


@dataclass(frozen=True, slots=True)
class Child:
    """The facts about the child that decide which advice reg 6 requires."""

    year_group: int | None = None
    visual_impairment: bool = False
    hearing_impairment: bool = False
    parent_requested: tuple[str, ...] = ()
    existing_advice: tuple[ExistingAdvice, ...] = ()


@dataclass(frozen=True, slots=True)
class CaseHistory:
    """Everything the engine needs to know about one case."""

    events: tuple[Event, ...]
    school_closures: tuple[SchoolClosure, ...] = ()
    child: Child | None = None
    as_of: dt.date | None = None
