"""A caseworker's steps still owed, in due order (issue 10 s.8).

`ix_deadlines_caseworker_owed_due` replaces `ix_deadlines_caseworker_id_due`: "your cases" by next step
and the overdue list of one caseworker read only the steps still owed, with their status, whether they
are a family's window and their case, instead of every step the caseworker ever had in due order (at
640,000 plans a caseworker has some 2,400 steps and under 300 still owed; the page's query went from
5-9 ms to under 2 ms on SQLite). SQLite keeps preferring an index while it exists, so the old one goes.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UNMET = sa.text("met_on IS NULL")


def upgrade() -> None:
    op.create_index(
        "ix_deadlines_caseworker_owed_due",
        "deadlines",
        ["caseworker_id", "due", "status", "family_window", "case_id"],
        postgresql_where=UNMET,
        sqlite_where=UNMET,
    )
    op.drop_index("ix_deadlines_caseworker_id_due", table_name="deadlines")


def downgrade() -> None:
    op.create_index("ix_deadlines_caseworker_id_due", "deadlines", ["caseworker_id", "due"])
    op.drop_index("ix_deadlines_caseworker_owed_due", table_name="deadlines")
