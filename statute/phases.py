"""Phase transfers (reg 18): when a child changes phase, and what must be settled by when.

England's academic year runs from 1 September to 31 August: a child born from 1 September Y to
31 August Y+1 enters Reception (year group 0) in September Y+5, Year 1 a year later, and so on. Reg 18
times the review of a plan before a transfer between phases: into Reception (from early years), into
Year 3 (infant to junior) and into Year 7 (primary to secondary) are `school` transfers, reviewed and
amended before 15 February of the year of transfer; into Year 12 (secondary to post-16) is `post16`,
before 31 March. Local patterns the date of birth cannot tell (middle schools, a sixth form the child
stays in) are recorded on the plan as `phase_transfer` events, and a recorded transfer wins.

Working back from the deadline (*R (L, M, P) v Devon CC* [2022]): the LA's decision after a review is
due 4 weeks after the meeting, with the proposed amendments, and the amended plan 8 weeks after that
notice (reg 22(3)), so the latest review meeting that can still settle the transfer in time is 12 weeks
before the deadline; its invitations go out 2 weeks before it (reg 20(2)).

Pure: no I/O and no clock; `today` is always given.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Final, Literal

from statute.conventions import Conventions

TransferKind = Literal["school", "post16"]
TransferStatus = Literal["settled", "on_track", "at_risk", "overdue"]

# The year groups a child enters at a transfer between phases, and the kind of each transfer.
TRANSFER_YEAR_GROUPS: Final[dict[int, TransferKind]] = {0: "school", 3: "school", 7: "school", 12: "post16"}
# The decision (4 weeks after the meeting) and the amended plan (8 weeks after the notice).
MEETING_BEFORE_DEADLINE: Final = timedelta(weeks=12)
INVITATIONS_BEFORE_MEETING: Final = timedelta(weeks=2)  # reg 20(2)-(4)


@dataclass(frozen=True, slots=True)
class PhaseTransfer:
    """A transfer between phases in September of `year`, into `year_group`."""

    kind: TransferKind
    year: int
    year_group: int


def academic_cohort(date_of_birth: date) -> int:
    """The year Y of a child born from 1 September Y to 31 August Y+1."""
    return date_of_birth.year if date_of_birth.month >= 9 else date_of_birth.year - 1


def year_group(date_of_birth: date, year: int) -> int:
    """The year group a child is in from September of `year` (0 is Reception, negative is early years)."""
    return year - academic_cohort(date_of_birth) - 5


def born_between(group: int, year: int) -> tuple[date, date]:
    """The first and last dates of birth of the children who enter `group` in September of `year`."""
    cohort = year - 5 - group
    return date(cohort, 9, 1), date(cohort + 1, 8, 31)


def transfer_from_birth(date_of_birth: date, year: int) -> PhaseTransfer | None:
    """The transfer a child born on `date_of_birth` makes in September of `year`, if any."""
    group = year_group(date_of_birth, year)
    kind = TRANSFER_YEAR_GROUPS.get(group)
    return PhaseTransfer(kind=kind, year=year, year_group=group) if kind is not None else None


def phase_transfer_due(kind: TransferKind, year: int, conventions: Conventions | None = None) -> date:
    """The last day to review and amend the plan: "before 15 February" (school) or "before 31 March"
    (post-16) of the year of transfer, read strictly (14 Feb / 30 Mar) or inclusively (15 Feb / 31 Mar)."""
    named = date(year, 2, 15) if kind == "school" else date(year, 3, 31)
    inclusive = conventions is not None and conventions.phase_transfer_reading == "inclusive"
    return named if inclusive else named - timedelta(days=1)


def kind_due_on(due: date) -> TransferKind:
    """The kind of transfer a recorded deadline serves: February is a school's, March post-16's."""
    return "school" if due.month <= 2 else "post16"


def settling_period(year: int) -> tuple[date, date]:
    """The 12 months before the transfer in September of `year`: a review or an amended plan settles
    the transfer on or after the first day and before the second (1 September, the day of transfer)."""
    return date(year - 1, 9, 1), date(year, 9, 1)


def next_transfer_year(today: date) -> int:
    """The calendar year of the next September's transfers: this year's until 31 August, then next."""
    return today.year if today < date(today.year, 9, 1) else today.year + 1


def latest_review_meeting(due: date) -> date:
    """The last day a review meeting can be held and the transfer still settled by `due`."""
    return due - MEETING_BEFORE_DEADLINE


def invitations_by(meeting: date) -> date:
    """The last day to send the invitations to a review meeting on `meeting` (2 weeks' notice)."""
    return meeting - INVITATIONS_BEFORE_MEETING


def transfer_status(
    *,
    due: date,
    today: date,
    meeting_on: date | None,
    decided_on: date | None,
    settled_on: date | None,
) -> TransferStatus:
    """Where a transfer stands on `today`, from its review in the settling period (`meeting_on`, and the
    LA's decision on it, `decided_on`) and the day it was settled, if it was.

    `settled` once a review kept the plan or an amended plan was issued; `overdue` when the deadline has
    passed unsettled; `at_risk` when no meeting was held and its invitations are late, or when the latest
    feasible meeting has passed without a decision; `on_track` otherwise.
    """
    if settled_on is not None:
        return "settled"
    if today > due:
        return "overdue"
    meeting = latest_review_meeting(due)
    if meeting_on is None and today > invitations_by(meeting):
        return "at_risk"
    if today > meeting and decided_on is None:
        return "at_risk"
    return "on_track"
