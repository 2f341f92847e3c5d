"""A failed write names the table, the column or the constraint, never the child (UK GDPR art. 5(1)(c)).

SQLAlchemy puts a failed statement's bound parameters into its exception's text, and PostgreSQL adds a
DETAIL line quoting the failing row ("Failing row contains (..., Quartermain-Oduya, 2015-06-30, ...)").
That text reaches the logs (uvicorn's "Exception in ASGI application", Temporal's "Completing activity as
failed") and, as an activity's failure message, the workflow's history. Each failure here is raised on
both backends where the backend can raise it, then logged the ways the service logs it.
"""

from __future__ import annotations

import io
import logging
import os
import uuid
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from datetime import date

import pytest
import structlog
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession

from core.logging import configure_logging, get_logger
from core.settings import Settings
from db.children import add_contact, create_child

from ..conftest import Database

GIVEN, FAMILY, DOB, UPN = "Amelia", "Quartermain-Oduya", date(2015, 6, 30), "A123456789012"
CONTACT, EMAIL, PHONE = "Joanna Quartermain", "joanna@example.org", "07700 900123"
PERSONAL = (GIVEN, FAMILY, DOB.isoformat(), "2015, 6, 30", UPN, CONTACT, EMAIL, PHONE)


@dataclass(frozen=True)
class Failure:
    write: Callable[[AsyncSession], Awaitable[object]]
    named: str  # what the error still says: the column or table at fault
    backends: tuple[str, ...] = ("sqlite", "postgresql")


async def _child_without_a_given_name(session: AsyncSession) -> object:
    # NOT NULL: on PostgreSQL the DETAIL line quotes the whole failing row.
    return await create_child(
        session=session,
        given_name=None,  # type: ignore[arg-type]  # the failure under test
        family_name=FAMILY,
        date_of_birth=DOB,
        upn=UPN,
    )


async def _contact_of_no_child(session: AsyncSession) -> object:
    # A foreign key violation, with the contact's name, email and phone in the parameters.
    return await add_contact(
        session=session, child_id=uuid.uuid4(), name=CONTACT, relationship="mother", email=EMAIL, phone=PHONE
    )


async def _upn_too_long(session: AsyncSession) -> object:
    # VARCHAR(13) overflow: the name and date of birth are parameters of the same INSERT.
    return await create_child(
        session=session, given_name=GIVEN, family_name=FAMILY, date_of_birth=DOB, upn=UPN + "0000"
    )


FAILURES = {
    "not-null": Failure(_child_without_a_given_name, "given_name"),
    "foreign-key": Failure(_contact_of_no_child, "contacts"),
    # SQLite does not enforce a VARCHAR's length, so only PostgreSQL refuses this one.
    "upn-too-long": Failure(_upn_too_long, "character varying(13)", backends=("postgresql",)),
}


@pytest.fixture
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


# Each failure on each backend that raises it (the database fixtures take the backend as their parameter).
CASES = [
    pytest.param(failure, backend, id=f"{name}-{backend}")
    for name, failure in FAILURES.items()
    for backend in failure.backends
]


async def _failed_write(database: Database, failure: Failure) -> SQLAlchemyError:
    with pytest.raises(SQLAlchemyError) as caught:
        async with database.sessions.begin() as session:
            await failure.write(session)
    return caught.value


def _logged(error: BaseException, log_format: str) -> str:
    """The error logged as uvicorn, Temporal's activity worker and the service's own code log one."""
    stream = io.StringIO()
    configure_logging(Settings(_env_file=None, log_format=log_format), stream=stream)
    logging.getLogger("uvicorn.error").error("Exception in ASGI application\n", exc_info=error)
    logging.getLogger("temporalio.activity").warning("Completing activity as failed", exc_info=error)
    try:
        raise RuntimeError("the case could not be recorded") from error
    except RuntimeError:
        get_logger("ehcp.activities").exception("case.record_failed")
    return stream.getvalue()


@pytest.mark.parametrize(("failure", "empty_url"), CASES, indirect=["empty_url"])
async def test_the_error_text_names_the_column_not_the_child(database: Database, failure: Failure) -> None:
    error = await _failed_write(database, failure)
    text = str(error)
    assert failure.named in text
    for value in PERSONAL:
        assert value not in text, value
        assert value not in str(error.orig), value  # type: ignore[attr-defined]


@pytest.mark.parametrize("log_format", ["json", "console"])
@pytest.mark.parametrize(("failure", "empty_url"), CASES, indirect=["empty_url"])
@pytest.mark.usefixtures("restore_logging")
async def test_the_logged_error_names_the_column_not_the_child(
    database: Database, failure: Failure, log_format: str
) -> None:
    error = await _failed_write(database, failure)
    logged = _logged(error, log_format)
    assert type(error).__name__ in logged
    assert failure.named in logged
    assert "Traceback (most recent call last)" in logged
    for value in PERSONAL:
        assert value not in logged, value
