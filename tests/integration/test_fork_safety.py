"""Celery's pool processes fork from a worker that already used the database (it migrated it on
start): each child must open its own connections, never reuse the parent's sockets."""

from __future__ import annotations

import multiprocessing as mp
import threading

import pytest
from sqlalchemy import text

from verifier.storage import db

pytestmark = pytest.mark.service


def _child(url: str, forget: bool, q: mp.Queue) -> None:
    if forget:
        db.forget_connections()
    try:
        with db.get_engine(url).connect() as c:
            q.put(c.execute(text("SELECT pg_sleep(0.4), 'child'")).one()[1])
    except Exception as e:
        q.put(f"error: {e}")


def _race(url: str, forget: bool) -> tuple[str, str]:
    engine = db.migrate(url)
    with engine.connect() as c:  # the parent's connection goes back to the pool, ready to be inherited
        c.execute(text("SELECT 1"))
    ctx = mp.get_context("fork")
    q = ctx.Queue()
    proc = ctx.Process(target=_child, args=(url, forget, q))
    out: list[str] = []

    def parent() -> None:
        try:
            with engine.connect() as c:
                out.append(str(c.execute(text("SELECT pg_sleep(0.4), 'parent'")).one()[1]))
        except Exception as e:
            out.append(f"error: {e}")

    proc.start()
    t = threading.Thread(target=parent)
    t.start()
    t.join(10)
    proc.join(10)
    return out[0], q.get(timeout=5)


def test_forked_children_open_their_own_connections(pg_url: str) -> None:
    from tests.service import drop_pg_schema, fresh_pg_schema

    url = fresh_pg_schema(pg_url)
    try:
        assert _race(url, forget=True) == ("parent", "child")
    finally:
        db.get_engine(url).dispose()
        drop_pg_schema(url)
