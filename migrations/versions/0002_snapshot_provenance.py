"""Where a snapshot's text came from: fetched, rendered (headless Chromium), archived or supplied.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("snapshot") as batch:
        batch.add_column(sa.Column("provenance", sa.String(), nullable=False, server_default="fetched"))


def downgrade() -> None:
    with op.batch_alter_table("snapshot") as batch:
        batch.drop_column("provenance")
