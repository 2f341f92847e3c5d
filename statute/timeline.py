"""Every statutory deadline of a case, computed from its events: the answer to "what must happen by
when, and is it late?" (docs/statute-engine.md holds the table this module implements).

Pure: no I/O and no clock. `as_of` is given, and only decides between `open` and `overdue`.
"""

from __future__ import annotations

from bisect import bisect_right
from datetime import date, timedelta
from functools import lru_cache
from operator import attrgetter

from statute.advice import required_advice
from statute.calendar import Calendar
from statute.conventions import Conventions
from statute.disputes import disputes, tribunal
from statute.events import CaseHistory, Event
from statute.exceptions import judge
from statute.model import Deadline, ExceptionVerdict, Timeline
from statute.phases import phase_transfer_due, settling_period
from statute.rules import days_beginning_with, months, period_starting_with_ends, within_days
from statute.working import Case, on, served

_DEFAULT_CONVENTIONS = Conventions()
_TWO_WEEKS = timedelta(days=14)
_FOUR_WEEKS = timedelta(days=28)
_WEEK_DELTAS = tuple(timedelta(weeks=n) for n in range(53))
_NO_EVENTS: tuple[Event, ...] = ()
_BY_DATE = attrgetter("date")
_ORDER = attrgetter("due", "deadline", "id")  # ids of one deadline are all text or all None


@lru_cache(maxsize=1)
def default_calendar() -> Calendar:
    """One shared calendar of England and Wales bank holidays from the `holidays` package."""
    return Calendar()


def _assessment(case: Case) -> None:
    """Request to final plan: regs 5, 8, 10, 13 and the school consultations (docs/statute.md §1.2)."""
    starts = [*case.all("request_received"), *case.all("brought_to_attention")]
    withdrawn = None
    if starts:
        start = min(starts, key=_BY_DATE)
        s = start.date
        withdrawn = on(case.first("request_withdrawn", s))
        case.add(
            "decision_to_assess",
            case.weeks(s, 6),
            start,
            met_on=on(case.first("decision_to_assess", s)),
            ended_on=withdrawn,
        )
        decisions = [e for e in case.all("decision_to_assess") if e.date >= s]
        if not (decisions and decisions[-1].outcome == "refuse"):
            decided = case.first("decision_to_issue", s)
            outcome = decided.outcome if decided else None
            if outcome != "issue":
                met = on(decided) if outcome == "not_issue" else None
                case.add(
                    "decision_not_to_issue",
                    case.weeks(s, 16),
                    start,
                    met_on=met,
                    ended_on=withdrawn,
                    lapses=True,
                )
            if outcome != "not_issue":
                for name, weeks, step in (
                    ("draft_target", 14, "draft_served"),
                    ("final_plan", 20, "final_issued"),
                ):
                    met = on(case.first(step, s))
                    case.add(name, case.weeks(s, weeks), start, met_on=met, ended_on=withdrawn)

    for request in case.all("advice_requested"):
        received = request.received_by_body or request.date
        answer = next(
            (e for e in case.all("advice_received") if e.id == request.id and e.date >= request.date), None
        )
        # Advice not yet given stops being owed when the decision whether to issue is made (the request
        # is withdrawn then), when a reassessment's plan is issued without it, or when the whole request
        # is withdrawn.
        overtaken = case.first_of(("decision_to_issue", "amended_plan_issued", "final_issued"), request.date)
        ends = [d for d in (on(overtaken), withdrawn) if d is not None and d >= request.date]
        case.add(
            "advice",
            case.weeks(received, 6),
            request,
            met_on=on(answer),
            id=request.id,
            start_date=received,
            ended_on=min(ends, default=None),
        )
    for sent, rule in (("draft_served", "reg 13(1)(a)"), ("amendment_notice_sent", "reg 22(2)(c)")):
        for event in case.all(sent):
            ended = withdrawn if sent == "draft_served" and withdrawn and withdrawn >= event.date else None
            window = days_beginning_with(served(case, event), 15)
            case.add("representations_end", window, event, rule=rule, ended_on=ended)
    for consulted in case.all("school_consulted"):
        # A consultation's answer stops being owed once the plan it was for is issued, or the request
        # is withdrawn.
        issued = case.first_of(("final_issued", "amended_plan_issued"), consulted.date)
        ends = [d for d in (on(issued), withdrawn) if d is not None and d >= consulted.date]
        answer = next(
            (
                e
                for e in case.all("school_responded")
                if e.school == consulted.school and e.date >= consulted.date
            ),
            None,
        )
        case.add(
            "school_response",
            within_days(consulted.date, 15),
            consulted,
            met_on=on(answer),
            id=consulted.school,
            ended_on=min(ends, default=None),
        )


