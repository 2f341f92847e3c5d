"""Reading a case history from JSON-shaped data, strictly.

Every problem is reported as an `InvalidHistory` naming the field (`events[3].date`) and what is wrong
with it in words a caseworker can act on. Nothing is guessed: an unknown event, field or value, an
impossible date or a missing one is refused.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import Any

from statute.errors import InvalidHistory
from statute.events import (
    ADVICE_KINDS,
    EVENT_FIELDS,
    CaseHistory,
    Child,
    Event,
    ExistingAdvice,
    Field,
    SchoolClosure,
)

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
EARLIEST, LATEST = date(1950, 1, 1), date(2150, 12, 31)
_CLOSURE_KINDS = ("school_closure", "early_years_closure")
_NEEDS_START = ("personal_circumstances", "absence", "missed_appointment")


def parse_date(value: object, path: str) -> date:
    """An ISO `YYYY-MM-DD` date that exists, between 1950 and 2150."""
    if not isinstance(value, str) or not _ISO_DATE.fullmatch(value):
        raise InvalidHistory(path, f"{_show(value)} is not a date; write it as YYYY-MM-DD")
    try:
        parsed = date.fromisoformat(value)
    except ValueError:
        raise InvalidHistory(path, f"'{value}' is not a real date") from None
    if not EARLIEST <= parsed <= LATEST:
        raise InvalidHistory(path, f"'{value}' is outside the years 1950 to 2150")
    return parsed


def parse_history(data: object) -> CaseHistory:
    """A `CaseHistory` from `{"events": [...], "school_closures": [...], "child": {...}, "as_of": ...}`."""
    obj = _object(data, "", ("events", "school_closures", "child", "as_of"))
    if "events" not in obj:
        raise InvalidHistory("events", "is missing; give a list of events (it may be empty)")
    events = tuple(_event(item, f"events[{i}]") for i, item in enumerate(_list(obj["events"], "events")))
    closures = tuple(
        _closure(item, f"school_closures[{i}]")
        for i, item in enumerate(_list(obj.get("school_closures", []), "school_closures"))
    )
    child = _child(obj["child"], "child") if obj.get("child") is not None else None
    as_of = parse_date(obj["as_of"], "as_of") if obj.get("as_of") is not None else None
    _check_references(events)
    return CaseHistory(events=events, school_closures=closures, child=child, as_of=as_of)


def _event(item: object, path: str) -> Event:
    if not isinstance(item, Mapping):
        raise InvalidHistory(path, "each event must be an object with 'event' and 'date'")
    name = item.get("event")
    if name not in EVENT_FIELDS:
        raise InvalidHistory(f"{path}.event", f"{_show(name)} is not an event of the vocabulary")
    spec = EVENT_FIELDS[name]
    _object(item, path, ("event", "date", *spec), what=f"a {name} event")
    if "date" not in item:
        raise InvalidHistory(f"{path}.date", "is missing; every event needs the date it happened")
    values: dict[str, Any] = {"event": name, "date": parse_date(item["date"], f"{path}.date")}
    for field_name, field in spec.items():
        if item.get(field_name) is None:
            if field.required:
                raise InvalidHistory(f"{path}.{field_name}", f"is missing; a {name} event needs it")
            continue
        values[field_name] = _value(item[field_name], field, f"{path}.{field_name}")
    event = Event(**values)
    if name == "exception":
        _check_exception(event, path)
    return event


def _check_exception(event: Event, path: str) -> None:
    if event.deadline == "advice" and event.advice_id is None:
        raise InvalidHistory(f"{path}.advice_id", "is missing; an exception to an advice deadline names it")
    if event.deadline != "advice" and event.advice_id is not None:
        raise InvalidHistory(f"{path}.advice_id", "is only for exceptions to an advice deadline")
    if event.kind in _CLOSURE_KINDS and event.school is None:
        raise InvalidHistory(f"{path}.school", f"is missing; a {event.kind} exception names the school")
    if event.kind in _NEEDS_START and event.start is None:
        raise InvalidHistory(f"{path}.start", f"is missing; a {event.kind} exception needs the day it began")
    if event.start is not None and event.end is not None and event.end < event.start:
        raise InvalidHistory(f"{path}.end", "is before start")


def _check_references(events: tuple[Event, ...]) -> None:
    """Advice ids are unique, and an answer or exception names an advice request that exists."""
    requested: dict[str, int] = {}
    for i, event in enumerate(events):
        if event.event == "advice_requested" and event.id is not None:
            if event.id in requested:
                raise InvalidHistory(
                    f"events[{i}].id",
                    f"advice '{event.id}' was already requested in events[{requested[event.id]}]",
                )
            requested[event.id] = i
    for i, event in enumerate(events):
        if event.event == "advice_received" and event.id not in requested:
            raise InvalidHistory(f"events[{i}].id", f"no advice_requested event has id '{event.id}'")
        if (
            event.event == "advice_requested"
            and event.received_by_body
            and event.received_by_body < event.date
        ):
            raise InvalidHistory(f"events[{i}].received_by_body", "is before the request was sent")


def _closure(item: object, path: str) -> SchoolClosure:
    obj = _object(item, path, ("school", "first_closed", "reopens"), what="a school closure")
    for name in ("school", "first_closed", "reopens"):
        if obj.get(name) is None:
            raise InvalidHistory(f"{path}.{name}", "is missing")
    closure = SchoolClosure(
        school=_value(obj["school"], Field("text"), f"{path}.school"),
        first_closed=parse_date(obj["first_closed"], f"{path}.first_closed"),
        reopens=parse_date(obj["reopens"], f"{path}.reopens"),
    )
    if closure.reopens <= closure.first_closed:
        raise InvalidHistory(f"{path}.reopens", "must be after first_closed")
    return closure


def _child(item: object, path: str) -> Child:
    keys = ("year_group", "visual_impairment", "hearing_impairment", "parent_requested", "existing_advice")
    obj = _object(item, path, keys, what="the child")
    year_group = obj.get("year_group")
    if year_group is not None and (
        not isinstance(year_group, int) or isinstance(year_group, bool) or not -2 <= year_group <= 14
    ):
        raise InvalidHistory(f"{path}.year_group", "must be a whole number from -2 (nursery) to 14")
    requested = _list(obj.get("parent_requested", []), f"{path}.parent_requested")
    return Child(
        year_group=year_group,
        visual_impairment=_flag(obj, "visual_impairment", path),
        hearing_impairment=_flag(obj, "hearing_impairment", path),
        parent_requested=tuple(
            _value(who, Field("text"), f"{path}.parent_requested[{i}]") for i, who in enumerate(requested)
        ),
        existing_advice=tuple(
            _existing(entry, f"{path}.existing_advice[{i}]")
            for i, entry in enumerate(_list(obj.get("existing_advice", []), f"{path}.existing_advice"))
        ),
    )


def _existing(item: object, path: str) -> ExistingAdvice:
    keys = ("advice", "adviser_agrees", "la_agrees", "parent_agrees")
    obj = _object(item, path, keys, what="existing advice")
    advice = _value(obj.get("advice"), Field("choice", True, ADVICE_KINDS), f"{path}.advice")
    return ExistingAdvice(
        advice=advice,
        adviser_agrees=_flag(obj, "adviser_agrees", path),
        la_agrees=_flag(obj, "la_agrees", path),
        parent_agrees=_flag(obj, "parent_agrees", path),
    )


def _value(value: object, field: Field, path: str) -> Any:
    if field.kind == "date":
        return parse_date(value, path)
    if field.kind == "bool":
        if not isinstance(value, bool):
            raise InvalidHistory(path, f"must be true or false, not {_show(value)}")
        return value
    if field.kind == "year":
        if not isinstance(value, int) or isinstance(value, bool) or not EARLIEST.year <= value <= LATEST.year:
            raise InvalidHistory(path, f"must be a year such as 2026, not {_show(value)}")
        return value
    if field.kind == "choice":
        if value not in field.choices:
            raise InvalidHistory(path, f"{_show(value)} is not one of {', '.join(field.choices)}")
        return value
    if not isinstance(value, str) or not value.strip():
        raise InvalidHistory(path, f"must be non-empty text, not {_show(value)}")
    return value


def _flag(obj: Mapping[str, object], name: str, path: str) -> bool:
    value = obj.get(name, False)
    if not isinstance(value, bool):
        raise InvalidHistory(f"{path}.{name}", f"must be true or false, not {_show(value)}")
    return value


def _object(
    value: object, path: str, keys: tuple[str, ...], what: str = "a case history"
) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise InvalidHistory(path, f"{what} must be a JSON object")
    for key in value:
        if key not in keys:
            where = f"{path}.{key}" if path else str(key)
            raise InvalidHistory(where, f"is not a field of {what}; it takes {', '.join(keys)}")
    return value


def _list(value: object, path: str) -> list[Any]:
    if not isinstance(value, list):
        raise InvalidHistory(path, f"must be a list, not {_show(value)}")
    return value


def _show(value: object) -> str:
    text = (
        repr(value)
        if isinstance(value, str)
        else str(value).lower()
        if isinstance(value, bool)
        else str(value)
    )
    return text if len(text) <= 40 else text[:37] + "..."
