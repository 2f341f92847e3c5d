"""Today's date in England: the day every statutory date is counted in."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

ENGLAND = ZoneInfo("Europe/London")


def today_in_england() -> date:
    return datetime.now(ENGLAND).date()
