"""Each caller's Idempotency-Keys with the request they were first used for: `idempotency_keys`.

Before, a key was only the Temporal update id, so the same key with another body (another child) was
answered as a retry with the first case and the new request dropped, and the same key on another command
was answered as done and did nothing (issue 9 s.3). Now each key is recorded, before its command goes to
Temporal, with a hash of the body and the route it named; the key itself is kept only as a SHA-256 of
the caller's id and the key, which is also the command's update id in Temporal.

The table starts empty: keys used before the upgrade are not known to it, and Temporal knew those
commands by the raw key, so a retry that straddles the upgrade is taken as a new command (a create as a
new case). Finish or abandon requests in flight before upgrading.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "idempotency_keys",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("method", sa.String(length=10), nullable=False),
        sa.Column("route", sa.String(length=200), nullable=False),
        sa.Column("path_params", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.Column("body_sha256", sa.String(length=64), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("applied_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_idempotency_keys_user_id_users")),
        sa.PrimaryKeyConstraint("user_id", "key_hash", name=op.f("pk_idempotency_keys")),
    )


def downgrade() -> None:
    op.drop_table("idempotency_keys")
