"""The Alembic migrations on SQLite and PostgreSQL, and migrating under a lock when processes start together."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import create_engine, inspect
from sqlmodel import SQLModel

import verifier.storage.models  # noqa: F401
from tests.service import drop_pg_schema, fresh_pg_schema
from verifier.storage import db

TABLES = set(SQLModel.metadata.tables)


def _columns(url: str) -> dict[str, set[str]]:
    eng = create_engine(url)
    try:
        insp = inspect(eng)
        return {t: {c["name"] for c in insp.get_columns(t)} for t in insp.get_table_names()}
    finally:
        eng.dispose()


def _check_matches_models(url: str) -> None:
    cols = _columns(url)
    assert set(cols) >= TABLES
    for name, table in SQLModel.metadata.tables.items():
        assert {c.name for c in table.columns} == cols[name], name


def _up_down_up(url: str) -> None:
    cfg = db.alembic_config(url)
    command.upgrade(cfg, "head")
    _check_matches_models(url)
    command.downgrade(cfg, "base")
    assert not (TABLES & set(_columns(url)))
    command.upgrade(cfg, "head")
    _check_matches_models(url)


def test_sqlite_upgrade_downgrade(tmp_path: Path) -> None:
    _up_down_up(f"sqlite:///{tmp_path}/m.sqlite")


@pytest.mark.service
def test_postgres_upgrade_downgrade(pg_url: str) -> None:
    url = fresh_pg_schema(pg_url)
    try:
        _up_down_up(url)
    finally:
        drop_pg_schema(url)


def _migrate_together(url: str, n: int = 4) -> None:
    code = "import sys; from verifier.storage.db import migrate; migrate(sys.argv[1])"
    procs = [subprocess.Popen([sys.executable, "-c", code, url], stderr=subprocess.PIPE) for _ in range(n)]
    errors = [p.communicate(timeout=120)[1].decode() for p in procs]
    assert [p.returncode for p in procs] == [0] * n, errors
    _check_matches_models(url)


def test_processes_starting_together_on_sqlite(tmp_path: Path) -> None:
    _migrate_together(f"sqlite:///{tmp_path}/together.sqlite")


@pytest.mark.service
def test_processes_starting_together_on_postgres(pg_url: str) -> None:
    url = fresh_pg_schema(pg_url)
    try:
        _migrate_together(url)
    finally:
        drop_pg_schema(url)
