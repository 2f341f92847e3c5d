"""Structured logs, one event name per fact (`deadline.breached`), never a child's personal data.

`configure_logging` routes structlog and the standard library (Temporal, uvicorn) through one handler and
one renderer, so every line is JSON or every line is console text. A last processor replaces the value
of any personal-data key with "[redacted]", in nested dicts and lists too: a careless `name=...` at a
call site is caught before it is written (UK GDPR art. 5(1)(c), data minimisation).

Exceptions are written by `render_exception`, not by the renderer: the type and the frames as Python
prints them, and the message unless it may quote a record. A database error keeps its first line (the
column or constraint at fault) without the parameters or PostgreSQL's DETAIL that follow it; a validation
error keeps where and why, without its input. The engine keeps values out of its errors already
(db/engine.py); this is for every other way one reaches a log (uvicorn, Temporal's activity worker).
"""

from __future__ import annotations

import logging
import sys
import traceback
from collections.abc import Mapping
from typing import Any, TextIO

import structlog
from pydantic_core import ValidationError
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


# Libraries whose exceptions' text may quote the values of a record: SQLAlchemy's (the bound parameters),
# the database drivers' (PostgreSQL's DETAIL quotes the failing row). Named, not imported: core does not
# depend on them.
_DATA_QUOTING_LIBRARIES = frozenset({"sqlalchemy", "psycopg", "psycopg2", "asyncpg", "sqlite3", "aiosqlite"})
_STATEMENT_CHARS = 1000
_CAUSE = "\nThe above exception was the direct cause of the following exception:\n\n"
_CONTEXT = "\nDuring handling of the above exception, another exception occurred:\n\n"


def exception_text(error: BaseException) -> str:
    """The last line of `error`'s traceback, as a log may hold it: its type, and its message unless that
    may quote a record's values."""
    kind = type(error)
    name = kind.__qualname__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__qualname__}"
    if isinstance(error, ValidationError):
        problems = "; ".join(
            f"{'.'.join(str(part) for part in problem['loc']) or '(the whole value)'} [{problem['type']}]"
            for problem in error.errors(include_url=False, include_context=False, include_input=False)
        )
        return f"{name}: {error.error_count()} invalid in {error.title}: {problems}"
    if kind.__module__.partition(".")[0] in _DATA_QUOTING_LIBRARIES:
        # The first line names the column or constraint; the parameters and DETAIL come after it. The
        # statement SQLAlchemy ran has placeholders where the values were: it says which table.
        first, *rest = str(error).strip().splitlines() or [""]
        text = f"{name}: {first}" + (" [the rest is not logged: it may quote a record]" if rest else "")
        statement = getattr(error, "statement", None)
        return text + (f"\n[SQL: {statement[:_STATEMENT_CHARS]}]" if isinstance(statement, str) else "")
    return traceback.format_exception_only(error)[-1].rstrip("\n")


def _one_exception(error: BaseException, seen: set[int]) -> list[str]:
    frames = traceback.format_list(traceback.extract_tb(error.__traceback__))
    lines = ["Traceback (most recent call last):\n", *frames] if frames else []
    lines.append(exception_text(error) + "\n")
    if isinstance(error, BaseExceptionGroup):
        for number, member in enumerate(error.exceptions, start=1):
            text = "".join(format_exception(member, seen))
            lines.append(f"+---- {number} ----\n")
            lines += [f"| {line}\n" for line in text.splitlines()]
    return lines


def format_exception(error: BaseException, seen: set[int] | None = None) -> list[str]:
    """`error`'s traceback, with its causes and contexts, as `traceback.format_exception` writes it but for
    each message, which is `exception_text`'s. No frame's local variables are written."""
    seen = set() if seen is None else seen
    seen.add(id(error))
    lines: list[str] = []
    if error.__cause__ is not None and id(error.__cause__) not in seen:
        lines += [*format_exception(error.__cause__, seen), _CAUSE]
    elif (
        error.__context__ is not None and not error.__suppress_context__ and id(error.__context__) not in seen
    ):
        lines += [*format_exception(error.__context__, seen), _CONTEXT]
    return lines + _one_exception(error, seen)


def _exception_of(exc_info: Any) -> BaseException | None:
    if isinstance(exc_info, BaseException):
        return exc_info
    if isinstance(exc_info, tuple):
        return exc_info[1] if len(exc_info) == 3 else None  # (type, value, traceback)
    return sys.exc_info()[1] if exc_info else None


def render_exception(logger: WrappedLogger, method_name: str, event_dict: EventDict) -> EventDict:
    """Replace `exc_info` with `exception`: the traceback as `format_exception` writes it."""
    error = _exception_of(event_dict.pop("exc_info", None))
    if error is not None:
        event_dict["exception"] = "".join(format_exception(error)).rstrip("\n")
    return event_dict


class PathsWithoutQueries(logging.Filter):
    """uvicorn's access log line, with the query string left out of the path: a search of the case list
    carries a child's name and date of birth (`/api/cases?name=...&born_on=...`), and a log keeps it."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name == "uvicorn.access" and isinstance(record.args, tuple) and len(record.args) >= 3:
            path = record.args[2]
            if isinstance(path, str) and "?" in path:
                shown = path.split("?", 1)[0] + "?[query left out]"
                record.args = (*record.args[:2], shown, *record.args[3:])
        return True


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
    else:
        # Plain tracebacks, should one get past render_exception: a rich one prints every frame's local
        # variables, which is slow and would put personal data in the log past the redaction of named keys.
        renderer = structlog.dev.ConsoleRenderer(
            colors=False, exception_formatter=structlog.dev.plain_traceback
        )

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
            render_exception,
            redact_personal_data,
            renderer,
        ],
    )
    handler = logging.StreamHandler(stream if stream is not None else sys.stderr)
    handler.set_name(_HANDLER_NAME)
    handler.setFormatter(formatter)
    handler.addFilter(PathsWithoutQueries())
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == _HANDLER_NAME]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)


def get_logger(name: str | None = None) -> structlog.stdlib.BoundLogger:
    """A structlog logger; log events by name with keyword facts: `log.info("deadline.breached", ...)`."""
    return structlog.stdlib.get_logger(name)
