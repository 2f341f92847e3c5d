"""Which activity failures no retry can mend, said as non-retryable errors that carry no personal data.

Temporal retries an activity that raises (workflows/common/effects.py bounds it). A failure that waiting
cannot mend (the database refusing a value as invalid, a notice whose template does not exist or whose
channel is misconfigured) is raised as a non-retryable `ApplicationError`, so the case shows it as
needing attention at once rather than after a day of retries. A constraint broken (`IntegrityError`) is
retried: two writes of one case racing can break one for a moment, and the next attempt finds the rows
written; one that persists needs attention once the retries are spent.

The message keeps the error's kind and first line: SQLAlchemy's text is bound without parameters
(db/engine.py, `hide_parameters`) and PostgreSQL's `DETAIL` line, which quotes values, is dropped.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import ParamSpec, TypeVar

from sqlalchemy.exc import DataError
from temporalio.exceptions import ApplicationError

from notify.base import NotifyConfigError

P = ParamSpec("P")
R = TypeVar("R")

FINAL = (DataError, NotifyConfigError)


def first_line(error: BaseException) -> str:
    """An error's kind and the first line of what it says (the driver's error for a database error)."""
    cause = getattr(error, "orig", None) or error
    lines = str(cause).strip().splitlines()
    return f"{type(cause).__name__}: {lines[0] if lines else ''}"[:300]


def final_failures(run: Callable[P, Awaitable[R]]) -> Callable[P, Awaitable[R]]:
    """Wrap an activity: a failure in `FINAL` becomes a non-retryable `ApplicationError`."""

    @functools.wraps(run)
    async def wrapped(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return await run(*args, **kwargs)
        except FINAL as error:
            raise ApplicationError(
                f"refused, and retrying will not change that: {first_line(error)}; mend the cause, then "
                "retry the step (POST /api/attention/{workflow_id}/retry)",
                type=type(error).__name__,
                non_retryable=True,
            ) from None

    return wrapped
