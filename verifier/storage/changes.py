"""Change notices from PostgreSQL: an epoch that moves whenever a brief or a source may have changed.

Why: a poll of a finished brief is answered from a per-process document cache
(verifier.service.polling), but a cache that asks the database "has this brief moved?" on every
poll pays a round trip per request. Migration 0008 makes every statement that writes a brief or a
source send NOTIFY on one channel. This module LISTENs on a connection of its own, inside the event
loop, and counts notices: while it is listening and the count has not moved since a document was
checked, nothing has been written since, and the document can be served without a query.

The epoch also moves when the listening connection is made and when it is lost, so a check made
before or across a gap in listening never passes for current. While not listening, `stamp` is None
and every poll reads the version as before. The notice arrives after the writer's commit, so a poll
racing a commit may see the old document for the notice's own delay, as it would had it arrived a
moment earlier.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import weakref

import psycopg

from verifier.storage import asyncread

log = logging.getLogger("verifier.storage")

#: the channel the trigger of migration 0008 notifies
CHANNEL = "verifier_changes"
#: seconds between attempts to listen again after the connection was lost or refused
RETRY_SECONDS = 1.0


class ChangeWatch:
    """Counts change notices for one database in the running event loop (start it once)."""

    def __init__(self, url: str) -> None:
        self._conninfo = asyncread.conninfo(url)
        self.epoch = 0
        self.listening = False
        self._task: asyncio.Task[None] | None = None

    def stamp(self) -> int | None:
        """The current epoch while notices are being received, else None (nothing can be trusted)."""
        return self.epoch if self.listening else None

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run(), name="verifier-change-watch")

    async def _run(self) -> None:
        while True:
            try:
                await self._listen()
            except (OSError, psycopg.Error) as e:
                log.info("change notices unavailable (polls read versions meanwhile): %s", str(e).splitlines()[0])
            self._moved(listening=False)
            await asyncio.sleep(RETRY_SECONDS)

    async def _listen(self) -> None:
        conn = await psycopg.AsyncConnection.connect(**self._conninfo, autocommit=True)
        try:
            await conn.execute(f"LISTEN {CHANNEL}")
            self._moved(listening=True)
            async for _ in conn.notifies():
                self.epoch += 1
        finally:
            with contextlib.suppress(Exception):
                await conn.close()

    def _moved(self, listening: bool) -> None:
        self.epoch += 1
        self.listening = listening


#: one watch per event loop and database URL (dropped with the loop, its task with it)
_watches: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, ChangeWatch]] = weakref.WeakKeyDictionary()


def watch(url: str) -> ChangeWatch:
    """This loop's running watch over `url` (started on first use)."""
    by_url = _watches.setdefault(asyncio.get_running_loop(), {})
    found = by_url.get(url)
    if found is None:
        found = by_url[url] = ChangeWatch(url)
        found.start()
    return found

