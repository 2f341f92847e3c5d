"""`core.logging`: named events, ISO timestamps, level filtering, and no personal data in any line."""

from __future__ import annotations

import io
import json
import logging
import os
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
import structlog

from core.logging import REDACTED, configure_logging, get_logger, redact_personal_data
from core.settings import Settings

PERSONAL = {
    "name": "Amelia Quartermain-Oduya",
    "given_name": "Amelia",
    "family_name": "Quartermain-Oduya",
    "date_of_birth": "2015-06-30",
    "dob": "30/06/2015",
    "email": "parent@example.org",
    "address": "1 Acacia Avenue",
    "postcode": "NW1 2AB",
    "phone": "07700 900123",
    "upn": "A123456789012",
    "body": "Dear Ms Quartermain-Oduya",
}


@pytest.fixture(autouse=True)
def restore_logging(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in list(os.environ):
        if name.upper().startswith("EHCP_"):
            monkeypatch.delenv(name)
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    structlog.reset_defaults()
    structlog.contextvars.clear_contextvars()
    root.handlers[:] = handlers
    root.setLevel(level)


def configured(log_format: str = "json", log_level: str = "info") -> io.StringIO:
    stream = io.StringIO()
    settings = Settings(_env_file=None, log_format=log_format, log_level=log_level)
    configure_logging(settings, stream=stream)
    return stream


def lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_an_event_is_one_json_line_with_its_name_level_and_iso_timestamp() -> None:
    stream = configured()
    get_logger("ehcp.deadlines").warning("deadline.breached", deadline="final_plan", case="assessment-1")
    [line] = lines(stream)
    assert line["event"] == "deadline.breached"
    assert line["level"] == "warning"
    assert line["deadline"] == "final_plan"
    assert line["case"] == "assessment-1"
    assert line["logger"] == "ehcp.deadlines"
    assert datetime.fromisoformat(line["timestamp"]).utcoffset() is not None


def test_every_personal_data_key_is_redacted_from_json_output() -> None:
    stream = configured()
    get_logger().info("notification.sent", channel="outbox", **PERSONAL)
    [line] = lines(stream)
    assert {key: line[key] for key in PERSONAL} == dict.fromkeys(PERSONAL, REDACTED)
    assert line["channel"] == "outbox"
    for value in PERSONAL.values():
        assert value not in stream.getvalue()


def test_personal_data_nested_in_values_or_bound_in_context_is_redacted() -> None:
    stream = configured()
    structlog.contextvars.bind_contextvars(case="assessment-7", email="parent@example.org")
    get_logger().info(
        "advice.requested",
        agency={"kind": "health", "contacts": [{"Name": "Dr Who", "phone": "0123"}]},
        recipients=({"postcode": "NW1 2AB"},),
    )
    [line] = lines(stream)
    assert line["case"] == "assessment-7"
    assert line["email"] == REDACTED
    assert line["agency"] == {"kind": "health", "contacts": [{"Name": REDACTED, "phone": REDACTED}]}
    assert line["recipients"] == [{"postcode": REDACTED}]
    for value in ("parent@example.org", "Dr Who", "0123", "NW1 2AB"):
        assert value not in stream.getvalue()


def test_standard_library_logs_share_the_format_and_the_redaction() -> None:
    stream = configured()
    logging.getLogger("temporalio.worker").warning("worker started")
    [line] = lines(stream)
    assert line["event"] == "worker started"
    assert line["level"] == "warning"
    assert line["logger"] == "temporalio.worker"


def test_events_below_the_level_are_dropped() -> None:
    stream = configured(log_level="warning")
    get_logger().info("deadline.computed", deadline="decision_to_assess")
    logging.getLogger("temporalio").info("noise")
    get_logger().error("deadline.breached", deadline="decision_to_assess")
    assert [line["event"] for line in lines(stream)] == ["deadline.breached"]


def test_console_output_is_redacted_too() -> None:
    stream = configured(log_format="console")
    get_logger().info("deadline.breached", deadline="final_plan", name="Amelia Quartermain-Oduya")
    text = stream.getvalue()
    assert "deadline.breached" in text
    assert "final_plan" in text
    assert REDACTED in text
    assert "Amelia" not in text
    with pytest.raises(json.JSONDecodeError):
        json.loads(text)


def test_configuring_twice_keeps_one_handler() -> None:
    stream = configured()
    second = configured()
    get_logger().info("worker.started")
    assert stream.getvalue() == ""
    assert len(lines(second)) == 1


def test_the_redaction_processor_leaves_other_keys_alone() -> None:
    event = {"event": "plan.issued", "case": "plan-1", "Email": "x@y", "deadlines": ["final_plan"]}
    assert redact_personal_data(None, "info", event) == {
        "event": "plan.issued",
        "case": "plan-1",
        "Email": REDACTED,
        "deadlines": ["final_plan"],
    }


def test_an_access_log_line_leaves_the_query_out() -> None:
    """A search of the case list carries a child's name and date of birth in its query (issue 10 s.5)."""
    stream = configured()
    access = logging.getLogger("uvicorn.access")
    args = ("127.0.0.1:5000", "GET", "/api/cases?name=ada&born_on=2015-03-01", "1.1", 200)
    access.info('%s - "%s %s HTTP/%s" %d', *args)
    access.info('%s - "%s %s HTTP/%s" %d', "127.0.0.1:5000", "GET", "/api/health", "1.1", 200)
    first, second = lines(stream)
    assert first["event"] == '127.0.0.1:5000 - "GET /api/cases?[query left out] HTTP/1.1" 200'
    assert "ada" not in stream.getvalue()
    assert second["event"] == '127.0.0.1:5000 - "GET /api/health HTTP/1.1" 200'