def _reviews(case: Case) -> None:
    """Annual review cycles (CFA s.44(1)), with the new LA's review after a transfer (reg 15(5))."""
    anchors = sorted([*case.all("final_issued"), *case.all("plan_reviewed")], key=_BY_DATE)
    ceased = case.all("plan_ceased")
    ceased_on = ceased[0].date if ceased else None
    transfers = list(case.all("transferred"))
    for i, anchor in enumerate(anchors):
        if ceased_on is not None and anchor.date >= ceased_on:
            break
        due = period_starting_with_ends(anchor.date, 12)
        following = anchors[i + 1] if i + 1 < len(anchors) else None
        transfer = None
        for candidate in transfers:
            if candidate.date >= anchor.date and (following is None or candidate.date < following.date):
                transfer = candidate
                break
        if transfer is not None:
            transfers.remove(transfer)
            review = case.first("plan_reviewed", transfer.date)
            case.add("transfer_review", max(due, months(transfer.date, 3)), transfer, met_on=on(review))
        elif following is None and ceased_on is not None and ceased_on <= due:
            break  # the plan ceased before its review fell due
        else:
            case.add("review_due", due, anchor, met_on=on(following))
    for transfer in transfers:  # a plan that came with the transfer, its making not recorded here
        review = case.first("plan_reviewed", transfer.date)
        case.add("transfer_review", months(transfer.date, 3), transfer, met_on=on(review))

    invitations = [e.date for e in case.all("review_invitations_sent")]
    # A step a manager waived as not needed is no longer owed from the day it was waived.
    waived = {(e.deadline, e.start): e.date for e in case.all("review_step_waived")}
    previous: date | None = None
    for meeting in case.all("review_meeting"):
        m = meeting.date
        # The first invitation sent after the previous meeting and on or before this one.
        i = bisect_right(invitations, previous) if previous is not None else 0
        sent = invitations[i] if i < len(invitations) and invitations[i] <= m else None
        case.add(
            "review_invitations",
            m - _TWO_WEEKS,
            meeting,
            met_on=sent,
            ended_on=waived.get(("review_invitations", m)),
        )
        report = on(case.first("review_report_sent", m))
        case.add(
            "review_report", m + _TWO_WEEKS, meeting, met_on=report, ended_on=waived.get(("review_report", m))
        )
        decision = case.first("plan_reviewed", m)
        decided_on = on(decision)
        if decision is not None and decision.outcome == "amend":
            notice = case.first("amendment_notice_sent", m)
            decided_on = max(decision.date, notice.date) if notice else None
        case.add("review_decision", m + _FOUR_WEEKS, meeting, met_on=decided_on)
        previous = m

    for notice in case.all("amendment_notice_sent"):
        # The amended plan, or the LA's decision not to amend after all (reg 22(4), read as the same 8 weeks).
        issued = case.first_of(("amended_plan_issued", "decided_not_to_amend"), notice.date)
        case.add("amended_plan", case.weeks(notice.date, 8), notice, met_on=on(issued))


