"""Which briefs have work in hand, kept in Redis, so stalled work is seen within seconds.

Why: silence in the database is no sign of a dead worker (a brief whose OCR waits in its queue
makes no progress for minutes), and waiting VERIFIER_STALL_AFTER of silence made every crash cost
that long. Instead each brief's tasks are listed in a Redis hash `verifier:work:<brief>`
(task id → state), written by Celery's own signals:

- published → `queued` (the broker holds it: alive however long it waits);
- received by a worker → `reserved:<worker>` (alive while that worker's heartbeat is);
- running → `running` (alive while the task's own heartbeat key is; a thread renews it);
- finished → removed (a retry puts it back to `queued`).

A brief is stalled when none of its tasks is alive (recovery restarts it); a Redis restart that
forgets everything leaves no record at all, which is also "stalled". The state moves only forward
from the value it replaces (a compare-and-set script), so a redelivered copy is not clobbered.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Iterable
from typing import Any

from celery import signals

from verifier.settings import get_settings

log = logging.getLogger("verifier.heartbeat")

#: where each tracked task carries its brief id among its arguments
BRIEF_ARG = {"workers.tasks.fetch_sources": 0, "workers.tasks.ocr_source": 0, "workers.tasks.render_source": 0,
             "workers.tasks.judge": 1, "workers.tasks.judge_chunk": 0, "workers.tasks.finish_judge": 1}
#: a brief's task list outlives any task (the broker's visibility timeout), then tidies itself away
WORK_TTL = 7200

_SWAP = """
local cur = redis.call('HGET', KEYS[1], ARGV[1])
if cur == ARGV[2] then
    if ARGV[3] == '' then redis.call('HDEL', KEYS[1], ARGV[1]) else redis.call('HSET', KEYS[1], ARGV[1], ARGV[3]) end
    return 1
end
return 0
"""

_client: Any = None
_client_pid = 0
_running: dict[str, str] = {}  # task id → brief id, in this process
_lock = threading.Lock()
_beating: threading.Event | None = None


def work_key(brief_id: str) -> str:
    return f"verifier:work:{brief_id}"


def task_key(task_id: str) -> str:
    return f"verifier:hb:task:{task_id}"


def worker_key(ident: str) -> str:
    return f"verifier:hb:worker:{ident}"


def worker_ident() -> str:
    """This process; called in a worker's main process, which holds the reserved messages."""
    return f"{socket.gethostname()}:{os.getpid()}"


def ttl() -> int:
    """Seconds a heartbeat stays valid: five beats (a busy process may miss a few), at least five seconds."""
    return max(5, round(5 * get_settings().heartbeat_interval))


def redis_client() -> Any:
    """One client per process (a forked child opens its own), with short timeouts."""
    global _client, _client_pid
    if _client is None or _client_pid != os.getpid():
        import redis

        _client = redis.Redis.from_url(get_settings().redis_url, socket_timeout=2, socket_connect_timeout=2)
        _client_pid = os.getpid()
    return _client


def _brief_of(task: str | None, args: Any) -> str | None:
    pos = BRIEF_ARG.get(task or "")
    if pos is None or not isinstance(args, list | tuple) or len(args) <= pos:
        return None
    return str(args[pos]) if args[pos] is not None else None


def _quietly(what: str, fn: Any, *args: Any) -> None:
    """Tracking must never break the work: an unreachable Redis is logged and the task goes on."""
    try:
        fn(*args)
    except Exception as e:
        log.warning("work tracking (%s) failed: %s", what, e)


def _mark(brief_id: str, task_id: str, state: str, only_new: bool = False) -> None:
    r = redis_client()
    pipe = r.pipeline(transaction=False)
    (pipe.hsetnx if only_new else pipe.hset)(work_key(brief_id), task_id, state)
    pipe.expire(work_key(brief_id), WORK_TTL)
    pipe.execute()


def _swap(brief_id: str, task_id: str, old: str, new: str) -> None:
    redis_client().eval(_SWAP, 1, work_key(brief_id), task_id, old, new)


# ------------------------------------------------------------------ Celery's signals


