"""Indexes the case list and the agency inbox read in order, at a national size (issue 10 s.8).

`ix_children_name_order` orders children by family then given name whatever their case (the pattern
indexes of migration 0005 find a name's start but cannot order); "your cases" sorted by name walks it.
`ix_advice_requests_agency_id_status_due_on` gives an agency its requests by status, soonest due first:
the inbox's open requests first.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_children_name_order",
        "children",
        [
            sa.func.lower(sa.column("family_name")).label("name_order_family"),
            sa.func.lower(sa.column("given_name")).label("name_order_given"),
            "id",
        ],
    )
    op.create_index(
        "ix_advice_requests_agency_id_status_due_on",
        "advice_requests",
        ["agency_id", "status", "due_on", "id"],
    )


def downgrade() -> None:
    op.drop_index("ix_advice_requests_agency_id_status_due_on", table_name="advice_requests")
    op.drop_index("ix_children_name_order", table_name="children")
