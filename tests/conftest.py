"""Shared fixtures: a fresh SQLite database per test, loopback-friendly settings, real services."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from verifier.settings import Settings, get_settings

TEST_DATABASE_URL = os.environ.get("VERIFIER_TEST_DATABASE_URL",
                                   "postgresql+psycopg://postgres@127.0.0.1:5432/test")
TEST_REDIS_URL = os.environ.get("VERIFIER_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


@pytest.fixture(autouse=True)
def _isolated_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """No test reads the developer's .env or writes the user's database."""
    for key in list(os.environ):
        if key.startswith("VERIFIER_") and not key.startswith("VERIFIER_TEST_"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("VERIFIER_DATABASE_URL", f"sqlite:///{tmp_path}/verifier.sqlite")
    monkeypatch.setenv("VERIFIER_BLOB_DIR", str(tmp_path / "bodies"))
    monkeypatch.setenv("VERIFIER_OCR_CACHE_DIR", str(tmp_path / "ocr-cache"))
    monkeypatch.setenv("VERIFIER_ARCHIVE_ON_FAILURE", "false")  # no real archive; tests that use one set it
    monkeypatch.chdir(tmp_path)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture
def loopback_env(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Settings for tests that fetch from a local server on 127.0.0.1."""
    env = {"VERIFIER_ALLOW_PRIVATE_HOSTS": "true", "VERIFIER_FETCH_TIMEOUT": "5",
           "VERIFIER_HOST_INTERVAL": "0", "VERIFIER_HOST_CONCURRENCY": "8", "VERIFIER_FETCH_RETRIES": "1"}
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    get_settings.cache_clear()
    return env


@pytest.fixture
def loopback_settings(loopback_env: dict[str, str]) -> Settings:
    return get_settings()


def _service_or_skip(what: str, exc: Exception) -> None:
    if IN_CI:
        raise RuntimeError(f"{what} is required under CI=true but unreachable: {exc}") from exc
    pytest.skip(f"{what} not reachable ({exc}); set it up to run this test")


@pytest.fixture(scope="session")
def pg_url() -> str:
    """The real PostgreSQL (VERIFIER_TEST_DATABASE_URL); skipped when absent, except under CI."""
    from sqlalchemy import create_engine, text

    try:
        eng = create_engine(TEST_DATABASE_URL)
        with eng.connect() as c:
            c.execute(text("select 1"))
        eng.dispose()
    except Exception as e:
        _service_or_skip("PostgreSQL", e)
    return TEST_DATABASE_URL


@pytest.fixture(scope="session")
def redis_url() -> str:
    """The real Redis (VERIFIER_TEST_REDIS_URL); skipped when absent, except under CI."""
    import redis

    try:
        redis.Redis.from_url(TEST_REDIS_URL, socket_timeout=2).ping()
    except Exception as e:
        _service_or_skip("Redis", e)
    return TEST_REDIS_URL


@pytest.fixture(autouse=True)
def _no_query_on_an_event_loop() -> Iterator[None]:
    """Every test fails if a database statement runs on a thread whose event loop is running: such a
    statement blocks every other request, fetch and deadline of that loop (the API's handlers and
    the fetcher hand their database work to threads)."""
    import asyncio
    import traceback

    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    seen: list[str] = []

    def check(_conn: object, _cur: object, stmt: str, *_: object) -> None:
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return
        ours = [f for f in traceback.format_stack() if "/verifier/" in f or "/workers/" in f]
        seen.append(f"{stmt.splitlines()[0][:80]}\n{''.join(ours[-6:])}")

    event.listen(Engine, "before_cursor_execute", check)
    try:
        yield
    finally:
        event.remove(Engine, "before_cursor_execute", check)
    assert not seen, f"{len(seen)} database statement(s) ran on an event loop; the first:\n{seen[0]}"
