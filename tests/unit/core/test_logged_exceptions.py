"""`core.logging`: a logged exception keeps its type and its traceback, but not a message that may quote a
record: a database error's parameters or DETAIL, a validation error's input (UK GDPR art. 5(1)(c)).

The engine already keeps values out of the errors it raises (tests/integration/db/
test_errors_hold_no_personal_data.py); these are the errors that do not come through it: another engine,
the driver itself, pydantic in an activity, and errors that wrap them.
"""

from __future__ import annotations

import io
import json
import logging
import os
import sqlite3
from collections.abc import Callable, Iterator
from datetime import date
from typing import TypeVar

import pytest
import structlog
from pydantic import BaseModel, ValidationError
from sqlalchemy.exc import IntegrityError

from core.logging import configure_logging, exception_text, get_logger
from core.settings import Settings

GIVEN, FAMILY, DOB, UPN = "Amelia", "Quartermain-Oduya", "2015-06-30", "A123456789012"
PERSONAL = (GIVEN, FAMILY, DOB, UPN)
E = TypeVar("E", bound=BaseException)


class UniqueViolation(Exception):
    """Stands in for psycopg's: its text is the server's message, then a DETAIL line quoting the key."""


UniqueViolation.__module__ = "psycopg.errors"


class Child(BaseModel):
    given_name: str
    family_name: str
    date_of_birth: date
    upn: str | None = None


@pytest.fixture(autouse=True)
def restore_logging(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in list(os.environ):
        if name.upper().startswith("EHCP_"):
            monkeypatch.delenv(name)
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    structlog.reset_defaults()
    root.handlers[:] = handlers
    root.setLevel(level)


def integrity_error() -> IntegrityError:
    """SQLAlchemy's error as an engine without hide_parameters raises it: the parameters in its text."""
    params = {"given_name": GIVEN, "family_name": FAMILY, "date_of_birth": DOB, "upn": UPN}
    orig = sqlite3.IntegrityError("NOT NULL constraint failed: children.postcode")
    error = IntegrityError("INSERT INTO children (given_name, ...) VALUES (?, ...)", params, orig)
    assert GIVEN in str(error)  # the reproduction: SQLAlchemy's own text carries the name
    return error


def driver_error() -> UniqueViolation:
    return UniqueViolation(
        'duplicate key value violates unique constraint "children_upn_key"\n'
        f"DETAIL:  Key (upn)=({UPN}) already exists."
    )


def validation_error() -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        # A missing field's input is the whole object around it.
        Child.model_validate({"given_name": GIVEN, "family_name": FAMILY, "upn": UPN})
    assert GIVEN in str(caught.value)  # pydantic's own text carries the input
    return caught.value


def raised(error: E) -> E:
    """`error` with a traceback, as a logger finds it."""
    try:
        raise error
    except BaseException:  # any error: this only attaches a traceback
        return error


def logged(error: BaseException, log_format: str = "json") -> str:
    stream = io.StringIO()
    configure_logging(Settings(_env_file=None, log_format=log_format), stream=stream)
    logging.getLogger("temporalio.activity").warning("Completing activity as failed", exc_info=error)
    return stream.getvalue()


@pytest.mark.parametrize("log_format", ["json", "console"])
@pytest.mark.parametrize(
    ("make", "kept"),
    [
        (integrity_error, "(sqlite3.IntegrityError) NOT NULL constraint failed: children.postcode"),
        (driver_error, 'duplicate key value violates unique constraint "children_upn_key"'),
        (validation_error, "1 invalid in Child: date_of_birth [missing]"),
    ],
    ids=["sqlalchemy-parameters", "postgresql-detail", "pydantic-input"],
)
def test_a_logged_error_keeps_what_failed_but_not_the_values(
    make: Callable[[], BaseException], kept: str, log_format: str
) -> None:
    error = raised(make())
    text = logged(error, log_format)
    shown = json.loads(text)["exception"] if log_format == "json" else text
    assert type(error).__name__ in shown
    assert kept in shown
    assert "Traceback (most recent call last)" in text
    assert "raise error" in text  # the frames are still there
    for value in PERSONAL:
        assert value not in text, value


def test_a_json_line_holds_the_traceback_in_exception() -> None:
    [line] = [json.loads(line) for line in logged(raised(driver_error())).splitlines()]
    assert line["event"] == "Completing activity as failed"
    assert line["exception"].startswith("Traceback (most recent call last)")
    assert "exc_info" not in line


def test_errors_that_wrap_or_group_a_database_error_are_scrubbed_through_the_chain() -> None:
    try:
        try:
            raise integrity_error()
        except IntegrityError as cause:
            raise RuntimeError("the case could not be recorded") from cause
    except RuntimeError as wrapper:
        chained = wrapper
    members: list[Exception] = [driver_error(), validation_error()]
    grouped = raised(ExceptionGroup("two writes failed", [raised(member) for member in members]))
    for each in (chained, grouped):
        text = logged(each)
        for value in PERSONAL:
            assert value not in text, value
    assert "direct cause of the following exception" in logged(chained)
    assert "the case could not be recorded" in logged(chained)
    assert "children_upn_key" in logged(grouped)


def test_structlog_exception_events_are_scrubbed_too() -> None:
    stream = io.StringIO()
    configure_logging(Settings(_env_file=None, log_format="json"), stream=stream)
    try:
        raise integrity_error()
    except IntegrityError:
        get_logger("ehcp.activities").exception("case.record_failed", case="assessment-1")
    [line] = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert line["event"] == "case.record_failed"
    assert "children.postcode" in line["exception"]
    assert GIVEN not in stream.getvalue()


def test_other_errors_keep_their_message() -> None:
    # Only errors whose text may quote a record lose it: an operator needs the rest to act on.
    error = OSError(28, "No space left on device")
    assert exception_text(error) == "OSError: [Errno 28] No space left on device"
    assert exception_text(driver_error()) == (
        'psycopg.errors.UniqueViolation: duplicate key value violates unique constraint "children_upn_key" '
        "[the rest is not logged: it may quote a record]"
    )
    assert exception_text(sqlite3.IntegrityError("FOREIGN KEY constraint failed")) == (
        "sqlite3.IntegrityError: FOREIGN KEY constraint failed"
    )
