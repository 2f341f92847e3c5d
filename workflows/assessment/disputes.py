"""The rules of a family's disagreement with the assessment's refusals (CFA s.51-55; regs 33-45):
mediation, the appeal, the tribunal's decision and the LA not opposing it, as pure functions of the
assessment's facts. The rules a plan shares are in workflows/common/disputes.py.
"""

from __future__ import annotations

from datetime import date

from workflows.assessment.messages import ConcedeRefusalAppeal, RecordTribunalOutcome
from workflows.assessment.rules import APPEAL_OPEN, DISPUTED, STAFF, AssessmentFacts
from workflows.common.deadlines import latest
from workflows.common.disputes import check_appeal_lodged, check_mediation_step
from workflows.common.messages import Stage, StatuteEvent
from workflows.common.rules import check_date, last, refuse, require_role
from workflows.plan.messages import RecordAppeal, RecordMediation

# What each refusal's appeal may end in: the tribunal's order (reg 44), or the LA not opposing it (reg 45).
ORDERS = {"refuse_assess": "assess", "not_issue": "make_and_maintain"}
CONCEDED = {"refuse_assess": "refuse_assess", "not_issue": "refuse_issue"}


def _refusal(facts: AssessmentFacts, stages: frozenset[Stage], what: str) -> StatuteEvent:
    """The refusal's decision notice, while the case is at one of `stages`."""
    notice = last(facts.events, "decision_notice_sent")
    if facts.stage not in stages or notice is None:
        raise refuse(f"the case is {facts.stage.value}; {what}")
    return notice


def check_record_refusal_mediation(facts: AssessmentFacts, cmd: RecordMediation) -> None:
    require_role(cmd.actor, *STAFF)
    notice = _refusal(facts, DISPUTED, "mediation follows a refusal to assess or to issue a plan")
    check_date(cmd.on, "on", not_before=notice.date, today=facts.today)
    check_mediation_step(
        facts.events, notice, step=cmd.step, on=cmd.on, wants=cmd.wants_mediation, today=facts.today
    )


def check_record_refusal_appeal(facts: AssessmentFacts, cmd: RecordAppeal) -> None:
    require_role(cmd.actor, *STAFF)
    if facts.stage is Stage.APPEALED:
        lodged = last(facts.events, "appeal_lodged")
        raise refuse(
            f"an appeal against the refusal is already recorded, lodged on {lodged.date if lodged else '?'}"
        )
    notice = _refusal(facts, APPEAL_OPEN, "an appeal is against a refusal to assess or to issue a plan")
    check_date(cmd.lodged_on, "lodged_on", not_before=notice.date, today=facts.today)
    check_appeal_lodged(facts.events, notice, latest(facts.deadlines, "appeal"), cmd.lodged_on)


def _with_the_tribunal(facts: AssessmentFacts, on: date, field: str) -> str:
    """The refused decision whose appeal is with the tribunal, for a step dated `on` (its `field`), on or
    after the appeal was lodged."""
    notice = _refusal(
        facts, frozenset({Stage.APPEALED}), "no appeal is with the tribunal: record the appeal first"
    )
    lodged = last(facts.events, "appeal_lodged")
    check_date(on, field, not_before=lodged.date if lodged else notice.date, today=facts.today)
    return str(getattr(notice, "decision", ""))


def check_record_tribunal_outcome(facts: AssessmentFacts, cmd: RecordTribunalOutcome) -> None:
    require_role(cmd.actor, *STAFF)
    decision = _with_the_tribunal(facts, cmd.decided_on, "decided_on")
    ordered = ORDERS.get(decision)
    if cmd.outcome not in ("dismissed", ordered):
        raise refuse(
            f"outcome: an appeal against {decision} ends in an order to {ordered} or is dismissed",
            "InvalidInput",
        )


def check_concede_refusal_appeal(facts: AssessmentFacts, cmd: ConcedeRefusalAppeal) -> None:
    require_role(cmd.actor, *STAFF)
    decision = _with_the_tribunal(facts, cmd.conceded_on, "conceded_on")
    against = CONCEDED.get(decision)
    if cmd.appeal != against:
        raise refuse(f"appeal: the appeal is against {decision}; concede it as {against}", "InvalidInput")
