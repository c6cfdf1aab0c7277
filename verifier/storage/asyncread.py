"""Hot reads inside the event loop: one statement on a small pool of async PostgreSQL connections.

Why: a poll of a finished brief costs one version read (verifier.service.polling). Sent through the
thread pool, that read costs a thread hop, a pooled-connection checkout and SQLAlchemy's execution
machinery, several times the read itself; under 50 pollers it was most of the request. Here the
statement is compiled once, and sent on a psycopg AsyncConnection (autocommit, so no BEGIN or
ROLLBACK round trips) that the event loop awaits, with no thread at all.

Only PostgreSQL: SQLite has no network round trip to overlap, so its reads stay on the thread pool
(`supported` says which). As in verifier.storage.db.read_first, a dead connection (a restarted
server, a terminated backend) is dropped and the statement runs once more on a fresh one; any other
error is raised. The pool is per event loop (connections cannot cross loops) and bounded: at most
`size` statements are in flight, later callers wait for a connection.
"""

from __future__ import annotations

import asyncio
import weakref
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import psycopg
from sqlalchemy.dialects.postgresql.psycopg import PGDialect_psycopg
from sqlalchemy.engine import make_url

#: connections per event loop and database; a poll holds one for a single round trip
POOL_SIZE = 4

_DIALECT = PGDialect_psycopg()


@lru_cache(maxsize=16)
def supported(url: str) -> bool:
    """Whether reads for this database URL can be awaited here (PostgreSQL through psycopg)."""
    u = make_url(url)
    return u.get_backend_name() == "postgresql" and u.get_driver_name() == "psycopg"


def conninfo(url: str) -> dict[str, Any]:
    """psycopg's connection arguments for a SQLAlchemy URL (host, dbname, options such as search_path)."""
    return dict(_DIALECT.create_connect_args(make_url(url))[1])


@dataclass(frozen=True)
class Statement:
    """A SQLAlchemy statement compiled once for psycopg: its SQL and its fixed parameters."""

    sql: str
    fixed: dict[str, Any]

    @classmethod
    def of(cls, statement: Any) -> Statement:
        compiled = statement.compile(dialect=_DIALECT)
        return cls(str(compiled), {k: v for k, v in compiled.params.items() if v is not None})


@dataclass
class _Pool:
    conninfo: dict[str, Any]
    size: int
    idle: list[psycopg.AsyncConnection[Any]] = field(default_factory=list)
    slots: asyncio.Semaphore = field(init=False)

    def __post_init__(self) -> None:
        self.slots = asyncio.Semaphore(self.size)

    async def _connect(self) -> psycopg.AsyncConnection[Any]:
        return await psycopg.AsyncConnection.connect(**self.conninfo, autocommit=True, prepare_threshold=None)

    async def first(self, stmt: Statement, params: dict[str, Any]) -> Any:
        async with self.slots:
            conn = self.idle.pop() if self.idle else await self._connect()
            try:
                row = await self._run(conn, stmt, params)
            except psycopg.OperationalError:
                dead = conn.broken
                await conn.close()
                if not dead:
                    raise
                conn = await self._connect()  # a dead pooled connection: once more on a fresh one
                try:
                    row = await self._run(conn, stmt, params)
                except BaseException:
                    await conn.close()
                    raise
            except BaseException:
                await conn.close()
                raise
            self.idle.append(conn)
            return row

    @staticmethod
    async def _run(conn: psycopg.AsyncConnection[Any], stmt: Statement, params: dict[str, Any]) -> Any:
        cur = await conn.execute(stmt.sql, {**stmt.fixed, **params})
        return await cur.fetchone()


#: pools by event loop (dropped with their loop) and database URL
_pools: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, _Pool]] = weakref.WeakKeyDictionary()


def _pool(url: str) -> _Pool:
    by_url = _pools.setdefault(asyncio.get_running_loop(), {})
    pool = by_url.get(url)
    if pool is None:
        pool = by_url[url] = _Pool(conninfo(url), POOL_SIZE)
    return pool


async def read_first(url: str, stmt: Statement, params: dict[str, Any]) -> Any:
    """The first row of `stmt` on this loop's pool for `url`, or None."""
    return await _pool(url).first(stmt, params)
