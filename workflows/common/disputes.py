"""The rules of a disagreement that the assessment and the plan share: mediation on an appealable decision
(CFA s.53-55; regs 33-39) and the appeal against it reaching the tribunal (CFA s.51), as pure functions
over the case's events. Each workflow first checks who acts and where its case stands, then these.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from workflows.common.messages import DeadlineView, StatuteEvent
from workflows.common.rules import awaits, check_date, last, refuse

# Each step of mediation as the vocabulary names it.
MEDIATION_EVENTS = {
    "adviser_contacted": "mediation_adviser_contacted",
    "held": "mediation_held",
    "not_arranged": "mediation_not_arranged",
    "certificate_issued": "mediation_certificate_issued",
}


def check_mediation_step(
    events: Sequence[StatuteEvent],
    notice: StatuteEvent,
    *,
    step: str,
    on: date,
    wants: bool | None,
    today: date,
) -> None:
    """A step of mediation on the decision `notice` sent: the adviser contacted once (saying whether the
    parent wants mediation), then mediation held or not arranged only if wanted, or the certificate."""
    contact = last(events, "mediation_adviser_contacted")
    contacted = contact if contact is not None and contact.date >= notice.date else None
    if step == "adviser_contacted":
        if wants is None:
            raise refuse("wants_mediation: say whether the parent wants mediation", "InvalidInput")
        if contacted is not None:
            raise refuse(f"the mediation adviser was already contacted on {contacted.date}")
        return
    if contacted is None:
        raise refuse(f"the mediation adviser has not been contacted about the decision of {notice.date}")
    check_date(on, "on", not_before=contacted.date, today=today)
    if step in ("held", "not_arranged") and not getattr(contacted, "wants_mediation", False):
        raise refuse("the parent did not want mediation: record the certificate instead")


def check_appeal_lodged(
    events: Sequence[StatuteEvent], notice: StatuteEvent, appeal: DeadlineView | None, lodged_on: date
) -> None:
    """An appeal against the decision `notice` sent, lodged once and by its last day (`appeal`)."""
    if not awaits(events, notice, "appeal_lodged"):
        raise refuse(f"an appeal against the decision of {notice.date} is already recorded")
    if appeal is not None and lodged_on > appeal.due:
        raise refuse(
            f"lodged_on: the last day to appeal the decision of {notice.date} was {appeal.due}",
            "InvalidInput",
        )
