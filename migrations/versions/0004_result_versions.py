"""Result versions: a counter on each brief and each source, bumped by every write that can change a
result document, so a cached document is keyed by them and never served stale.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for table in ("brief", "source"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    for table in ("brief", "source"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("version")