@signals.after_task_publish.connect
def _published(sender: str | None = None, headers: dict[str, Any] | None = None, body: Any = None,
               **_: Any) -> None:
    headers = headers or {}
    args = body[0] if isinstance(body, list | tuple) and body else None
    brief_id = _brief_of(sender or headers.get("task"), args)
    if brief_id and headers.get("id"):
        _quietly("publish", _mark, brief_id, headers["id"], "queued", True)


@signals.task_received.connect
def _received(request: Any = None, **_: Any) -> None:
    brief_id = _brief_of(getattr(request, "name", None), getattr(request, "args", None))
    if brief_id:
        _quietly("receive", _mark, brief_id, request.id, f"reserved:{worker_ident()}")


@signals.task_prerun.connect
def _started(task_id: str | None = None, task: Any = None, args: Any = None, **_: Any) -> None:
    brief_id = _brief_of(getattr(task, "name", None), args)
    if not brief_id or not task_id:
        return
    with _lock:
        _running[task_id] = brief_id
    _quietly("start", _beat_task, task_id, brief_id)
    _ensure_beating()


@signals.task_postrun.connect
def _finished(task_id: str | None = None, task: Any = None, args: Any = None, state: str | None = None,
              **_: Any) -> None:
    brief_id = _brief_of(getattr(task, "name", None), args)
    if not brief_id or not task_id:
        return
    with _lock:
        _running.pop(task_id, None)

    def done() -> None:
        redis_client().delete(task_key(task_id))
        _swap(brief_id, task_id, "running", "queued" if state == "RETRY" else "")

    _quietly("finish", done)


# ------------------------------------------------------------------ heartbeats


def _beat_task(task_id: str, brief_id: str) -> None:
    """The task is alive: renew its key and (after a Redis restart) its place in the brief's list."""
    pipe = redis_client().pipeline(transaction=False)
    pipe.set(task_key(task_id), "1", ex=ttl())
    pipe.hset(work_key(brief_id), task_id, "running")
    pipe.expire(work_key(brief_id), WORK_TTL)
    pipe.execute()


def beat_worker() -> None:
    """The worker's main process is alive (the tasks it has reserved are)."""
    redis_client().set(worker_key(worker_ident()), "1", ex=ttl())


def _beat_loop(stop: threading.Event) -> None:
    while not stop.wait(get_settings().heartbeat_interval):
        with _lock:
            running = list(_running.items())
        for task_id, brief_id in running:
            _quietly("heartbeat", _beat_task, task_id, brief_id)


def _ensure_beating() -> None:
    """One heartbeat thread per process, started with its first task (after the fork)."""
    global _beating
    with _lock:
        if _beating is not None:
            return
        _beating = threading.Event()
    threading.Thread(target=_beat_loop, args=(_beating,), name="verifier-heartbeat", daemon=True).start()


def forget_after_fork() -> None:
    """A pool child inherits neither the parent's heartbeat thread nor its list of running tasks."""
    global _beating
    with _lock:
        _running.clear()
        _beating = None


# ------------------------------------------------------------------ the recovery's question


def _alive(states: dict[bytes, bytes], live: dict[str, bool]) -> bool:
    for task_id, raw in states.items():
        state = raw.decode()
        if state == "queued":
            return True
        if state == "running" and live.get(task_key(task_id.decode())):
            return True
        if state.startswith("reserved:") and live.get(worker_key(state.split(":", 1)[1])):
            return True
    return False


def alive(brief_ids: Iterable[str]) -> set[str]:
    """The briefs among these with some task queued, reserved by a live worker or running live.

    Raises when Redis cannot be reached: then nobody can tell, and nothing should be restarted."""
    ids = list(brief_ids)
    if not ids:
        return set()
    r = redis_client()
    pipe = r.pipeline(transaction=False)
    for bid in ids:
        pipe.hgetall(work_key(bid))
    works: list[dict[bytes, bytes]] = pipe.execute()
    keys = sorted({task_key(t.decode()) if v == b"running" else worker_key(v.decode().split(":", 1)[1])
                   for w in works for t, v in w.items() if v == b"running" or v.startswith(b"reserved:")})
    live = dict(zip(keys, (bool(x) for x in r.mget(keys)), strict=True)) if keys else {}
    return {bid for bid, w in zip(ids, works, strict=True) if _alive(w, live)}


def forget(brief_id: str) -> None:
    """Drop a stalled brief's list before its work is restarted (its entries are all dead)."""
    redis_client().delete(work_key(brief_id))
