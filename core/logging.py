"""Structured logs, one event name per fact (`deadline.breached`), never a child's personal data.

`configure_logging` routes structlog and the standard library (Temporal, uvicorn) through one handler and
one renderer, so every line is JSON or every line is console text. A last processor replaces the value
of any personal-data key with "[redacted]", in nested dicts and lists too: a careless `name=...` at a
call site is caught before it is written (UK GDPR art. 5(1)(c), data minimisation).
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Mapping
from typing import Any, TextIO

import structlog
from structlog.typing import EventDict, Processor, WrappedLogger

from core.settings import Settings

REDACTED = "[redacted]"
PERSONAL_DATA_KEYS = frozenset(
    {
        "name",
        "given_name",
        "family_name",
        "date_of_birth",
        "dob",
        "email",
        "address",
        "postcode",
        "phone",
        "upn",
        "body",
    }
)

# Marks the handler this module installs, so reconfiguring replaces it rather than adding a second.
_HANDLER_NAME = "ehcp"


def _redacted(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {
            key: REDACTED if str(key).lower() in PERSONAL_DATA_KEYS else _redacted(item)
            for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        return type(value)(_redacted(item) for item in value)
    return value


def redact_personal_data(logger: WrappedLogger, method_name: str, event_dict: EventDict) -> EventDict:
    """Replace the value of every deny-listed key (at any depth) with "[redacted]"."""
    return {
        key: REDACTED if key.lower() in PERSONAL_DATA_KEYS else _redacted(value)
        for key, value in event_dict.items()
    }


def configure_logging(settings: Settings, *, stream: TextIO | None = None) -> None:
    """Send structlog and standard-library logs, redacted, to `stream` (standard error by default)."""
    level = logging.getLevelNamesMapping()[settings.log_level.upper()]
    timestamper = structlog.processors.TimeStamper(fmt="iso", utc=True)
    shared: list[Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        timestamper,
    ]
    renderer: Processor
    if settings.log_format == "json":
        renderer = structlog.processors.JSONRenderer()
        rendering: list[Processor] = [structlog.processors.format_exc_info, renderer]
    else:
        # Plain tracebacks: a rich one prints every frame's local variables, which is slow and would put
        # personal data in the log past the redaction of named keys.
        renderer = structlog.dev.ConsoleRenderer(
            colors=False, exception_formatter=structlog.dev.plain_traceback
        )
        rendering = [renderer]

    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            *shared,
            structlog.processors.StackInfoRenderer(),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=False,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            redact_personal_data,
            *rendering,
        ],
    )
    handler = logging.StreamHandler(stream if stream is not None else sys.stderr)
    handler.set_name(_HANDLER_NAME)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == _HANDLER_NAME]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)


def get_logger(name: str | None = None) -> structlog.stdlib.BoundLogger:
    """A structlog logger; log events by name with keyword facts: `log.info("deadline.breached", ...)`."""
    return structlog.stdlib.get_logger(name)
