"""The steps a caseworker takes on a case in the pages (issue 10 s.2): each a form of `Field`s over the
API's body for the same command, its title, what the case page's banner says once it is recorded, and
which are offered at each stage. The forms themselves are shown and sent by api/pages/actions.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from api.schemas.cases import (
    DecisionToIssueCreate,
    DraftCreate,
    FinalPlanCreate,
    SchoolClosureCreate,
    SchoolConsultationCreate,
    SchoolResponseCreate,
    WithdrawalCreate,
)
from api.schemas.commands import CommandBody


@dataclass(frozen=True)
class Field:
    """One question of a form; `kind`: "date" (day, month, year), "choice" (radios), "text", "textarea"."""

    name: str
    label: str
    kind: str
    choices: dict[str, str] = field(default_factory=dict)
    hint: str = ""
    optional: bool = False


@dataclass(frozen=True)
class Action:
    path: str  # as the API names the command: /api/cases/{id}/<path>
    title: str
    button: str
    body: type[CommandBody[Any]]
    fields: tuple[Field, ...]


ACTIONS = {
    a.path: a
    for a in (
        Action(
            "decision-to-issue",
            "Decide whether to issue a plan",
            "Record the decision",
            DecisionToIssueCreate,
            (
                Field(
                    "outcome",
                    "The decision",
                    "choice",
                    {"issue": "Issue a plan", "not_issue": "Do not issue"},
                ),
                Field("decided_on", "Date of the decision", "date"),
                Field("reasons", "Reasons", "textarea", hint="Needed to decide not to issue", optional=True),
            ),
        ),
        Action(
            "draft",
            "Serve the draft plan",
            "Record the draft served",
            DraftCreate,
            (
                Field("served_on", "Date the draft was served", "date"),
                Field(
                    "method",
                    "How it was served",
                    "choice",
                    {"email": "By email", "post": "By post", "hand": "By hand", "portal": "Through a portal"},
                ),
            ),
        ),
        Action(
            "school-consultations",
            "Consult a school on being named",
            "Record the consultation",
            SchoolConsultationCreate,
            (Field("school", "School or college", "text"), Field("consulted_on", "Date consulted", "date")),
        ),
        Action(
            "school-responses",
            "Record a consulted school's answer",
            "Record the answer",
            SchoolResponseCreate,
            (Field("school", "School or college", "text"), Field("responded_on", "Date it answered", "date")),
        ),
        Action(
            "final-plan",
            "Issue the final plan",
            "Record the final plan",
            FinalPlanCreate,
            (
                Field("issued_on", "Date the final plan was issued", "date"),
                Field("school_named", "School or college named", "text", optional=True),
            ),
        ),
        Action(
            "school-closures",
            "Record a school's closure",
            "Record the closure",
            SchoolClosureCreate,
            (
                Field("school", "School or college", "text"),
                Field("first_closed", "First day it is closed", "date"),
                Field("reopens", "Day it reopens", "date"),
                Field("recorded_on", "Date you learned of it", "date"),
            ),
        ),
        Action(
            "withdrawal",
            "Withdraw the request",
            "Record the withdrawal",
            WithdrawalCreate,
            (
                Field("withdrawn_on", "Date the request was withdrawn", "date"),
                Field("reasons", "Reasons", "textarea", optional=True),
            ),
        ),
    )
}

# Every step's page by its address, with its title: the forms above, and the decision whether to assess
# (api/pages/assess.py), which has a page of its own for its advice set.
TITLES = {
    "decision-to-assess": "Decide whether to assess",
    **{a.path: a.title for a in ACTIONS.values()},
    "exceptions": "Claim an exception to a time limit",
}
# What the case page's banner says was recorded, by the address of the form that did it.
RECORDED = {
    **TITLES,
    "request": "The request for an assessment",
    "exceptions": "The exception claim: the law's test is below",
    "approval": "The exception's approval: the parent is told",
    "advice": "The advice received",
}
# What may be done at each stage: the workflow's validators decide, this only chooses what to offer.
# Until the final plan an exception can be claimed, a school's closure recorded and the request withdrawn.
UNTIL_THE_PLAN = ("exceptions", "school-closures", "withdrawal")
OFFERED = {
    stage: (*first, *UNTIL_THE_PLAN)
    for stage, first in {
        "awaiting_decision_to_assess": ("decision-to-assess",),
        "gathering_advice": ("decision-to-issue",),
        "deciding_whether_to_issue": ("decision-to-issue",),
        "drafting": ("draft",),  # schools are consulted once the draft is served
        "draft_served": ("final-plan", "school-consultations", "school-responses"),
    }.items()
}


def offered(stage: str | None) -> list[tuple[str, str]]:
    """The steps to offer at this stage: (address, title)."""
    return [(path, TITLES[path]) for path in OFFERED.get(stage or "", ())]
