"""Recheck throughput: one sweep over N stored sources on 127.0.0.1 with W worker processes.

    uv run python bench/recheck_bench.py [--sources 10000] [--workers 2] [--batch 200] [--changed 0.1] [--etag]

What it measures, and why this way:
- The service path without a broker: a sweep claims every due source in ONE conditional UPDATE,
  cuts the ids into batches (the recheck_batch payloads), and W processes run
  `recheck_ids(..., claimed_only=True)` on them, exactly what `workers.recheck.recheck_batch` does
  minus Celery's own ~0.65 ms per task (that cost is per BATCH here: 50 tasks for 10,000 sources).
- Database statements per recheck, counted with a SQLAlchemy `before_cursor_execute` listener in
  each worker (all statements: SELECTs, INSERTs, UPDATEs, COMMITs are not statements).
- The site: an aiohttp server in its own process on 127.0.0.1 (the stdlib test server would be the
  bottleneck); --changed of the pages have the quoted number edited (exercises align), --etag
  makes the server answer 304 to conditional requests (the cheap path for stable pages).
Per-host limits are raised (all 10,000 pages live on one host); robots.txt is read once per batch.

With --celery the same sweep runs through the real service path instead: the database is a fresh
PostgreSQL schema (VERIFIER_TEST_DATABASE_URL), W `verifier worker -Q recheck --concurrency 1`
processes consume from Redis (VERIFIER_TEST_REDIS_URL), `workers.recheck.sweep_due` claims and
sends the batches, and the wall time runs until every source is rechecked.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import socket
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

PASSAGE = "the council said repairs to bridge XXXXX would take nineteen months to complete"


def page(i: int, changed: bool) -> bytes:
    num = f"{i:05d}"
    passage = PASSAGE.replace("XXXXX", num)
    if changed:
        passage = passage.replace("nineteen", "twenty-two")
    paras = [f"Report {num} opened with a short summary of the week.",
             f"In the report, {passage}, according to officials.",
             "Further details are expected in the coming weeks.",
             "A public meeting is planned for next month."]
    return (f"<html><head><title>Story {num}</title></head><body><nav>Home | News</nav><article>"
            f"<h1>Story {num}</h1>" + "".join(f"<p>{p}</p>" for p in paras)
            + "</article><footer>Newsroom.</footer></body></html>").encode()


def serve(port: int, changed_every: int, etag: bool) -> None:
    from aiohttp import web

    async def handler(req: web.Request) -> web.Response:
        i = int(req.match_info["i"])
        changed = changed_every > 0 and i % changed_every == 0
        tag = f'"v{1 if not changed else 2}-{i}"'
        if etag and req.headers.get("If-None-Match") == tag:
            return web.Response(status=304, headers={"ETag": tag})
        return web.Response(body=page(i, changed), content_type="text/html", charset="utf-8",
                            headers={"ETag": tag} if etag else {})

    app = web.Application()
    app.router.add_get("/p/{i}", handler)
    web.run_app(app, host="127.0.0.1", port=port, print=None, access_log=None)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_site(ctx: Any, args: argparse.Namespace) -> tuple[Any, str]:
    """The bench site in its own process; returns it and its base URL."""
    port = free_port()
    every = round(1 / args.changed) if args.changed > 0 else 0
    server = ctx.Process(target=serve, args=(port, every, args.etag), daemon=True)
    server.start()
    return server, f"http://127.0.0.1:{port}"


def bench_env(url: str, base: str, args: argparse.Namespace) -> dict[str, str]:
    """Settings for the run: loopback allowed, per-host limits raised, the fake archive on the site."""
    return {"VERIFIER_DATABASE_URL": url, "VERIFIER_ALLOW_PRIVATE_HOSTS": "true",
            "VERIFIER_HOST_CONCURRENCY": str(args.host_concurrency), "VERIFIER_HOST_INTERVAL": "0",
            "VERIFIER_FETCH_TIMEOUT": "10", "VERIFIER_FETCH_RETRIES": "1", "VERIFIER_RECHECK_INTERVAL": "3600",
            "VERIFIER_RECHECK_BATCH_SIZE": str(args.batch), "VERIFIER_ARCHIVE_URL": f"{base}/wayback"}


def populate(url: str, base: str, n: int, etag: bool) -> float:
    """N sources, each with a stored snapshot and one quote judged on it (bulk inserts)."""
    from sqlalchemy import insert

    from verifier.documents.source import extract
    from verifier.storage import db
    from verifier.storage.models import Brief, Citation, QuoteRow, SnapshotRow, Source, utcnow
    from verifier.storage.store import sha256

    t0 = time.perf_counter()
    engine = db.migrate(url)
    tmpl = extract(page(0, False), "text/html; charset=utf-8", base + "/p/0")
    tmpl_text = tmpl.text.replace("00000", "XXXXX")
    now = utcnow()
    past = now - timedelta(seconds=1)
    per_brief = 100
    with engine.begin() as c:
        srcs, snaps, briefs, cits, quotes = [], [], [], [], []
        for i in range(1, n + 1):
            text = tmpl_text.replace("XXXXX", f"{i:05d}")
            passage = PASSAGE.replace("XXXXX", f"{i:05d}")
            start = text.index(passage)
            srcs.append({"id": i, "url": f"{base}/p/{i}", "state": "live", "latest_snapshot_id": i,
                         "next_check_at": past, "check_interval": 0.0, "strikes": 0, "created_at": now,
                         "etag": f'"v1-{i}"' if etag else None})
            snaps.append({"id": i, "source_id": i, "fetched_at": now, "status": "ok", "http_status": 200,
                          "final_url": f"{base}/p/{i}", "content_type": "text/html", "headers": {},
                          "redirects": [], "text": text, "text_sha256": sha256(text), "pages": [],
                          "main_end": tmpl.main_end, "body_size": 0, "body_sha256": sha256(page(i, False)),
                          "ocr_pending": []})
            b = f"b{(i - 1) // per_brief:05d}"
            if (i - 1) % per_brief == 0:
                briefs.append({"id": b, "text": "bench", "status": "done", "fmt": "txt", "created_at": now,
                               "updated_at": now, "skipped": []})
            cits.append({"brief_id": b, "ref": str(i), "position": i, "url": f"{base}/p/{i}", "source_id": i})
            quotes.append({"brief_id": b, "qid": f"q{i}", "position": i, "text": passage, "cites": [str(i)],
                           "verdict": "verified", "score": 1.0, "source_ref": str(i), "snapshot_id": i,
                           "evidence": {"text": passage, "start": start, "end": start + len(passage),
                                        "page": None, "context": ""}, "differences": []})
        c.execute(insert(Source), srcs)
        c.execute(insert(SnapshotRow), snaps)
        c.execute(insert(Brief), briefs)
        c.execute(insert(Citation), cits)
        c.execute(insert(QuoteRow), quotes)
        if engine.dialect.name == "postgresql":  # ids were given: move the sequences past them
            from sqlalchemy import text as sql

            for table in ("source", "snapshot", "citation", "quote"):
                c.execute(sql(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                               f"(SELECT max(id) FROM {table}))"))
    return time.perf_counter() - t0


_COUNT = {"statements": 0}


def _worker_init(env: dict[str, str]) -> None:
    from sqlalchemy import event

    from verifier.settings import get_settings
    from verifier.storage import db

    os.environ.update(env)
    get_settings.cache_clear()
    engine = db.migrate(get_settings().database_url)

    @event.listens_for(engine, "before_cursor_execute")
    def _count(*_: Any) -> None:
        _COUNT["statements"] += 1


def _run_batch(ids: list[int]) -> dict[str, Any]:
    from verifier.service import recheck
    from verifier.settings import get_settings
    from verifier.storage import db

    settings = get_settings()
    before = _COUNT["statements"]
    t0 = time.perf_counter()
    prof = None
    if os.environ.get("RECHECK_BENCH_PROFILE") and ids:  # where a batch's time goes (cProfile dump)
        import cProfile

        prof = cProfile.Profile()
        prof.enable()
    with db.session_for(settings.database_url) as session:
        summary = recheck.recheck_ids(session, settings, ids, claimed_only=True)
    if prof is not None:
        prof.disable()
        prof.dump_stats(f"{os.environ['RECHECK_BENCH_PROFILE']}.{os.getpid()}.{ids[0]}")
    return {"summary": summary.as_dict(), "statements": _COUNT["statements"] - before,
            "seconds": time.perf_counter() - t0, "pid": os.getpid()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sources", type=int, default=10_000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--batch", type=int, default=200)
    ap.add_argument("--changed", type=float, default=0.1, help="share of pages whose quoted number changed")
    ap.add_argument("--etag", action="store_true", help="conditional requests answered 304 when unchanged")
    ap.add_argument("--host-concurrency", type=int, default=64)
    ap.add_argument("--celery", action="store_true", help="run the sweep through real Celery workers")
    args = ap.parse_args()
    if args.celery:
        return celery_sweep(args)

    work = Path(tempfile.mkdtemp(prefix="recheck-bench-"))
    url = f"sqlite:///{work}/bench.sqlite"
    ctx = mp.get_context("spawn")
    server, base = start_site(ctx, args)
    env = bench_env(url, base, args)
    os.environ.update(env)
    try:
        setup = populate(url, base, args.sources, args.etag)
        for _ in range(100):  # wait for the server
            try:
                socket.create_connection(("127.0.0.1", int(base.rsplit(":", 1)[1])), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.05)

        from verifier.service import recheck
        from verifier.settings import get_settings
        from verifier.storage import db

        get_settings.cache_clear()
        settings = get_settings()
        t0 = time.perf_counter()
        with db.session_for(url) as session:
            ids = recheck.claim_sources(session, settings, due_only=True, limit=args.sources)
        t_claim = time.perf_counter() - t0
        batches = [ids[i:i + args.batch] for i in range(0, len(ids), args.batch)]
        with ProcessPoolExecutor(args.workers, mp_context=ctx, initializer=_worker_init,
                                 initargs=(env,)) as pool:
            list(pool.map(_run_batch, [[]] * args.workers))  # warm the workers (imports, migrate check)
            t1 = time.perf_counter()
            results = list(pool.map(_run_batch, batches))
        t_run = time.perf_counter() - t1
        total = t_claim + t_run
        n = sum(r["summary"]["sources"] for r in results)
        stmts = sum(r["statements"] for r in results)
        drift: dict[str, int] = {}
        statuses: dict[str, int] = {}
        for r in results:
            for k, v in r["summary"]["drift"].items():
                drift[k] = drift.get(k, 0) + v
            for k, v in r["summary"]["statuses"].items():
                statuses[k] = statuses.get(k, 0) + v
        per_batch = sorted(r["seconds"] for r in results)
        print(f"sources stored          {args.sources} (setup {setup:.1f} s)")
        print(f"workers x batch         {args.workers} x {args.batch} ({len(batches)} batches)")
        print(f"claim (one UPDATE)      {t_claim * 1000:.0f} ms for {len(ids)} sources")
        print(f"sweep wall time         {total:.1f} s  ({n / total:.0f} sources/s)")
        print(f"batch time p50 / max    {per_batch[len(per_batch) // 2]:.2f} s / {per_batch[-1]:.2f} s")
        print(f"statements per recheck  {stmts / max(1, n):.2f}  ({stmts} for {n}; per batch "
              f"{stmts / max(1, len(batches)):.0f})")
        print(f"statuses                {statuses}")
        print(f"drift                   {drift}")
        with db.session_for(url) as session:
            left = recheck.claim_sources(session, settings, due_only=True)
        print(f"due after the sweep     {len(left)} (all rescheduled)")
    finally:
        server.terminate()
        server.join(5)


def celery_sweep(args: argparse.Namespace) -> None:
    """The sweep through Redis and real `verifier worker` processes on a PostgreSQL schema."""
    import subprocess

    import redis
    from sqlalchemy import func
    from sqlmodel import select

    from tests.service import drop_pg_schema, fresh_pg_schema

    pg = os.environ.get("VERIFIER_TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
    redis_url = os.environ.get("VERIFIER_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    redis.Redis.from_url(redis_url).flushdb()
    url = fresh_pg_schema(pg)
    ctx = mp.get_context("spawn")
    server, base = start_site(ctx, args)
    env = {**bench_env(url, base, args), "VERIFIER_REDIS_URL": redis_url,
           "VERIFIER_RECHECK_SWEEP_LIMIT": str(args.sources)}
    os.environ.update(env)
    workers = []
    try:
        setup = populate(url, base, args.sources, args.etag)
        workers = [subprocess.Popen([sys.executable, "-m", "verifier", "worker", "-c", "1", "--queues", "recheck"],
                                    env={**os.environ}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                    start_new_session=True) for _ in range(args.workers)]
        time.sleep(8)  # workers connect to the broker
        from verifier.settings import get_settings
        from verifier.storage import db
        from verifier.storage.models import Source
        from workers.recheck import sweep_due

        get_settings.cache_clear()
        t0 = time.perf_counter()
        sent = sweep_due(args.sources)
        t_sent = time.perf_counter() - t0
        done = 0
        with db.session_for(url) as session:
            while time.perf_counter() - t0 < 1800:
                done = session.exec(select(func.count()).select_from(Source).where(
                    Source.claimed_until == None)).one()  # noqa: E711
                session.commit()
                if done >= args.sources:
                    break
                time.sleep(0.5)
        wall = time.perf_counter() - t0
        print(f"sources stored          {args.sources} (setup {setup:.1f} s), PostgreSQL + Redis")
        print(f"celery workers x batch  {args.workers} (concurrency 1) x {args.batch}")
        print(f"sweep_due               {sent} sources claimed and sent in {t_sent * 1000:.0f} ms")
        print(f"sweep wall time         {wall:.1f} s  ({done / wall:.0f} sources/s), {done} rechecked")
    finally:
        for w in workers:
            try:
                os.killpg(w.pid, 15)
                w.wait(15)
            except Exception:
                pass
        server.terminate()
        drop_pg_schema(url)


if __name__ == "__main__":
    main()
