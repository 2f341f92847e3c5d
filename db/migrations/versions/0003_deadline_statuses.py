"""Two more deadline statuses in the read model: `met_late` and `withdrawn` (docs/vocabulary.md).

Before, a step done after its due date stayed `overdue` with `met_on` set, and advice no longer awaited
(the decision whether to issue made, or the request withdrawn) stayed `open` or `overdue` for ever. Rows
already written keep their old status until their case is next projected, which rewrites every row of
the case.

SQLite cannot alter a CHECK constraint in place, so there the table is copied (Alembic's batch mode);
nothing refers to `deadlines`, so the copy is allowed.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-06
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Written out rather than imported: a migration must not change when the application's tuples do.
BEFORE = ("open", "met", "overdue", "excepted", "closed")
AFTER = ("open", "met", "met_late", "overdue", "excepted", "withdrawn", "closed")


def _allow(statuses: Sequence[str]) -> None:
    allowed = ", ".join(f"'{s}'" for s in statuses)
    with op.batch_alter_table("deadlines") as batch:
        batch.drop_constraint(op.f("ck_deadlines_status"), type_="check")
        batch.create_check_constraint(op.f("ck_deadlines_status"), f"status IN ({allowed})")


def upgrade() -> None:
    _allow(AFTER)


def downgrade() -> None:
    op.execute("UPDATE deadlines SET status = 'overdue' WHERE status = 'met_late'")
    op.execute("UPDATE deadlines SET status = 'closed' WHERE status = 'withdrawn'")
    _allow(BEFORE)
