"""Idempotency keys for POST /v1/briefs: one brief per (organisation, key).

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "idempotency_key",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("org_id", sa.Integer(), sa.ForeignKey("organization.id"), nullable=False),
        sa.Column("key", sa.String(), nullable=False),
        sa.Column("brief_id", sa.String(), sa.ForeignKey("brief.id"), nullable=False),
        sa.Column("request_sha256", sa.String(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("org_id", "key"),
    )


def downgrade() -> None:
    op.drop_table("idempotency_key")
