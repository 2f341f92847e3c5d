"""The unverified readings of the law as named settings with documented defaults (docs/statute.md ⚠️)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from statute.conventions import Conventions, describe
from statute.errors import InvalidConvention, StatuteError

# The defaults docs/statute.md asks for, by hand:
DEFAULTS = {
    "week_counting": "exclude_event_day",  # §1.1 "Default: +7N"
    "phase_transfer_reading": "strict",  # §1.1 "Implement 14 Feb / 30 Mar as the compliance date"
    "closure_window_inclusive": True,  # R9 "[first_closed_day - 7, reopen - 7], inclusive"
    "closure_min_days": 28,  # R9 "reopen - first_closed_day >= 28 days"
    "absence_min_days": 28,  # R10 ">= 28 days"
    "tribunal_absence_min_days": 14,  # regs 44(3)/45 "absence >= 2 weeks"
    "default_service_method": "email",
    "post_service_working_days": 2,  # first-class post, Interpretation Act s.7
    "electronic_service_days": 0,  # §1.1 "Email or portal: same day"
    "tribunal_moves": True,  # R7 moves 25 Dec - 1 Jan and August
    "tribunal_amend_weeks": 5,  # §1.13 content appeals: 5 weeks
    "tribunal_school_only_weeks": 2,  # school-only appeal: 2 weeks
}


@pytest.mark.parametrize(("name", "value"), list(DEFAULTS.items()))
def test_default(name: str, value: object) -> None:
    assert getattr(Conventions(), name) == value
    assert type(getattr(Conventions(), name)) is type(value)


def test_no_undocumented_settings() -> None:
    assert {f.name for f in dataclasses.fields(Conventions)} == set(DEFAULTS)


def test_conventions_are_frozen() -> None:
    conventions = Conventions()
    with pytest.raises(dataclasses.FrozenInstanceError):
        conventions.closure_min_days = 14  # type: ignore[misc]


def test_defaults_pass_their_own_check() -> None:
    Conventions().check()


def test_no_overrides_gives_the_defaults() -> None:
    assert Conventions().with_overrides({}) == Conventions()


@pytest.mark.parametrize(
    ("name", "raw", "value"),
    [
        ("closure_window_inclusive", "false", False),
        ("closure_window_inclusive", "False", False),
        ("closure_window_inclusive", "NO", False),
        ("closure_window_inclusive", "0", False),
        ("closure_window_inclusive", "true", True),
        ("tribunal_moves", "no", False),
        ("tribunal_moves", "yes", True),
        ("tribunal_moves", "TRUE", True),
        ("tribunal_moves", "1", True),
        ("closure_min_days", "21", 21),
        ("closure_min_days", "0", 0),
        ("absence_min_days", "366", 366),  # the top of the range
        ("tribunal_absence_min_days", "7", 7),
        ("post_service_working_days", "1", 1),
        ("electronic_service_days", "1", 1),
        ("tribunal_amend_weeks", "6", 6),
        ("tribunal_school_only_weeks", "3", 3),
        ("week_counting", "event_day_is_day_1", "event_day_is_day_1"),
        ("week_counting", "exclude_event_day", "exclude_event_day"),
        ("phase_transfer_reading", "inclusive", "inclusive"),
        ("default_service_method", "post", "post"),
        ("default_service_method", "portal", "portal"),
        ("default_service_method", "hand", "hand"),
    ],
)
def test_with_overrides_parses_text(name: str, raw: str, value: object) -> None:
    original = Conventions()
    changed = original.with_overrides({name: raw})
    assert getattr(changed, name) == value
    assert type(getattr(changed, name)) is type(value)
    assert original == Conventions()  # a copy: the original is untouched
    others = {n: v for n, v in DEFAULTS.items() if n != name}
    assert {n: getattr(changed, n) for n in others} == others


def test_several_overrides_at_once() -> None:
    changed = Conventions().with_overrides(
        {"week_counting": "event_day_is_day_1", "closure_min_days": "21", "tribunal_moves": "false"}
    )
    assert changed.week_counting == "event_day_is_day_1"
    assert changed.closure_min_days == 21
    assert changed.tribunal_moves is False
    assert changed.absence_min_days == 28


@pytest.mark.parametrize(
    ("name", "raw"),
    [
        ("closure_window_inclusive", "maybe"),
        ("closure_window_inclusive", ""),
        ("closure_window_inclusive", "2"),
        ("tribunal_moves", "off"),
        ("closure_min_days", "four weeks"),
        ("closure_min_days", "2.5"),
        ("closure_min_days", ""),
        ("closure_min_days", "-1"),  # below the range
        ("absence_min_days", "367"),  # above the range
        ("post_service_working_days", "-3"),
        ("tribunal_amend_weeks", "1000"),
        ("week_counting", "day_1"),
        ("week_counting", "EXCLUDE_EVENT_DAY"),
        ("phase_transfer_reading", "lenient"),
        ("default_service_method", "fax"),
    ],
)
def test_bad_value_names_the_setting(name: str, raw: str) -> None:
    with pytest.raises(InvalidConvention, match=name):
        Conventions().with_overrides({name: raw})


@pytest.mark.parametrize("name", ["week_count", "closure_days", "", "Week_Counting"])
def test_unknown_setting_is_named(name: str) -> None:
    with pytest.raises(InvalidConvention) as caught:
        Conventions().with_overrides({name: "1"})
    assert f"'{name}'" in str(caught.value)


def test_invalid_convention_is_a_statute_error() -> None:
    with pytest.raises(StatuteError):
        Conventions().with_overrides({"nonsense": "1"})
    with pytest.raises(ValueError, match="closure_min_days"):
        Conventions().with_overrides({"closure_min_days": "x"})


@pytest.mark.parametrize(
    ("changes", "name"),
    [
        ({"closure_min_days": 400}, "closure_min_days"),
        ({"absence_min_days": -1}, "absence_min_days"),
        ({"week_counting": "fortnightly"}, "week_counting"),
        ({"default_service_method": "pigeon"}, "default_service_method"),
        ({"phase_transfer_reading": ""}, "phase_transfer_reading"),
    ],
)
def test_check_refuses_values_built_directly(changes: dict[str, object], name: str) -> None:
    with pytest.raises(InvalidConvention, match=name):
        Conventions(**changes).check()  # type: ignore[arg-type]


def test_describe_lists_every_setting_with_default_and_meaning() -> None:
    described = describe()
    assert [entry["name"] for entry in described] == list(DEFAULTS)
    for entry in described:
        assert set(entry) == {"name", "default", "meaning"}
        assert entry["default"] == DEFAULTS[str(entry["name"])]
        meaning = entry["meaning"]
        assert isinstance(meaning, str)
        assert len(meaning) > 20


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("week_counting", ["exclude_event_day", "event_day_is_day_1"]),
        ("phase_transfer_reading", ["strict", "inclusive", "14 Feb"]),
        ("closure_window_inclusive", ["window"]),
        ("tribunal_moves", ["25 Dec", "August"]),
    ],
)
def test_describe_explains_the_choices(name: str, words: list[str]) -> None:
    meaning = str(next(entry["meaning"] for entry in describe() if entry["name"] == name))
    for word in words:
        assert word in meaning


def test_every_setting_is_documented_for_operators_with_its_default() -> None:
    doc = (Path(__file__).resolve().parents[3] / "docs" / "conventions.md").read_text(encoding="utf-8")
    for entry in describe():
        default = entry["default"]
        shown = str(default).lower() if isinstance(default, bool) else str(default)
        assert f"| `{entry['name']}` | `{shown}` |" in doc, entry["name"]
