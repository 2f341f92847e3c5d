"""The rules of an exception to a time limit on an assessment (regs 5(4), 8(2), 10(4), 13(3)): the event a
claim becomes, the statute's verdict on it, and who may claim and approve it and when. Pure functions of
the assessment's facts, as in rules.py.
"""

from __future__ import annotations

from workflows.assessment.messages import ApproveException, ClaimException, ExceptionClaim
from workflows.assessment.rules import FINISHED, STAFF, AssessmentFacts, closed
from workflows.common.messages import StatuteEvent, TimelineResult, TimelineVerdict
from workflows.common.rules import a, check_date, refuse, require_role


def exception_event(cmd: ClaimException, *, approved_by: str | None) -> StatuteEvent:
    """A claimed exception as the statute engine reads it; approved once a manager has."""
    fields = {
        "deadline": cmd.deadline,
        "kind": cmd.kind,
        "advice_id": cmd.advice_id,
        "school": cmd.school,
        "start": cmd.start,
        "end": cmd.end,
        "evidence": cmd.evidence or documents_attached(cmd),
        "approved_by": approved_by,
    }
    return StatuteEvent(
        event="exception", date=cmd.claimed_on, **{k: v for k, v in fields.items() if v is not None}
    )


def documents_attached(cmd: ClaimException) -> str:
    """The evidence of a claim that rests on documents alone, as the statute's event says it."""
    count = len(cmd.evidence_document_ids)
    return f"{count} document{'s' if count != 1 else ''} attached to the claim"


def verdict_on(claimed: TimelineResult, cmd: ClaimException) -> TimelineVerdict:
    """The statute engine's verdict on a claim, from the timeline computed with it."""
    return next(
        v
        for v in reversed(claimed.exceptions)
        if v.deadline == cmd.deadline and v.kind == cmd.kind and v.advice_id == cmd.advice_id
    )


def claim_of(claim_id: str, cmd: ClaimException, verdict: TimelineVerdict) -> ExceptionClaim:
    """The claim as the case keeps it: what was claimed, and the statute's verdict on it."""
    return ExceptionClaim(
        claim_id=claim_id,
        deadline=cmd.deadline,
        kind=cmd.kind,
        advice_id=cmd.advice_id,
        accepted=verdict.accepted,
        reason=verdict.reason,
        claimed_by=cmd.actor.actor_id,
        claimed_on=cmd.claimed_on,
        evidence_document_ids=cmd.evidence_document_ids,
    )


def check_claim_exception(facts: AssessmentFacts, cmd: ClaimException) -> None:
    require_role(cmd.actor, *STAFF)
    if facts.stage in FINISHED:
        raise refuse(closed(facts.stage))
    if cmd.deadline not in {d.deadline for d in facts.deadlines}:
        raise refuse(f"deadline: this case has no {cmd.deadline} deadline", "InvalidInput")
    if (cmd.deadline == "advice") != (cmd.advice_id is not None):
        raise refuse("advice_id: give it for an advice deadline, and only then", "InvalidInput")
    if cmd.advice_id is not None and cmd.advice_id not in facts.advice:
        raise refuse(f"advice_id: no advice request '{cmd.advice_id}' on this case", "InvalidInput")
    if cmd.kind in ("school_closure", "early_years_closure") and not cmd.school:
        raise refuse(f"school: {a(cmd.kind)} names the school", "InvalidInput")
    if cmd.kind in ("personal_circumstances", "absence", "missed_appointment") and cmd.start is None:
        raise refuse(f"start: {a(cmd.kind)} needs the day it began", "InvalidInput")
    if cmd.start and cmd.end and cmd.end < cmd.start:
        raise refuse("end: is before start", "InvalidInput")
    if not cmd.evidence.strip() and not cmd.evidence_document_ids:
        raise refuse(
            "evidence: say what the claim rests on, or attach the document it rests on "
            "(evidence_document_ids)",
            "InvalidInput",
        )
    check_date(cmd.claimed_on, "claimed_on", not_before=facts.start.received_on, today=facts.today)


def check_approve_exception(facts: AssessmentFacts, cmd: ApproveException) -> None:
    require_role(cmd.actor, "manager")
    claim = facts.claims.get(cmd.claim_id)
    if claim is None:
        raise refuse(f"claim_id: no exception claim '{cmd.claim_id}' on this case", "InvalidInput")
    if claim.approved_by is not None:
        raise refuse(f"the claim was already approved on {claim.approved_on}")
    if claim.claimed_by == cmd.actor.actor_id:
        raise refuse(
            "a claim is approved by someone other than who made it: ask another manager (the measures "
            "excluding exceptions rest on two people)",
            "Forbidden",
        )
    if not claim.accepted:
        raise refuse(f"the law does not allow this exception: {claim.reason}")
    check_date(cmd.approved_on, "approved_on", not_before=claim.claimed_on, today=facts.today)
