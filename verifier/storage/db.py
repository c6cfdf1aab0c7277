"""Engines, sessions and migrate-on-start (under a lock, so processes starting together are safe)."""

from __future__ import annotations

import contextlib
import fcntl
import logging
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import event, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, create_engine

import migrations
from verifier.storage import versions  # noqa: F401  (registers the result-version session events)

log = logging.getLogger("verifier.storage")

_engines: dict[str, Engine] = {}
_readers: dict[str, Engine] = {}
_migrated: set[str] = set()
_lock = threading.Lock()
_PG_LOCK_KEY = 0x7665726966  # "verif"


def _sqlite_path(url: str) -> Path | None:
    u = make_url(url)
    if u.get_backend_name() != "sqlite" or not u.database or u.database == ":memory:":
        return None
    return Path(u.database)


def get_engine(url: str) -> Engine:
    """One engine per URL per process; SQLite gets WAL and a busy timeout for concurrent writers."""
    with _lock:
        if url in _engines:
            return _engines[url]
        path = _sqlite_path(url)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

            @event.listens_for(engine, "connect")
            def _pragmas(dbapi_conn: Any, _rec: Any) -> None:
                cur = dbapi_conn.cursor()
                cur.execute("PRAGMA journal_mode=WAL")
                cur.execute("PRAGMA foreign_keys=ON")
                cur.execute("PRAGMA busy_timeout=30000")
                cur.close()
        else:
            # the API serves up to 40 requests at once from its thread pool, each holding a connection.
            # No pre-ping (a round trip per checkout): a dead pooled connection fails its first
            # statement, which RetryingSession runs once more on a fresh one
            engine = create_engine(url, pool_pre_ping=False, pool_size=10, max_overflow=30, pool_timeout=30)
        _engines[url] = engine
        return engine


def forget_connections() -> None:
    """After a fork: drop the pooled connections inherited from the parent without closing them
    (they are the parent's sockets); each child opens its own."""
    with _lock:
        for engine in _engines.values():
            engine.dispose(close=False)


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(Path(migrations.__file__).parent))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def _head(cfg: Config) -> str | None:
    return ScriptDirectory.from_config(cfg).get_current_head()


@contextlib.contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    lock_path = path.with_name(path.name + ".migrate.lock")
    with open(lock_path, "a+") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def migrate(url: str) -> Engine:
    """Bring the database to the latest migration; cheap when it is already there."""
    engine = get_engine(url)
    if url in _migrated:
        return engine
    cfg = alembic_config(url)
    head = _head(cfg)
    with engine.connect() as conn:
        if MigrationContext.configure(conn).get_current_revision() == head:
            _migrated.add(url)
            return engine
    path = _sqlite_path(url)
    if path is not None:
        with _file_lock(path), engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
    elif engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": _PG_LOCK_KEY})
            try:
                conn.commit()
                with conn.begin():
                    cfg.attributes["connection"] = conn
                    command.upgrade(cfg, "head")
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _PG_LOCK_KEY})
                conn.commit()
    else:
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
    _migrated.add(url)
    return engine


class RetryingSession(Session):
    """A session whose first statement of a transaction runs once more when its pooled connection
    turned out dead (SQLAlchemy's optimistic disconnect handling, "Dealing with Disconnects").

    Safe because nothing ran in that transaction yet; a disconnect later in a transaction is raised
    as before. SQLAlchemy has already invalidated the dead connection (and the pool's older ones
    on a restart), so the second try checks out a fresh one.
    """

    def _execute_internal(self, *args: Any, **kwargs: Any) -> Any:
        if self.in_transaction():
            return super()._execute_internal(*args, **kwargs)
        try:
            return super()._execute_internal(*args, **kwargs)
        except DBAPIError as e:
            if not e.connection_invalidated:
                raise
            log.info("database connection was dead; retrying on a fresh one: %s", str(e).splitlines()[0])
            self.rollback()
            return super()._execute_internal(*args, **kwargs)


def session_for(url: str) -> Session:
    return RetryingSession(migrate(url), expire_on_commit=False)


def read_session_for(url: str) -> Session:
    """A session for reads only, each statement in autocommit: no BEGIN and no ROLLBACK round trips
    (a poll is then one round trip). Shares the engine's pool."""
    engine = migrate(url)
    with _lock:
        reader = _readers.get(url)
        if reader is None:
            reader = _readers[url] = engine.execution_options(isolation_level="AUTOCOMMIT")
    return RetryingSession(reader, expire_on_commit=False)
