"""Change notices: on PostgreSQL every statement that writes a brief or a source sends NOTIFY.

Why a trigger: the API answers polls from a per-process cache of result documents
(verifier.service.polling). With this notice, a process that LISTENs knows at the writer's commit
that some document may have moved, so a poll of an unchanged brief needs no query at all. A trigger
sees every write, whatever code path made it; the notice carries no payload, so PostgreSQL folds a
transaction's notices into one. SQLite has no NOTIFY: nothing is made there (its polls read the
version every time).

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels = None
depends_on = None

#: the channel verifier.service.changes listens on
CHANNEL = "verifier_changes"


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"""
        CREATE FUNCTION verifier_notify_change() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_notify('{CHANNEL}', '');
            RETURN NULL;
        END $$""")
    for table in ("brief", "source"):
        op.execute(f"CREATE TRIGGER {table}_change_notice AFTER INSERT OR UPDATE OR DELETE ON {table} "
                   "FOR EACH STATEMENT EXECUTE FUNCTION verifier_notify_change()")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in ("brief", "source"):
        op.execute(f"DROP TRIGGER IF EXISTS {table}_change_notice ON {table}")
    op.execute("DROP FUNCTION IF EXISTS verifier_notify_change()")
