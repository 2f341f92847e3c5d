"""API tokens expire and can be revoked: `users.token_expires_at` and `users.token_revoked_at`.

Tokens that already exist expire 90 days (the default `EHCP_TOKEN_LIFETIME_DAYS`) after this migration
runs, not after they were created: a token issued long ago would otherwise stop working the moment the
service is upgraded, and every system using it with it. `ehcp users rotate NAME` replaces one sooner.

The expiry is added NOT NULL with that time as its default, which fills the existing rows in one
statement. SQLite cannot drop a column's default without copying the table, and copying `users` is
refused while the audit log, documents and decisions refer to it; so on SQLite the default stays (the
service always writes the expiry itself), and on PostgreSQL it is dropped.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Written out rather than imported: a migration must not change when the application's defaults do.
EXISTING_TOKEN_LIFETIME = timedelta(days=90)


def _expiry_literal(dialect: str) -> str:
    expires = datetime.now(UTC) + EXISTING_TOKEN_LIFETIME
    if dialect == "sqlite":
        # Naive UTC in the form SQLAlchemy's SQLite DATETIME reads back (db.base.UTCDateTime).
        return expires.replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")
    return expires.isoformat()


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.add_column(
        "users",
        sa.Column(
            "token_expires_at",
            sa.DateTime(timezone=True),
            server_default=_expiry_literal(dialect),
            nullable=False,
        ),
    )
    op.add_column("users", sa.Column("token_revoked_at", sa.DateTime(timezone=True), nullable=True))
    if dialect == "postgresql":
        op.alter_column("users", "token_expires_at", server_default=None)


def downgrade() -> None:
    # Native DROP COLUMN (SQLite 3.35 and later): no copy of the table, so the references stay valid.
    op.drop_column("users", "token_revoked_at")
    op.drop_column("users", "token_expires_at")
