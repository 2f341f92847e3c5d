"""The SQL `db.deadlines.list_overdue_steps` sends, written by hand, for the bare side of the overdue-list
benchmarks (bench/overdue_list.py, bench/api_latency.py): the same columns, WHERE, ORDER BY and LIMIT,
run on a raw driver connection with no SQLAlchemy, so a figure can be set beside the service's.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

PAGE = 50  # the overdue list's page, as the API serves it by default


@dataclass(frozen=True, slots=True)
class Query:
    """One measured call: the keyword arguments of list_overdue_steps and the bare SQL's values."""

    name: str
    agency: str | None = None
    caseworker: str | None = None
    after: str | None = None
    after_key: tuple[date, uuid.UUID, str, str, date] | None = None


def bare_sql(backend: str, query: Query) -> str:
    """The SQL list_overdue_steps sends, written by hand: same columns, WHERE, ORDER BY and LIMIT."""
    p = "%s" if backend == "postgresql" else "?"
    where = [
        "deadlines.met_on IS NULL",
        f"deadlines.status != {p}",
        "deadlines.family_window IS " + ("false" if backend == "postgresql" else "0"),
        f"deadlines.due < {p}",
    ]
    if query.agency is not None:
        where.append(f"deadlines.agency_id = {p}")
    if query.caseworker is not None:
        where.append(f"deadlines.caseworker_id = {p}")
    if query.after_key is not None:
        where.append(
            '(deadlines.due, deadlines.case_id, deadlines.deadline, deadlines."key", deadlines.from_date) '
            f"> ({p}, {p}, {p}, {p}, {p})"
        )
    return (
        'SELECT deadlines.case_id, cases.workflow_id, deadlines.deadline, deadlines."key", '
        "deadlines.from_date, deadlines.due, deadlines.practical_due, deadlines.rule, deadlines.agency_id, "
        "deadlines.caseworker_id FROM deadlines JOIN cases ON cases.id = deadlines.case_id "
        f"WHERE {' AND '.join(where)} "
        'ORDER BY deadlines.due, deadlines.case_id, deadlines.deadline, deadlines."key", deadlines.from_date '
        f"LIMIT {p}"
    )


def bare_params(backend: str, query: Query, as_of: date) -> tuple[Any, ...]:
    """The values bound to bare_sql, as each driver takes them (SQLite: the text SQLAlchemy stores)."""
    pg = backend == "postgresql"

    def day(d: date) -> Any:
        return d if pg else d.isoformat()

    def ident(value: str) -> Any:
        return uuid.UUID(value) if pg else value

    params: list[Any] = ["excepted", day(as_of)]
    if query.agency is not None:
        params.append(ident(query.agency))
    if query.caseworker is not None:
        params.append(ident(query.caseworker))
    if query.after_key is not None:
        due, case_id, deadline, key, from_date = query.after_key
        params += [day(due), case_id if pg else case_id.hex, deadline, key, day(from_date)]
    params.append(PAGE + 1)
    return tuple(params)
