"""The reg 6 advice set in the timeline's `required_advice` (docs/statute.md §1.3; docs/statute-engine.md)."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest

from statute.history import parse_history
from statute.timeline import compute_timeline

from .cases import ev

BASE = ("parent", "educational", "medical", "psychological", "social_care")
RULES = {
    "parent": "reg 6(1)(a)",
    "educational": "reg 6(1)(b)",
    "medical": "reg 6(1)(c)",
    "psychological": "reg 6(1)(d)",
    "social_care": "reg 6(1)(e)",
    "preparing_for_adulthood": "reg 6(1)(g)",
    "requested_by_parent": "reg 6(1)(h)",
}


def required(child: dict[str, Any], events: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    data = {"events": events or [ev("request_received", "2025-01-06")], "child": child}
    return compute_timeline(parse_history(data), as_of=date(2025, 2, 1)).as_dict()["required_advice"]


def entry(items: list[dict[str, Any]], advice: str) -> dict[str, Any]:
    found = [a for a in items if a["advice"] == advice]
    assert len(found) == 1, f"{advice}: {items}"
    return found[0]


def text(value: object) -> str:
    return json.dumps(value).lower()


@pytest.mark.parametrize(
    ("year_group", "expected"),
    [
        (8, set(BASE)),
        (9, {*BASE, "preparing_for_adulthood"}),  # "in or beyond Year 9" (reg 6(1)(g))
        (11, {*BASE, "preparing_for_adulthood"}),
        (0, set(BASE)),
    ],
)
def test_year_group(year_group: int, expected: set[str]) -> None:
    items = required({"year_group": year_group})
    assert {a["advice"] for a in items} == expected
    assert len(items) == len(expected)


def test_rules_and_shape() -> None:
    items = required({"year_group": 10, "parent_requested": ["speech and language therapist"]})
    for item in items:
        assert {"advice", "rule", "conditions", "requested", "reuse"} <= set(item)
        assert item["rule"] == RULES[item["advice"]]
        assert isinstance(item["conditions"], list)
        assert item["requested"] == []
        assert item["reuse"] is None


def test_other_is_never_required() -> None:
    events = [
        ev("request_received", "2025-01-06"),
        ev("advice_requested", "2025-01-07", id="x", advice="other"),
    ]
    assert "other" not in {a["advice"] for a in required({"year_group": 9}, events)}


def _mentions_qualified_teacher(item: dict[str, Any]) -> bool:
    return "qualified" in text(item["conditions"])


@pytest.mark.parametrize(
    ("vi", "hi", "words"),
    [
        (True, False, ["visual"]),
        (False, True, ["hearing"]),
        (True, True, ["visual", "hearing"]),
    ],
)
def test_sensory_impairment_adds_condition_to_educational(vi: bool, hi: bool, words: list[str]) -> None:
    items = required({"year_group": 5, "visual_impairment": vi, "hearing_impairment": hi})
    educational = entry(items, "educational")
    assert _mentions_qualified_teacher(educational)
    for word in words:
        assert word in text(educational["conditions"])
    for other in ("visual", "hearing"):
        if other not in words:
            assert other not in text(educational["conditions"])
    for item in items:
        if item["advice"] != "educational":
            assert not _mentions_qualified_teacher(item), item


def test_no_impairment_no_qualified_teacher_condition() -> None:
    educational = entry(required({"year_group": 5}), "educational")
    assert not _mentions_qualified_teacher(educational)
    assert "visual" not in text(educational["conditions"])
    assert "hearing" not in text(educational["conditions"])


def test_parent_requested_one_entry_each() -> None:
    who = ["speech and language therapist", "occupational therapist"]
    items = [
        a
        for a in required({"year_group": 5, "parent_requested": who})
        if a["advice"] == "requested_by_parent"
    ]
    assert len(items) == 2
    for item in items:
        assert item["rule"] == "reg 6(1)(h)"
        assert "reasonabl" in text(item["conditions"])
    for name in who:
        assert sum(name in text(item) for item in items) == 1, name


def test_no_parent_requests_no_h_entries() -> None:
    assert all(a["advice"] != "requested_by_parent" for a in required({"year_group": 5}))


def _existing(**agrees: bool) -> dict[str, Any]:
    flags = {"adviser_agrees": True, "la_agrees": True, "parent_agrees": True, **agrees}
    return {"year_group": 5, "existing_advice": [{"advice": "psychological", **flags}]}


def test_reuse_with_all_three_agreements() -> None:
    items = required(_existing())
    reuse = entry(items, "psychological")["reuse"]
    assert reuse["allowed"] is True  # reg 6(4): sufficient, and all three agree
    assert "6(4)" in reuse["reason"]
    assert entry(items, "educational")["reuse"] is None


@pytest.mark.parametrize(
    ("missing", "who"),
    [
        ("adviser_agrees", "the adviser"),
        ("parent_agrees", "the parent or young person"),
        ("la_agrees", "the LA"),
    ],
)
def test_reuse_says_which_agreement_is_missing(missing: str, who: str) -> None:
    reuse = entry(required(_existing(**{missing: False})), "psychological")["reuse"]
    assert reuse["allowed"] is False
    assert reuse["reason"].endswith(f"missing: {who}"), reuse


def test_reuse_names_every_missing_agreement() -> None:
    reuse = entry(required(_existing(adviser_agrees=False, la_agrees=False)), "psychological")["reuse"]
    assert reuse["reason"].endswith("missing: the adviser, the LA"), reuse


def test_requested_lists_advice_requested_ids_by_kind() -> None:
    events = [
        ev("request_received", "2025-01-06"),
        ev("advice_requested", "2025-01-07", id="school-ed", advice="educational", school="Oak"),
        ev("advice_requested", "2025-01-07", id="ep-1", advice="psychological"),
        ev("advice_requested", "2025-01-08", id="health", advice="medical"),
        ev("advice_requested", "2025-01-09", id="ep-2", advice="psychological"),
        ev("advice_requested", "2025-01-09", id="pfa", advice="preparing_for_adulthood"),
    ]
    items = required({"year_group": 9}, events)
    assert entry(items, "educational")["requested"] == ["school-ed"]
    assert entry(items, "medical")["requested"] == ["health"]
    assert entry(items, "psychological")["requested"] == ["ep-1", "ep-2"]
    assert entry(items, "preparing_for_adulthood")["requested"] == ["pfa"]
    assert entry(items, "social_care")["requested"] == []
    assert entry(items, "parent")["requested"] == []
