"""Copies a fact-checker supplies for a cited source (`--source REF=FILE`, the API's `sources`).

A supplied copy is a snapshot of its source with provenance `supplied` and a `supplied` record
(file name, sha256, who supplied it); the citation that it was supplied for points at it, so the
copy serves that brief only and the source's latest (live) snapshot stays the link's health.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("snapshot") as batch:
        batch.add_column(sa.Column("supplied", sa.JSON(), nullable=True))
    with op.batch_alter_table("citation") as batch:
        batch.add_column(sa.Column("supplied_snapshot_id", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("citation") as batch:
        batch.drop_column("supplied_snapshot_id")
    with op.batch_alter_table("snapshot") as batch:
        batch.drop_column("supplied")
