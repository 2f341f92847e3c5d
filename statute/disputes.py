"""The deadlines of disagreements and appeals: mediation (CFA s.53-55; regs 33-39), the appeal deadline of
each decision notice (HESC Rules r.12, r.20), and what a tribunal order (reg 44) or an unopposed appeal
(reg 45) requires, and by when. Pathways of `statute.timeline`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from statute.events import Event
from statute.rules import months, within_days
from statute.working import Case, on

# Which deadlines each tribunal order or unopposed appeal sets, with their weeks (regs 44, 45).
# `None` weeks come from a convention: tribunal_amend_weeks, or tribunal_school_only_weeks.
_ASSESS = (("tribunal_notify_assess", 2), ("tribunal_no_plan", 10), ("tribunal_final_plan", 14))
_MAKE = (("tribunal_draft", 5), ("tribunal_final", 11))
_ORDERS: dict[tuple[str, str], tuple[tuple[str, int | None], ...]] = {
    ("tribunal_order", "assess"): _ASSESS,
    ("tribunal_order", "make_and_maintain"): _MAKE,
    ("tribunal_order", "amend"): (("tribunal_amended_plan", None),),
    ("tribunal_order", "continue"): (),
    ("appeal_unopposed", "refuse_assess"): _ASSESS,
    ("appeal_unopposed", "refuse_issue"): _MAKE,
    ("appeal_unopposed", "content"): (("tribunal_amended_plan", 5),),
    ("appeal_unopposed", "school"): (("tribunal_amended_plan", None),),
}


def disputes(case: Case) -> None:
    """Mediation (regs 33-39), and the appeal deadline of each decision notice (HESC r.12, r.20)."""
    for contact in case.all("mediation_adviser_contacted"):
        if contact.wants_mediation:
            held = case.first("mediation_held", contact.date)
            case.add("mediation", within_days(contact.date, 30), contact, met_on=on(held))
        else:
            _certificate(case, contact, "reg 34")
    for ended in [*case.all("mediation_held"), *case.all("mediation_not_arranged")]:
        _certificate(case, ended, "reg 39")

    notices = case.all("decision_notice_sent")
    for i, notice in enumerate(notices):
        until = notices[i + 1].date if i + 1 < len(notices) else date.max
        due = months(notice.date, 2)
        certificates = [e for e in case.all("mediation_certificate_issued") if notice.date <= e.date < until]
        if certificates:
            due = max(due, months(certificates[-1].date, 1))
        due = case.calendar.tribunal_deadline(due, holiday_moves=case.conventions.tribunal_moves)
        lodged = next((e for e in case.all("appeal_lodged") if notice.date <= e.date < until), None)
        case.add("appeal", due, notice, met_on=on(lodged), id=notice.decision)


def _certificate(case: Case, start: Event, rule: str) -> None:
    issued = case.first("mediation_certificate_issued", start.date)
    due = case.calendar.working_days_after(start.date, 3)
    case.add("mediation_certificate", due, start, met_on=on(issued), rule=rule)


# What meets each tribunal deadline: the events, and a test they must pass (dated on or after the order).
_TRIBUNAL_MET_BY: dict[str, tuple[tuple[str, ...], Callable[[Event], bool] | None]] = {
    "tribunal_notify_assess": (
        ("decision_to_assess", "reassessment_decided"),
        lambda e: e.outcome in ("assess", "reassess"),
    ),
    "tribunal_no_plan": (("decision_to_issue",), lambda e: e.outcome == "not_issue"),
    "tribunal_final_plan": (("final_issued", "amended_plan_issued"), None),
    "tribunal_draft": (("draft_served",), None),
    "tribunal_final": (("final_issued",), None),
    "tribunal_amended_plan": (("amended_plan_issued",), None),
}


def tribunal(case: Case) -> None:
    """What a tribunal order (reg 44) or an unopposed appeal (reg 45) requires, and by when."""
    conventions = case.conventions
    for name, rule in (("tribunal_order", "reg 44"), ("appeal_unopposed", "reg 45")):
        for order in case.all(name):
            o = order.date
            what = order.order if name == "tribunal_order" else order.appeal
            decided = case.first("decision_to_issue", o)
            outcome = decided.outcome if decided else None
            for deadline, weeks_given in _ORDERS[(name, what or "")]:
                if (deadline, outcome) in (
                    ("tribunal_no_plan", "issue"),
                    ("tribunal_final_plan", "not_issue"),
                ):
                    continue  # the LA's decision whether to issue settles which of the two applies
                n = weeks_given
                if n is None:
                    amend = what == "amend"
                    n = conventions.tribunal_amend_weeks if amend else conventions.tribunal_school_only_weeks
                names, test = _TRIBUNAL_MET_BY[deadline]
                met = on(case.first_of(names, o, test))
                case.add(deadline, case.weeks(o, n), order, met_on=met, rule=rule)