def _phase_transfers(case: Case) -> None:
    """Reviewed and, where necessary, amended before 15 February or 31 March (reg 18)."""
    seen: set[tuple[str | None, int | None, date | None]] = set()
    for transfer in case.all("phase_transfer"):
        if (transfer.kind, transfer.year, transfer.move) in seen or transfer.year is None:
            continue
        seen.add((transfer.kind, transfer.year, transfer.move))
        year = transfer.year
        if transfer.kind == "post16_move" and transfer.move is not None:
            # Between post-16 institutions at another time: at least 5 months before the move, reviewed
            # and amended in the 12 months before it.
            due, opens, transfer_day = months(transfer.move, -5), months(transfer.move, -12), transfer.move
            key = transfer.move.isoformat()
        else:
            due = phase_transfer_due(
                "school" if transfer.kind == "school" else "post16", year, case.conventions
            )
            opens, transfer_day = settling_period(year)
            key = str(year)

        def settles(event: Event, transfer_day: date = transfer_day) -> bool:
            return event.outcome != "amend" and event.date < transfer_day

        done = case.first_of(("amended_plan_issued", "plan_reviewed"), opens, settles)
        case.add("phase_transfer_review", due, transfer, met_on=on(done), id=key)


def _reassessment(case: Case) -> None:
    """Reassessment: 15 days to decide (reg 25), 14 weeks to the plan (reg 27)."""
    for request in case.all("reassessment_requested"):
        decided = case.first("reassessment_decided", request.date)
        case.add("reassessment_decision", within_days(request.date, 15), request, met_on=on(decided))
    for decision in case.all("reassessment_decided"):
        if decision.outcome == "reassess":
            plan = case.first_of(("amended_plan_issued", "final_issued"), decision.date)
            case.add("reassessment_plan", case.weeks(decision.date, 14), decision, met_on=on(plan))


def _transfers(case: Case) -> None:
    """Transfer between local authorities (reg 15)."""
    calendar = case.calendar
    for aware in case.all("transfer_aware"):
        assert aware.move is not None
        if calendar.working_days_between(aware.date, aware.move) >= 15:
            due = aware.move
        else:
            due = calendar.working_days_beginning_with(aware.date, 15)
        case.add("transfer_plan", due, aware, met_on=on(case.first("transferred", aware.date)))
    for transfer in case.all("transferred"):
        informed = case.first("transfer_informed", transfer.date)
        case.add("transfer_inform", case.weeks(transfer.date, 6), transfer, met_on=on(informed))


_PATHWAYS = (_assessment, _reviews, _phase_transfers, _reassessment, _transfers, disputes, tribunal)


def compute_timeline(
    history: CaseHistory,
    *,
    as_of: date,
    calendar: Calendar | None = None,
    conventions: Conventions | None = None,
) -> Timeline:
    """Every deadline of the case, judged exceptions, statuses as of `as_of`, and the reg 6 advice set."""
    conventions = conventions or _DEFAULT_CONVENTIONS
    case = Case(history.events, calendar or default_calendar(), conventions, as_of)
    for pathway in _PATHWAYS:
        pathway(case)
    deadlines = case.deadlines
    verdicts = _judge_exceptions(case, history, as_of)

    deadlines.sort(key=_ORDER)

    assessed = bool(
        case.all("request_received") or case.all("brought_to_attention") or case.all("advice_requested")
    )
    advice = required_advice(history.child, history.events) if assessed or history.child else []
    return Timeline(
        as_of=as_of, deadlines=tuple(deadlines), exceptions=tuple(verdicts), required_advice=tuple(advice)
    )


def _judge_exceptions(case: Case, history: CaseHistory, as_of: date) -> list[ExceptionVerdict]:
    verdicts: list[ExceptionVerdict] = []
    claims = case.all("exception")
    if not claims:
        return verdicts
    requests = tuple(case.all("advice_requested"))
    for claim in claims:
        target: Deadline | None = None
        for d in case.deadlines:
            if d.deadline != claim.deadline:
                continue
            if claim.deadline == "advice":  # one advice deadline per id, whenever its clock started
                if d.id == claim.advice_id:
                    target = d
            elif d.from_date <= claim.date and (target is None or d.from_date >= target.from_date):
                target = d
        verdict = judge(
            claim,
            target,
            closures=history.school_closures,
            advice_requests=requests,
            as_of=as_of,
            conventions=case.conventions,
        )
        verdicts.append(verdict)
        if target is not None and (target.exception is None or not target.exception.accepted):
            target.exception = verdict
            if verdict.accepted and target.status not in ("met", "withdrawn") and not target.window:
                target.status = "excepted"
    return verdicts
