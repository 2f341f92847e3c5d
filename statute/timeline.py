"""Every statutory deadline of a case, computed from its events: the answer to "what must happen by
when, and is it late?" (docs/statute-engine.md holds the table this module implements).

Pure: no I/O and no clock. `as_of` is given, and only decides between `open` and `overdue`.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Iterable, Sequence
from datetime import date, timedelta
from functools import lru_cache
from operator import attrgetter

from statute.advice import required_advice
from statute.calendar import Calendar
from statute.catalogue import CATALOGUE
from statute.conventions import Conventions
from statute.events import CaseHistory, Event
from statute.exceptions import judge
from statute.model import Deadline, ExceptionVerdict, Timeline
from statute.phases import phase_transfer_due, settling_period
from statute.rules import days_beginning_with, months, period_starting_with_ends, within_days

_DEFAULT_CONVENTIONS = Conventions()
_TWO_WEEKS = timedelta(days=14)
_FOUR_WEEKS = timedelta(days=28)
_WEEK_DELTAS = tuple(timedelta(weeks=n) for n in range(53))
_NO_EVENTS: tuple[Event, ...] = ()
_BY_DATE = attrgetter("date")
_ORDER = attrgetter("due", "deadline", "id")  # ids of one deadline are all text or all None

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


@lru_cache(maxsize=1)
def default_calendar() -> Calendar:
    """One shared calendar of England and Wales bank holidays from the `holidays` package."""
    return Calendar()


class _Case:
    """The events of one case, grouped by name in date order, and the deadlines found so far."""

    __slots__ = ("as_of", "by_name", "calendar", "conventions", "deadlines", "practical", "week_offset")

    def __init__(
        self, events: Iterable[Event], calendar: Calendar, conventions: Conventions, as_of: date
    ) -> None:
        self.as_of = as_of
        self.calendar = calendar
        self.conventions = conventions
        self.deadlines: list[Deadline] = []
        self.by_name: dict[str, list[Event]] = {}
        self.practical = calendar.practical_cache
        self.week_offset = timedelta(days=-1 if conventions.week_counting == "event_day_is_day_1" else 0)
        by_name = self.by_name
        for event in sorted(events, key=_BY_DATE):
            group = by_name.get(event.event)
            if group is None:
                by_name[event.event] = [event]
            else:
                group.append(event)

    def all(self, name: str) -> Sequence[Event]:
        return self.by_name.get(name, _NO_EVENTS)

    def first(self, name: str, on_or_after: date) -> Event | None:
        """The earliest event of that name dated on or after `on_or_after`."""
        for event in self.by_name.get(name, ()):
            if event.date >= on_or_after:
                return event
        return None

    def first_of(
        self, names: tuple[str, ...], on_or_after: date, test: Callable[[Event], bool] | None = None
    ) -> Event | None:
        """The earliest event of any of those names dated on or after `on_or_after` that passes `test`."""
        found: Event | None = None
        for name in names:
            for event in self.by_name.get(name, ()):
                if event.date >= on_or_after and (test is None or test(event)):
                    if found is None or event.date < found.date:
                        found = event
                    break
        return found

    def weeks(self, d: date, n: int) -> date:
        """R1, under the week-counting convention."""
        return d + _WEEK_DELTAS[n] + self.week_offset

    def add(
        self,
        name: str,
        due: date,
        start: Event,
        *,
        met_on: date | None = None,
        id: str | None = None,
        start_date: date | None = None,
        rule: str | None = None,
    ) -> None:
        spec = CATALOGUE[name]
        met = met_on is not None and met_on <= due
        if spec.window:
            status = "met" if met else "closed" if self.as_of > due else "open"
        else:
            status = "met" if met else "overdue" if self.as_of > due else "open"
        # Positional construction: this runs for every deadline of every case (bench/timeline.py).
        self.deadlines.append(
            Deadline(
                name,
                id,
                due,
                self.practical.get(due) or self.calendar.practical_due(due),
                rule or spec.rule,
                spec.statutory,
                spec.window,
                start.event,
                start_date or start.date,
                met_on,
                status,
            )
        )


def _on(event: Event | None) -> date | None:
    return event.date if event is not None else None


def _served(case: _Case, event: Event) -> date:
    """When a draft plan or notice counts as served: by post, some working days after it was sent."""
    conventions = case.conventions
    if (event.method or conventions.default_service_method) == "post":
        return case.calendar.working_days_after(event.date, conventions.post_service_working_days)
    return event.date + timedelta(days=conventions.electronic_service_days)


def _assessment(case: _Case) -> None:
    """Request to final plan: regs 5, 8, 10, 13 and the school consultations (docs/statute.md §1.2)."""
    starts = [*case.all("request_received"), *case.all("brought_to_attention")]
    if starts:
        start = min(starts, key=_BY_DATE)
        s = start.date
        case.add(
            "decision_to_assess", case.weeks(s, 6), start, met_on=_on(case.first("decision_to_assess", s))
        )
        decisions = [e for e in case.all("decision_to_assess") if e.date >= s]
        if not (decisions and decisions[-1].outcome == "refuse"):
            decided = case.first("decision_to_issue", s)
            outcome = decided.outcome if decided else None
            if outcome != "issue":
                met = _on(decided) if outcome == "not_issue" else None
                case.add("decision_not_to_issue", case.weeks(s, 16), start, met_on=met)
            if outcome != "not_issue":
                case.add("draft_target", case.weeks(s, 14), start, met_on=_on(case.first("draft_served", s)))
                case.add("final_plan", case.weeks(s, 20), start, met_on=_on(case.first("final_issued", s)))

    for request in case.all("advice_requested"):
        received = request.received_by_body or request.date
        answer = next(
            (e for e in case.all("advice_received") if e.id == request.id and e.date >= request.date), None
        )
        case.add(
            "advice", case.weeks(received, 6), request, met_on=_on(answer), id=request.id, start_date=received
        )
    for served, rule in (("draft_served", "reg 13(1)(a)"), ("amendment_notice_sent", "reg 22(2)(c)")):
        for event in case.all(served):
            case.add("representations_end", days_beginning_with(_served(case, event), 15), event, rule=rule)
    for consulted in case.all("school_consulted"):
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
            met_on=_on(answer),
            id=consulted.school,
        )


def _reviews(case: _Case) -> None:
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
            case.add("transfer_review", max(due, months(transfer.date, 3)), transfer, met_on=_on(review))
        elif following is None and ceased_on is not None and ceased_on <= due:
            break  # the plan ceased before its review fell due
        else:
            case.add("review_due", due, anchor, met_on=_on(following))
    for transfer in transfers:  # a plan that came with the transfer, its making not recorded here
        review = case.first("plan_reviewed", transfer.date)
        case.add("transfer_review", months(transfer.date, 3), transfer, met_on=_on(review))

    invitations = [e.date for e in case.all("review_invitations_sent")]
    previous: date | None = None
    for meeting in case.all("review_meeting"):
        m = meeting.date
        # The first invitation sent after the previous meeting and on or before this one.
        i = bisect_right(invitations, previous) if previous is not None else 0
        sent = invitations[i] if i < len(invitations) and invitations[i] <= m else None
        case.add("review_invitations", m - _TWO_WEEKS, meeting, met_on=sent)
        case.add("review_report", m + _TWO_WEEKS, meeting, met_on=_on(case.first("review_report_sent", m)))
        decision = case.first("plan_reviewed", m)
        decided_on = _on(decision)
        if decision is not None and decision.outcome == "amend":
            notice = case.first("amendment_notice_sent", m)
            decided_on = max(decision.date, notice.date) if notice else None
        case.add("review_decision", m + _FOUR_WEEKS, meeting, met_on=decided_on)
        previous = m

    for notice in case.all("amendment_notice_sent"):
        issued = case.first("amended_plan_issued", notice.date)
        case.add("amended_plan", case.weeks(notice.date, 8), notice, met_on=_on(issued))


def _phase_transfers(case: _Case) -> None:
    """Reviewed and, where necessary, amended before 15 February or 31 March (reg 18)."""
    seen: set[tuple[str | None, int | None]] = set()
    for transfer in case.all("phase_transfer"):
        if (transfer.kind, transfer.year) in seen or transfer.year is None:
            continue
        seen.add((transfer.kind, transfer.year))
        year = transfer.year
        due = phase_transfer_due("school" if transfer.kind == "school" else "post16", year, case.conventions)
        opens, transfer_day = settling_period(year)

        def settles(event: Event, transfer_day: date = transfer_day) -> bool:
            return event.outcome != "amend" and event.date < transfer_day

        done = case.first_of(("amended_plan_issued", "plan_reviewed"), opens, settles)
        case.add("phase_transfer_review", due, transfer, met_on=_on(done), id=str(year))


def _reassessment(case: _Case) -> None:
    """Reassessment: 15 days to decide (reg 25), 14 weeks to the plan (reg 27)."""
    for request in case.all("reassessment_requested"):
        decided = case.first("reassessment_decided", request.date)
        case.add("reassessment_decision", within_days(request.date, 15), request, met_on=_on(decided))
    for decision in case.all("reassessment_decided"):
        if decision.outcome == "reassess":
            plan = case.first_of(("amended_plan_issued", "final_issued"), decision.date)
            case.add("reassessment_plan", case.weeks(decision.date, 14), decision, met_on=_on(plan))


def _transfers(case: _Case) -> None:
    """Transfer between local authorities (reg 15)."""
    calendar = case.calendar
    for aware in case.all("transfer_aware"):
        assert aware.move is not None
        if calendar.working_days_between(aware.date, aware.move) >= 15:
            due = aware.move
        else:
            due = calendar.working_days_beginning_with(aware.date, 15)
        case.add("transfer_plan", due, aware, met_on=_on(case.first("transferred", aware.date)))
    for transfer in case.all("transferred"):
        informed = case.first("transfer_informed", transfer.date)
        case.add("transfer_inform", case.weeks(transfer.date, 6), transfer, met_on=_on(informed))


def _disputes(case: _Case) -> None:
    """Mediation (regs 33-39), and the appeal deadline of each decision notice (HESC r.12, r.20)."""
    for contact in case.all("mediation_adviser_contacted"):
        if contact.wants_mediation:
            held = case.first("mediation_held", contact.date)
            case.add("mediation", within_days(contact.date, 30), contact, met_on=_on(held))
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
        case.add("appeal", due, notice, met_on=_on(lodged), id=notice.decision)


def _certificate(case: _Case, start: Event, rule: str) -> None:
    issued = case.first("mediation_certificate_issued", start.date)
    due = case.calendar.working_days_after(start.date, 3)
    case.add("mediation_certificate", due, start, met_on=_on(issued), rule=rule)


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


def _tribunal(case: _Case) -> None:
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
                met = _on(case.first_of(names, o, test))
                case.add(deadline, case.weeks(o, n), order, met_on=met, rule=rule)


_PATHWAYS = (_assessment, _reviews, _phase_transfers, _reassessment, _transfers, _disputes, _tribunal)


def compute_timeline(
    history: CaseHistory,
    *,
    as_of: date,
    calendar: Calendar | None = None,
    conventions: Conventions | None = None,
) -> Timeline:
    """Every deadline of the case, judged exceptions, statuses as of `as_of`, and the reg 6 advice set."""
    conventions = conventions or _DEFAULT_CONVENTIONS
    case = _Case(history.events, calendar or default_calendar(), conventions, as_of)
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


def _judge_exceptions(case: _Case, history: CaseHistory, as_of: date) -> list[ExceptionVerdict]:
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
            if verdict.accepted and target.status != "met" and not target.window:
                target.status = "excepted"
    return verdicts
