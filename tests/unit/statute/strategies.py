"""Hypothesis strategies for case histories that follow the vocabulary, built from `EVENT_FIELDS`."""

from __future__ import annotations

from datetime import date
from typing import Any

from hypothesis import strategies as st

from statute.events import EVENT_FIELDS, Field

DAYS = st.dates(min_value=date(2016, 1, 1), max_value=date(2030, 12, 31))
IDS = ("school", "health", "ep", "social")
SCHOOLS = ("Riverside", "Hilltop")
_TEXT = {"id": IDS, "school": SCHOOLS, "approved_by": ("m.jones",), "evidence": ("letter",)}
# Events that only satisfy deadlines: none of them starts a clock or moves one.
SATISFYING_ONLY = (
    "advice_received",
    "school_responded",
    "review_invitations_sent",
    "review_report_sent",
    "transfer_informed",
    "appeal_lodged",
    "exception",
)


def _field(name: str, field: Field) -> st.SearchStrategy[Any]:
    if field.kind == "date":
        return DAYS.map(date.isoformat)
    if field.kind == "bool":
        return st.booleans()
    if field.kind == "year":
        return st.integers(2016, 2031)
    if field.kind == "choice":
        return st.sampled_from(field.choices)
    return st.sampled_from(_TEXT.get(name, ("x",)))


@st.composite
def event(draw: st.DrawFn, names: tuple[str, ...] = tuple(EVENT_FIELDS)) -> dict[str, Any]:
    """One event as JSON-shaped data, with its required fields and some of its optional ones."""
    name = draw(st.sampled_from(names))
    item: dict[str, Any] = {"event": name, "date": draw(DAYS).isoformat()}
    for field_name, field in EVENT_FIELDS[name].items():
        if field.required or draw(st.booleans()):
            item[field_name] = draw(_field(field_name, field))
    if name == "advice_requested" and item.get("received_by_body", "9999") < item["date"]:
        del item["received_by_body"]
    if name == "exception":
        item.pop("advice_id", None)
        if item["deadline"] == "advice":
            item["advice_id"] = draw(st.sampled_from(IDS))
        if item["kind"] in ("school_closure", "early_years_closure"):
            item["school"] = draw(st.sampled_from(SCHOOLS))
        if item["kind"] in ("personal_circumstances", "absence", "missed_appointment"):
            item["start"] = draw(DAYS).isoformat()
        if "end" in item and "start" in item and item["end"] < item["start"]:
            item["start"], item["end"] = item["end"], item["start"]
        elif "end" in item and "start" not in item:
            del item["end"]
    return item


def _valid(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Keep one request per advice id, and answers only to ids that were requested."""
    requested: set[str] = set()
    kept = []
    for item in events:
        if item["event"] == "advice_requested":
            if item["id"] in requested:
                continue
            requested.add(item["id"])
        kept.append(item)
    return [e for e in kept if e["event"] != "advice_received" or e["id"] in requested]


@st.composite
def history(draw: st.DrawFn, max_events: int = 25) -> dict[str, Any]:
    """A case history: a request and a plan's life in random order and kinds, with school closures."""
    events = draw(st.lists(event(), max_size=max_events))
    start = draw(DAYS)
    events.insert(0, {"event": "request_received", "date": start.isoformat(), "source": "parent"})
    closures = [
        {"school": school, "first_closed": f"{year}-07-22", "reopens": f"{year}-09-0{reopen}"}
        for school, year, reopen in draw(
            st.lists(
                st.tuples(st.sampled_from(SCHOOLS), st.integers(2016, 2030), st.integers(1, 9)), max_size=3
            )
        )
    ]
    return {"events": _valid(events), "school_closures": closures}
