"""Result versions: every write that can change a result document bumps a counter, inside the ORM.

Why here and not at each call site: a poll is answered from a cache keyed by the brief's version
and its sources' versions (verifier.service.polling); a write that forgot to bump would serve a
stale document. These session events see every write made through a Session, so no caller can
forget one:
  - after_flush: each flushed Brief or Source, and the parent of each flushed QuoteRow or Citation
    (its brief) or SnapshotRow or CheckRow (its source);
  - do_orm_execute: an UPDATE statement on brief or source gets `version = version + 1` added;
    an INSERT, UPDATE or DELETE statement on a child table bumps the parents of the rows it touches.
A form this cannot follow (a child UPDATE by primary key in bulk) is refused rather than allowed to
go unnoticed. The bump runs in the writer's transaction, so it becomes visible with the change.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from itertools import chain
from typing import Any

from sqlalchemy import Column, Table, event, select, update
from sqlalchemy.orm import ORMExecuteState, Session
from sqlalchemy.sql.dml import Delete, Insert, Update

from verifier.storage.models import Brief, CheckRow, Citation, QuoteRow, SnapshotRow, Source

BRIEF: Table = Brief.__table__  # type: ignore[attr-defined]
SOURCE: Table = Source.__table__  # type: ignore[attr-defined]

#: parent tables whose `version` column is the cache key
PARENTS: dict[type, Table] = {Brief: BRIEF, Source: SOURCE}
#: child model -> (parent table, the child's column naming its parent)
CHILDREN: dict[type, tuple[Table, str]] = {
    QuoteRow: (BRIEF, "brief_id"), Citation: (BRIEF, "brief_id"),
    SnapshotRow: (SOURCE, "source_id"), CheckRow: (SOURCE, "source_id")}
CHILD_TABLES: dict[Table, tuple[Table, str]] = {m.__table__: v for m, v in CHILDREN.items()}  # type: ignore[attr-defined]

#: ids per UPDATE … IN (…), well under SQLite's bound-variable limit
_CHUNK = 500


def bump(session: Session, table: Table, ids: Iterable[Any]) -> None:
    """version = version + 1 for these rows, in the session's transaction."""
    want = sorted({i for i in ids if i is not None})
    conn = session.connection()
    for i in range(0, len(want), _CHUNK):
        conn.execute(update(table).where(table.c.id.in_(want[i:i + _CHUNK])).values(version=table.c.version + 1))


def _flushed_parents(session: Session) -> dict[Table, set[Any]]:
    """The parent rows whose documents this flush changes (the session still shows pre-flush state)."""
    out: dict[Table, set[Any]] = {BRIEF: set(), SOURCE: set()}
    for obj in chain(session.new, session.dirty, session.deleted):
        kind = type(obj)
        if kind in PARENTS:
            if obj not in session.new and obj not in session.deleted and session.is_modified(obj):
                out[PARENTS[kind]].add(obj.id)
        elif kind in CHILDREN:
            table, fk = CHILDREN[kind]
            out[table].add(getattr(obj, fk))
    return out


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _ctx: Any) -> None:
    for table, ids in _flushed_parents(session).items():
        if ids:
            bump(session, table, ids)


def _values_set(stmt: Update) -> set[str]:
    return {k if isinstance(k, str) else str(getattr(k, "key", "")) for k in (stmt._values or {})}  # no public accessor


def _parent_update(state: ORMExecuteState, stmt: Update, table: Table) -> None:
    params = state.parameters
    if isinstance(params, list):  # bulk UPDATE by primary key: bump the ids it names
        bump(state.session, table, (p.get("id") for p in params))
    elif "version" not in _values_set(stmt):
        state.statement = stmt.values({table.c.version: table.c.version + 1})


def _child_write(state: ORMExecuteState, stmt: Insert | Update | Delete, parent: Table, fk: str) -> None:
    child: Table = stmt.table  # type: ignore[assignment]
    if isinstance(stmt, Insert):
        params = state.parameters
        rows: list[Mapping[str, Any]] = [params] if isinstance(params, Mapping) else list(params or [])
        ids = [r.get(fk) for r in rows]
        if not any(ids):
            raise RuntimeError(f"an INSERT into {child.name} must pass {fk} as parameters (result versions)")
        bump(state.session, parent, ids)
        return
    if isinstance(state.parameters, list) or stmt.whereclause is None:
        raise RuntimeError(f"a bulk {type(stmt).__name__} of {child.name} needs a WHERE (result versions)")
    col: Column[Any] = child.c[fk]
    touched = select(col).where(stmt.whereclause).scalar_subquery()
    state.session.connection().execute(
        update(parent).where(parent.c.id.in_(touched)).values(version=parent.c.version + 1))


@event.listens_for(Session, "do_orm_execute")
def _on_statement(state: ORMExecuteState) -> None:
    stmt = state.statement
    if not isinstance(stmt, Insert | Update | Delete):
        return
    table = stmt.table
    if isinstance(stmt, Update) and table in (BRIEF, SOURCE):
        _parent_update(state, stmt, table)
    elif table in CHILD_TABLES:
        _child_write(state, stmt, *CHILD_TABLES[table])
