"""The timeliness measures as the dashboard draws them (issue 10 s.4): each measure month by month, a
line a series, for its inline SVG chart (api/pages/templates/dashboard_trend.html) and its table."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Final

from db.kpis import Measure, MonthlyKpis, MonthlyPlanKpis

MONTHS = 12

# The measures, in the words of the dashboard: the deadline counted, and what "on time" means.
ASSESSMENT_MEASURES: Final = (
    ("decision_to_assess", "decided_within_6_weeks", "Decided whether to assess within 6 weeks"),
    ("decision_not_to_issue", "not_to_issue_within_16_weeks", "Decided not to issue a plan within 16 weeks"),
    ("final_plan", "issued_within_20_weeks", "Final plan issued within 20 weeks"),
)
PLAN_MEASURES: Final = (
    ("review_due", "reviews_within_12_months", "Annual review held within 12 months"),
    ("review_decision", "reviews_decided_within_4_weeks", "Review decided within 4 weeks of the meeting"),
    ("amended_plan", "amended_plans_within_8_weeks", "Amended plan issued within 8 weeks of the notice"),
    ("phase_transfer_review", "phase_transfers_by_deadline", "Phase transfer settled by its deadline"),
)
MEASURE_TITLES: Final = {deadline: title for deadline, _, title in (*ASSESSMENT_MEASURES, *PLAN_MEASURES)}


def last_months(today: date, n: int = MONTHS) -> tuple[date, ...]:
    """The first days of the `n` months ending with today's, oldest first."""
    index = today.year * 12 + today.month - 1
    return tuple(date((index - k) // 12, (index - k) % 12 + 1, 1) for k in range(n - 1, -1, -1))


# GOV.UK's analysis palette (each line at least 3:1 on white), told apart without colour by dashes and
# markers too: including exceptions a solid line with circles, excluding them a dashed line with squares.
LINE_STYLES: Final = {
    "including": {"colour": "#12436d", "dash": "", "marker": "circle", "label": "Including exceptions"},
    "excluding": {"colour": "#801650", "dash": "8 5", "marker": "square", "label": "Excluding exceptions"},
    "on_time": {"colour": "#12436d", "dash": "", "marker": "circle", "label": "On time"},
}


@dataclass(frozen=True, slots=True)
class Trend:
    """One measure month by month, for its chart and its table: a line a series, `Measure` a month (a
    month whose `percent` is None had no case: a gap in the line, not 0%)."""

    deadline: str
    title: str
    months: tuple[date, ...]
    series: tuple[tuple[str, tuple[Measure, ...]], ...]  # (a key of LINE_STYLES, a Measure a month)

    @property
    def totals(self) -> tuple[Measure, ...]:
        """Each series' months together."""
        return tuple(Measure.of(sum(m.within for m in ms), sum(m.total for m in ms)) for _, ms in self.series)

    @property
    def description(self) -> str:
        """The chart in words: each line's latest figure, its lowest and highest, the months without."""
        months = self.months
        said = [f"Percentage on time each month from {month_words(months[0])} to {month_words(months[-1])}."]
        for style, measures in self.series:
            known = [(m.percent, months[i]) for i, m in enumerate(measures) if m.percent is not None]
            label = LINE_STYLES[style]["label"]
            if not known:
                said.append(f"{label}: no figures yet.")
                continue
            latest, low, high = known[-1], min(known, key=_first), max(known, key=_first)
            missing = len(months) - len(known)
            said.append(
                f"{label}: {latest[0]:g}% in {month_words(latest[1])}; "
                f"lowest {low[0]:g}% ({month_words(low[1])}), "
                f"highest {high[0]:g}% ({month_words(high[1])})"
                + (f"; no figures for {missing} month{'s' if missing != 1 else ''}." if missing else ".")
            )
        return " ".join(said)


def _first(pair: tuple[float, date]) -> float:
    return pair[0]


def month_words(month: date) -> str:
    return month.strftime("%B %Y")


def trends(found: MonthlyKpis, plans: MonthlyPlanKpis) -> tuple[list[Trend], list[Trend]]:
    """The assessment measures (including and excluding exceptions) and the plan measures, as trends."""
    assessment = [
        Trend(
            deadline,
            title,
            found.months,
            (
                ("including", getattr(found, field).including_exceptions),
                ("excluding", getattr(found, field).excluding_exceptions),
            ),
        )
        for deadline, field, title in ASSESSMENT_MEASURES
    ]
    plan = [Trend(d, title, plans.months, (("on_time", getattr(plans, f)),)) for d, f, title in PLAN_MEASURES]
    return assessment, plan
