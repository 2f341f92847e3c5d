"""What the pages call the statute's names (docs/vocabulary.md), in the words a SEND team uses."""

from __future__ import annotations

STAGES = {
    "awaiting_decision_to_assess": "Awaiting the decision to assess",
    "gathering_advice": "Gathering advice",
    "deciding_whether_to_issue": "Deciding whether to issue a plan",
    "drafting": "Drafting the plan",
    "draft_served": "Draft plan served",
    "final_issued": "Final plan issued",
    "refused_to_assess": "Refused to assess",
    "not_issued": "Decided not to issue a plan",
    "withdrawn": "Request withdrawn",
    "closed": "Closed",
    "plan_maintained": "Plan maintained",
    "plan_ceased": "Plan ceased",
    "plan_transferred": "Plan transferred to another authority",
    "appealed": "Appealed to the tribunal",
}

DEADLINES = {
    "decision_to_assess": "Decision whether to assess",
    "advice": "Advice",
    "decision_not_to_issue": "Decision not to issue a plan",
    "draft_target": "Draft plan (the service's target)",
    "representations_end": "Family's representations on the draft",
    "school_response": "School's answer to the consultation",
    "final_plan": "Final plan",
    "review_due": "Annual review",
    "review_invitations": "Review invitations and advice",
    "review_report": "Review report",
    "review_decision": "Decision after the review",
    "amended_plan": "Amended plan",
    "phase_transfer_review": "Phase transfer review",
    "reassessment_decision": "Decision whether to reassess",
    "reassessment_plan": "Plan after reassessment",
    "transfer_plan": "Transfer to the new authority",
    "transfer_inform": "New authority's letter to the family",
    "transfer_review": "New authority's review",
    "mediation_certificate": "Mediation certificate",
    "mediation": "Mediation",
    "appeal": "Family's window to appeal",
    # What a tribunal's order or an unopposed appeal requires, and by when (regs 44-45).
    "tribunal_notify_assess": "Tell the family it will assess (tribunal's order)",
    "tribunal_no_plan": "Decision not to issue a plan (tribunal's order)",
    "tribunal_final_plan": "Final plan (tribunal's order to assess)",
    "tribunal_draft": "Draft plan (tribunal's order)",
    "tribunal_final": "Final plan (tribunal's order)",
    "tribunal_amended_plan": "Amended plan (tribunal's order)",
}

# A deadline's status as a GOV.UK tag: its words and its colour.
STATUSES = {
    "open": ("Open", "govuk-tag--blue"),
    "due_soon": ("Due this week", "govuk-tag--orange"),
    "overdue": ("Overdue", "govuk-tag--red"),
    "met": ("Met", "govuk-tag--green"),
    "met_late": ("Met late", "govuk-tag--yellow"),
    "excepted": ("Exception applies", "govuk-tag--purple"),
    "withdrawn": ("No longer owed", "govuk-tag--grey"),
    "closed": ("Closed", "govuk-tag--grey"),
}


def stage(name: str) -> str:
    return STAGES.get(name, name.replace("_", " ").capitalize())


def deadline(name: str) -> str:
    return DEADLINES.get(name, name.replace("_", " ").capitalize())


# The audit trail's actions (api/services/*: "command.<update>", "agency.<what>", reads) in words.
ACTIONS = {
    "command.acknowledge_request": "Recorded the request",
    "command.decide_assessment": "Decided whether to assess",
    "command.decide_issue": "Decided whether to issue a plan",
    "command.serve_draft": "Served the draft plan",
    "command.consult_school": "Consulted a school",
    "command.record_school_response": "Recorded a school's answer",
    "command.record_school_closure": "Recorded a school's closure",
    "command.issue_final_plan": "Issued the final plan",
    "command.claim_exception": "Claimed an exception",
    "command.approve_exception": "Approved an exception",
    "command.withdraw": "Recorded the request's withdrawal",
    "command.request_further_advice": "Asked for further advice",
    "command.record_mediation": "Recorded a step of mediation",
    "command.record_appeal": "Recorded an appeal",
    "command.record_appeal_outcome": "Recorded the tribunal's decision",
    "command.concede_appeal": "Recorded that the appeal is not opposed",
    "command.submit_advice": "Recorded advice that came by post or email",
    "agency.submit_advice": "Sent advice",
    "agency.advice_request.read": "Read the advice request",
    "agency.document.downloaded": "Downloaded a document",
    "case.document.downloaded": "Downloaded a document",
    "case.read": "Read the case",
    "case.recorded": "Recorded the case",
    "documents.attached": "Attached documents to the case",
}


