"""Judging an exception claimed against one deadline (docs/statute.md §1.2 matrix; rules R9, R10).

The verdict is the law's: accepted or refused, always with a reason a caseworker can read. Approval by a
manager is a separate, workflow matter.
"""

from __future__ import annotations

from datetime import date

from statute.catalogue import CATALOGUE
from statute.conventions import Conventions
from statute.events import Event, SchoolClosure
from statute.model import Deadline, ExceptionVerdict
from statute.rules import absence_qualifies, closure_qualifies, closure_window, in_window

_KIND_WORDS = {
    "school_closure": "a school closure",
    "early_years_closure": "an early-years setting's closure",
    "personal_circumstances": "exceptional personal circumstances",
    "absence": "an absence from the area",
    "missed_appointment": "a missed appointment",
}


def judge(
    claim: Event,
    deadline: Deadline | None,
    *,
    closures: tuple[SchoolClosure, ...],
    advice_requests: tuple[Event, ...],
    as_of: date,
    conventions: Conventions,
) -> ExceptionVerdict:
    """Accept or refuse `claim` against `deadline` (None when the case has no such deadline)."""
    assert claim.deadline is not None
    assert claim.kind is not None

    def verdict(accepted: bool, reason: str) -> ExceptionVerdict:
        return ExceptionVerdict(
            deadline=claim.deadline or "",
            kind=claim.kind or "",
            accepted=accepted,
            reason=reason,
            claimed=claim.date,
            advice_id=claim.advice_id,
            start=claim.start,
            end=claim.end,
            school=claim.school,
            approved_by=claim.approved_by,
        )

    name, kind = claim.deadline, claim.kind
    spec = CATALOGUE[name]
    if kind not in spec.exceptions:
        return verdict(False, _not_allowed(name, kind, spec.exceptions, spec.rule))
    if deadline is None:
        what = f"advice request '{claim.advice_id}'" if name == "advice" else f"{name} deadline"
        return verdict(False, f"this case has no {what} started on or before {claim.date.isoformat()}")
    period = (deadline.from_date, deadline.due)
    where = f"{spec.exception_rule}"

    if kind in ("school_closure", "early_years_closure"):
        return verdict(
            *_closure(
                claim,
                period=period,
                closures=closures,
                advice_requests=advice_requests,
                conventions=conventions,
                where=where,
            )
        )
    if kind == "absence":
        assert claim.start is not None
        minimum = conventions.tribunal_absence_min_days if spec.tribunal else conventions.absence_min_days
        back = claim.end or as_of
        length = (back - claim.start).days
        if not absence_qualifies(claim.start, back, min_days=minimum):
            still = "" if claim.end else f" so far (to {as_of.isoformat()})"
            return verdict(
                False, f"the absence lasted {length} days{still}; {where} needs at least {minimum}"
            )
        if not _overlaps(claim.start, claim.end, period):
            return verdict(False, f"the absence did not fall between {_span(period)}, when this clock ran")
        return verdict(True, f"an absence from the area of {length} days during {_span(period)} ({where})")
    if kind == "personal_circumstances":
        assert claim.start is not None
        if not _overlaps(claim.start, claim.end, period):
            return verdict(
                False, f"the circumstances did not arise between {_span(period)}, when this clock ran"
            )
        return verdict(True, f"exceptional personal circumstances during {_span(period)} ({where})")
    # missed_appointment: allowed only against advice (reg 8(2)(c))
    assert claim.start is not None
    if not period[0] <= claim.start <= period[1]:
        return verdict(False, f"the appointment on {claim.start.isoformat()} was not within {_span(period)}")
    return verdict(True, f"the child did not keep the appointment of {claim.start.isoformat()} ({where}(c))")


def _closure(
    claim: Event,
    *,
    period: tuple[date, date],
    closures: tuple[SchoolClosure, ...],
    advice_requests: tuple[Event, ...],
    conventions: Conventions,
    where: str,
) -> tuple[bool, str]:
    school = claim.school
    own = [c for c in closures if c.school == school]
    if not own:
        return False, f"no closure of '{school}' is recorded; record the school's closure on the case first"
    long_enough = [
        c for c in own if closure_qualifies(c.first_closed, c.reopens, min_days=conventions.closure_min_days)
    ]
    if not long_enough:
        days = max((c.reopens - c.first_closed).days for c in own)
        return False, (
            f"'{school}' was closed for {days} days at most; {where} needs a closure of at least "
            f"{conventions.closure_min_days} days"
        )
    asked = [r for r in advice_requests if r.school == school and period[0] <= r.date <= period[1]]
    for closure in long_enough:
        window = closure_window(closure.first_closed, closure.reopens)
        for request in asked:
            if in_window(request.date, window, inclusive=conventions.closure_window_inclusive):
                weeks = (closure.reopens - closure.first_closed).days // 7
                return True, (
                    f"advice was requested from '{school}' on {request.date.isoformat()}, within "
                    f"{_span(window)}, around its closure of {weeks} weeks ({where})"
                )
    windows = "; ".join(_span(closure_window(c.first_closed, c.reopens)) for c in long_enough)
    return False, (
        f"no advice was requested from '{school}' between {windows} (one week before it closed to one week "
        f"before it re-opened) while this clock ran ({_span(period)})"
    )


def _not_allowed(name: str, kind: str, allowed: frozenset[str], rule: str) -> str:
    if not allowed:
        return f"the law allows no exception to {name} ({rule})"
    if kind == "missed_appointment":
        return (
            f"a missed appointment excuses an advice deadline only (reg 8(2)(c)), never the LA's own {name}"
        )
    return f"{rule} allows no exception for {_KIND_WORDS[kind]} to {name}"


def _overlaps(start: date, end: date | None, period: tuple[date, date]) -> bool:
    return start <= period[1] and (end is None or end >= period[0])


def _span(period: tuple[date, date]) -> str:
    return f"{period[0].isoformat()} and {period[1].isoformat()}"
