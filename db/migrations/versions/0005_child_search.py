"""The case list's search by the child's name and date of birth: indexes on `children`.

`GET /api/cases?name=...` matches the start of the given or family name (or of "given family") whatever
the case, and `?born_on=...` the date of birth (db/children.py, `named`). Without these every search
read every child. The name indexes are on `lower(...)`, as the search compares; on PostgreSQL with
`text_pattern_ops`, so a LIKE with a fixed prefix can use them whatever the database's collation. SQLite
uses them for the range of the same prefix that the search adds there.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-20
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    for name in ("family_name", "given_name"):
        op.create_index(
            f"ix_children_lower_{name}",
            "children",
            [sa.func.lower(sa.column(name)).label(f"lower_{name}")],
            postgresql_ops={f"lower_{name}": "text_pattern_ops"},
        )
    op.create_index("ix_children_date_of_birth", "children", ["date_of_birth"])


def downgrade() -> None:
    op.drop_index("ix_children_date_of_birth", table_name="children")
    for name in ("given_name", "family_name"):
        op.drop_index(f"ix_children_lower_{name}", table_name="children")