def action(name: str) -> str:
    """An audited action in words: refused ones say so."""
    refused = name.endswith(".refused")
    base = name.removesuffix(".refused")
    if base not in ACTIONS and base.startswith("decision."):  # a decision the workflow recorded
        words = decision(base.removeprefix("decision."))
    else:
        words = ACTIONS.get(base, base.split(".")[-1].replace("_", " ").capitalize())
    return f"{words} (refused)" if refused else words


# The kinds of exception to a time limit (docs/statute.md, "the exceptions matrix"), with their rules.
EXCEPTION_KINDS = {
    "school_closure": "The school or college was closed for 4 weeks or more (regulation 10(4)(a))",
    "early_years_closure": "The early years setting was closed for 4 weeks or more (regulation 10(4)(b))",
    "personal_circumstances": (
        "Exceptional personal circumstances of the child, the parent or the young person "
        "(regulations 8(2)(a), 10(4)(c))"
    ),
    "absence": (
        "The child, the parent or the young person was away from the area for 4 weeks or more "
        "(regulations 8(2)(b), 10(4)(d))"
    ),
    "missed_appointment": "A missed appointment (regulation 8(2)(c): advice only)",
}


def exception_kind(name: str) -> str:
    return EXCEPTION_KINDS.get(name, name.replace("_", " ").capitalize())


# The reg 6(1) advice an agency is asked for: its name, and what it is about and who gives it, in the
# words a SEND team uses with the people it asks.
ADVICE = {
    "parent": (
        "The views of the child and the parent",
        "What the child and their parent, or the young person, want, think and feel (regulation 6(1)(a))",
    ),
    "educational": (
        "Educational advice",
        "What the child needs to learn and make progress, from the head of their school or setting, or "
        "a teacher the authority chooses (regulation 6(1)(b))",
    ),
    "medical": (
        "Medical advice",
        "The child's health and the health care they need, from a health professional (regulation 6(1)(c))",
    ),
    "psychological": (
        "Psychological advice",
        "How the child learns and what helps them, from an educational psychologist (regulation 6(1)(d))",
    ),
    "social_care": (
        "Social care advice",
        "The social care the child and their family need (regulation 6(1)(e))",
    ),
    "other": ("Other advice", "Advice the authority thinks it needs from you (regulation 6(1)(f))"),
    "preparing_for_adulthood": (
        "Preparing for adulthood",
        "What will help the young person, in year 9 or above, prepare for adult life (regulation 6(1)(g))",
    ),
    "requested_by_parent": (
        "Advice the parent asked for",
        "The parent or young person asked the authority to get your advice (regulation 6(1)(h))",
    ),
}


def advice(kind: str) -> tuple[str, str]:
    """An advice kind's name and what it asks, in words; an unknown kind by its own name."""
    return ADVICE.get(kind, (kind.replace("_", " ").capitalize(), ""))


# Next September's phase transfers (the dashboard): each transfer, and each status as a GOV.UK tag.
TRANSFER_WORDS = {
    "0": "Into Reception",
    "3": "Into Year 3 (infant to junior)",
    "7": "Into Year 7 (primary to secondary)",
    "12": "Into Year 12 (secondary to post-16)",
    "school": "Other school transfers (recorded)",
    "post16": "Other post-16 transfers (recorded)",
}
# Each status's words, as a column heading and as a GOV.UK tag.
TRANSFER_STATUS_WORDS: dict[str, tuple[str, str]] = {
    "settled": ("Settled in time", "govuk-tag--green"),
    "settled_late": ("Settled late", "govuk-tag--yellow"),
    "on_track": ("On track", "govuk-tag--blue"),
    "at_risk": ("At risk", "govuk-tag--orange"),
    "overdue": ("Overdue", "govuk-tag--red"),
}


def read_again(seconds: int) -> str:
    """How often the dashboard's counts are read again (EHCP_DASHBOARD_FIGURES_SECONDS), in words."""
    if seconds <= 0:
        return "read again on every visit"
    if seconds % 60:
        return f"read again every {seconds} seconds" if seconds != 1 else "read again every second"
    minutes = seconds // 60
    return "read again every minute" if minutes == 1 else f"read again every {minutes} minutes"


def decision(kind: str) -> str:
    """A recorded decision's kind in words: `existing_advice:<advice>` and `exception_claim:<deadline>`
    name what they are about; the others read as their name."""
    name, _, about = kind.partition(":")
    if name == "existing_advice":
        return (
            f"Advice already held stands instead of a request (regulation 6(4)): {advice(about)[0].lower()}"
        )
    if name in ("exception_claim", "exception_approval"):
        what = "Exception claimed" if name == "exception_claim" else "Exception approved"
        return f"{what}: {deadline(about).lower()}"
    return kind.replace("_", " ").capitalize()
