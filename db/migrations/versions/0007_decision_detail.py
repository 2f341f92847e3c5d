"""What a decision rests on besides its outcome: `decisions.detail`.

A claimed exception keeps the statute's verdict on it (`accepted`), and an approval names the claim it
approves (`claim_id`), so the read model can list the exceptions waiting for a manager (the dashboard)
without asking each case's workflow. A plan's decisions keep what they already carried (the school an
amended plan names, the authority a child moved to). The decisions recorded before this are `{}`.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "decisions",
        sa.Column(
            "detail",
            sa.JSON().with_variant(postgresql.JSONB(), "postgresql"),
            nullable=False,
            server_default=sa.text("'{}'"),
        ),
    )


def downgrade() -> None:
    op.drop_column("decisions", "detail")
