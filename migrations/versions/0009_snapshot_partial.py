"""A snapshot whose text is only part of its page (a paywall shows its first paragraphs): why.

Why a column: the judge must know, for a quote not in the text, that the text was not the whole
page, so the quote is `unverifiable` rather than `not_found`; the snapshot is where the text is.

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("snapshot") as batch:
        batch.add_column(sa.Column("partial", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("snapshot") as batch:
        batch.drop_column("partial")
