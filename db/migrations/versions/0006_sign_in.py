"""People sign in to the pages: `users.email`, `users.password_hash` and `users.oidc_subject`.

An account signs in to the pages with its email address and a password (the embedded default; only an
argon2id hash is kept), or through the authority's OpenID Connect provider, which names the account by
its subject once it is linked. API tokens stay as they were, for systems. All three are empty on the
accounts that exist: an administrator gives each person an email address and a password
(`ehcp users add`, `ehcp users password`) before they can sign in.

Each is unique where it is set, by a unique index (SQLite cannot add a UNIQUE column to a table that
exists); an email address is kept in lower case, so the index compares addresses as people do.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("users", sa.Column("email", sa.String(320), nullable=True))
    op.add_column("users", sa.Column("password_hash", sa.String(200), nullable=True))
    op.add_column("users", sa.Column("oidc_subject", sa.String(255), nullable=True))
    op.create_index("ix_users_email", "users", ["email"], unique=True)
    op.create_index("ix_users_oidc_subject", "users", ["oidc_subject"], unique=True)


def downgrade() -> None:
    op.drop_index("ix_users_oidc_subject", table_name="users")
    op.drop_index("ix_users_email", table_name="users")
    # Native DROP COLUMN (SQLite 3.35 and later): no copy of the table, so the references stay valid.
    op.drop_column("users", "oidc_subject")
    op.drop_column("users", "password_hash")
    op.drop_column("users", "email")
