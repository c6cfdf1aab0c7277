"""Engines, sessions and migrate-on-start (under a lock, so processes starting together are safe).

Why the start-up check reads the version row itself: when nothing is due (nearly always) a command
costs one SELECT and a look at the migration files' `revision` lines (parsed with ast), not an
import of Alembic; Alembic is loaded only to upgrade.
"""

from __future__ import annotations

import ast
import contextlib
import fcntl
import logging
import threading
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import event, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, create_engine

import migrations

if TYPE_CHECKING:
    from alembic.config import Config
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
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(Path(migrations.__file__).parent))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def _names(node: ast.expr) -> list[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    return [n for e in node.elts for n in _names(e)] if isinstance(node, ast.Tuple | ast.List) else []


def _assigned(node: ast.stmt) -> tuple[str, ast.expr] | None:
    """`name = value` or `name: type = value` at a module's top level."""
    if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
        return node.target.id, node.value
    if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
        return node.targets[0].id, node.value
    return None


@lru_cache(maxsize=1)
def script_head() -> str | None:
    """The one head of migrations/versions from each file's `revision` and `down_revision`
    assignments, without importing Alembic; None when that is not one revision (a merge to make)."""
    found: dict[str, set[str]] = {"revision": set(), "down_revision": set()}
    for path in (Path(migrations.__file__).parent / "versions").glob("*.py"):
        for node in ast.parse(path.read_text("utf-8")).body:
            pair = _assigned(node)
            if pair is not None and pair[0] in found:
                found[pair[0]].update(_names(pair[1]))
    heads = found["revision"] - found["down_revision"]
    return heads.pop() if len(heads) == 1 else None


def _stored_revision(engine: Engine) -> str | None:
    """The database's one alembic_version row, or None (no table yet, or not one row)."""
    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    except DBAPIError:
        return None
    return str(rows[0]) if len(rows) == 1 else None


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
    head = script_head()
    if head is not None and _stored_revision(engine) == head:
        _migrated.add(url)
        return engine
    _upgrade(url, engine)
    _migrated.add(url)
    return engine


def _upgrade(url: str, engine: Engine) -> None:
    """Alembic's upgrade to head, under a lock (a file lock for SQLite, an advisory lock for PostgreSQL)."""
    from alembic import command

    cfg = alembic_config(url)
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


def _raise_unless_dead(e: DBAPIError) -> None:
    """Re-raise a database error unless its pooled connection was dead (then the caller retries once)."""
    if not e.connection_invalidated:
        raise e
    log.info("database connection was dead; retrying on a fresh one: %s", str(e).splitlines()[0])


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
            _raise_unless_dead(e)
            self.rollback()
            return super()._execute_internal(*args, **kwargs)


def session_for(url: str) -> Session:
    return RetryingSession(migrate(url), expire_on_commit=False)


def _reader(url: str) -> Engine:
    """The engine's autocommit twin (same pool): reads with no BEGIN and no ROLLBACK round trips."""
    reader = _readers.get(url)
    if reader is not None:
        return reader
    engine = migrate(url)
    with _lock:
        reader = _readers.get(url)
        if reader is None:
            reader = _readers[url] = engine.execution_options(isolation_level="AUTOCOMMIT")
    return reader


def migrated(url: str) -> bool:
    """Whether this process has checked (and if due, run) the migrations for this database."""
    return url in _readers


def read_session_for(url: str) -> Session:
    """A session for reads only, each statement in autocommit (a poll is then one round trip)."""
    return RetryingSession(_reader(url), expire_on_commit=False)


def read_first(url: str, statement: Any, params: dict[str, Any]) -> Any:
    """The first row of one read statement on a pooled autocommit connection, or None.

    No ORM session is built (a hot read, such as a poll's version check, costs little more than
    its round trip); a dead pooled connection is replaced and the statement run once more, as in
    RetryingSession."""
    reader = _reader(url)
    try:
        with reader.connect() as conn:
            return conn.execute(statement, params).first()
    except DBAPIError as e:
        _raise_unless_dead(e)
    with reader.connect() as conn:
        return conn.execute(statement, params).first()
