"""docs/vocabulary.md names every event, field, kind and deadline `statute/events.py` declares, and no other.

The page is the vocabulary's contract for readers; the module is its one declaration in code. A name
added to one and not the other fails here.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from statute.events import DEADLINE_NAMES, EVENT_FIELDS

VOCABULARY = Path(__file__).resolve().parents[3] / "docs" / "vocabulary.md"
_ROW_NAME = re.compile(r"^\| `([a-z0-9_]+)` \|")
_NAME = re.compile(r"`([a-z0-9_]+)`")


def section(text: str, heading: str) -> str:
    """The text under a `## ` heading, up to the next one."""
    start = text.index(f"\n## {heading}")
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else len(text)]


def row_names(text: str) -> list[str]:
    """The names that open a table's rows: `| `name` | ...`."""
    return [m.group(1) for line in text.splitlines() if (m := _ROW_NAME.match(line))]


def missing(names: set[str], rows: list[str]) -> set[str]:
    return names - set(rows)


@pytest.fixture(scope="module")
def page() -> str:
    return VOCABULARY.read_text(encoding="utf-8")


def test_every_event_has_its_row(page: str) -> None:
    rows = row_names(section(page, "Events"))
    assert missing(set(EVENT_FIELDS), rows) == set(), "events missing from docs/vocabulary.md"
    assert set(rows) - set(EVENT_FIELDS) == set(), "docs/vocabulary.md names events statute does not know"
    assert len(rows) == len(set(rows)), "an event has two rows"


def test_every_deadline_has_its_row(page: str) -> None:
    rows = row_names(section(page, "Deadlines"))
    assert missing(set(DEADLINE_NAMES), rows) == set(), "deadlines missing from docs/vocabulary.md"
    assert set(rows) - set(DEADLINE_NAMES) == set(), (
        "docs/vocabulary.md names deadlines statute does not know"
    )
    assert len(rows) == len(set(rows)), "a deadline has two rows"


def test_every_field_and_kind_is_named(page: str) -> None:
    # The `exception` event's `deadline` takes any deadline name: those have their rows under Deadlines.
    named = set(_NAME.findall(section(page, "Events"))) | set(DEADLINE_NAMES)
    expected = {
        name
        for fields in EVENT_FIELDS.values()
        for field, spec in fields.items()
        for name in (field, *spec.choices)
    }
    assert expected - named == set(), "fields or kinds missing from docs/vocabulary.md"


def test_a_missing_name_is_found() -> None:
    # The checks above can fail: a page without one event's row is caught.
    events = "\n## Events\n\n| event |\n|---|\n| `request_received` |\n\n## Deadlines\n"
    assert missing({"request_received", "final_issued"}, row_names(section(events, "Events"))) == {
        "final_issued"
    }
