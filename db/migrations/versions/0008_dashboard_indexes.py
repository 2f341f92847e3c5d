"""Indexes the dashboard reads alone, at a national size (issue 10 s.8).

`ix_deadlines_owed_due` replaces `ix_deadlines_due_unmet`: the same steps still owed in due order (the
overdue list keeps its plan), now carrying their status, whether they are a family's window, the deadline,
the agency and the caseworker, so the dashboard's counts by deadline, agency and caseworker never visit
the table. `ix_deadlines_deadline_due` gives each measure's steps by the month they fall due, with their
case and the day each was met, for the trends. SQLite keeps preferring an index while it exists, so the
old one goes.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UNMET = sa.text("met_on IS NULL")


def upgrade() -> None:
    op.create_index(
        "ix_deadlines_owed_due",
        "deadlines",
        ["due", "status", "family_window", "deadline", "agency_id", "caseworker_id"],
        postgresql_where=UNMET,
        sqlite_where=UNMET,
    )
    op.drop_index("ix_deadlines_due_unmet", table_name="deadlines")
    op.create_index("ix_deadlines_deadline_due", "deadlines", ["deadline", "due", "case_id", "met_on"])


def downgrade() -> None:
    op.drop_index("ix_deadlines_deadline_due", table_name="deadlines")
    op.create_index(
        "ix_deadlines_due_unmet", "deadlines", ["due"], postgresql_where=UNMET, sqlite_where=UNMET
    )
    op.drop_index("ix_deadlines_owed_due", table_name="deadlines")
