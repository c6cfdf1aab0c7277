"""Service polling beside the framework's own speed, briefs per minute, and one brief's CPU by stage.

    uv run python bench/api_bench.py [--api-workers 1,2] [--pollers 50] [--seconds 10]
                                     [--processes 1,2,4] [--briefs 120] [--only poll|throughput|profile]
                                     [--profile-out FILE]

Starts the real service (API + Celery workers) on the local PostgreSQL and Redis
(VERIFIER_TEST_DATABASE_URL / VERIFIER_TEST_REDIS_URL, each run in a fresh schema), serves
the demo site on 127.0.0.1, and reports:
  - polling: for each `serve --workers N`, N concurrent aiohttp pollers on a finished brief's plain
    `GET /v1/briefs/{id}` (no If-None-Match, VERIFIER_API_RATE_LIMIT=0) and on the same server's
    bare `/docs` page, in alternating rounds of one run: requests/s, p50 and p99, and the ratios;
  - throughput: briefs per minute through the API with one Celery worker of 1, 2 and 4 processes
    (from the first POST to the last brief's finished_at; the pollers ask every 0.5 s),
    and the CPU each part spent meanwhile (API, worker, pool, PDF readers, PostgreSQL, Redis, this
    process), against the cores' time: what limits the curve (read from /proc; Linux only);
  - profile: one brief's path (the Celery tasks run eagerly in this process, under cProfile with a
    CPU clock), CPU milliseconds per stage.
The pollers, the server and the workers share this machine's cores (printed with the figures).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import os
import pstats
import re
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.service import Service, drop_pg_schema, fresh_pg_schema
from verifier.cli.demo import BRIEF, DemoSite

PG = os.environ.get("VERIFIER_TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REDIS = os.environ.get("VERIFIER_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def env_for(db_url: str, site: DemoSite) -> dict[str, str]:
    """The service's settings for the bench: everything on 127.0.0.1, the archive included (the
    demo site has none, so a dead link's lookup is answered at once, as the Internet's may not be)."""
    return {"VERIFIER_DATABASE_URL": db_url, "VERIFIER_REDIS_URL": REDIS, "VERIFIER_ALLOW_PRIVATE_HOSTS": "true",
            "VERIFIER_HOST_INTERVAL": "0", "VERIFIER_HOST_CONCURRENCY": "16", "VERIFIER_FETCH_TIMEOUT": "5",
            "VERIFIER_API_RATE_LIMIT": "0", "VERIFIER_FRESHNESS": "0",
            "VERIFIER_ARCHIVE_URL": f"{site.base_url}/wayback/available"}


def demo_brief(site: DemoSite, i: int, distinct: bool = False) -> dict[str, str]:
    """The demo brief; `distinct`: its links made the i-th brief's own (?b=i, the site ignores it),
    so that briefs share no source, as a newsroom's mostly do not."""
    text = BRIEF.format(base=site.base_url)
    if distinct:
        text = re.sub(r"(http://\S+)", rf"\1?b={i}", text)
    return {"text": text + f"\n<!-- {i} -->\n", "title": f"bench-{i}.md"}


# --- throughput ----------------------------------------------------------------------------------

@dataclass
class Run:
    """One throughput run: briefs per minute and the CPU seconds each part of the service spent."""

    per_minute: float
    seconds: float  # first POST to the last finished_at
    window: float  # the span the CPU was measured over (to the poll that saw the last brief done)
    cpu: dict[str, float]


def throughput(site: DemoSite, processes: int, n: int, logs: Path, distinct: bool = False) -> Run:
    """Briefs per minute through the API with one worker of `processes` pool processes, from the
    first POST to the last brief done, and the CPU every process of the service spent meanwhile."""
    import redis

    redis.Redis.from_url(REDIS).flushdb()
    db_url = fresh_pg_schema(PG)
    svc = Service(env_for(db_url, site), logs)
    try:
        svc.start_api()
        svc.start_worker(processes)
        key = svc.new_key("bench")
        time.sleep(3)  # workers connect
        with httpx.Client(base_url=svc.base, headers={"Authorization": f"Bearer {key}"}, timeout=30) as c:
            before = cpu_by_part(svc)
            t0, w0 = time.time(), time.perf_counter()
            ids = [c.post("/v1/briefs", json=demo_brief(site, i, distinct)).json()["brief_id"] for i in range(n)]
            done = svc.wait_done(c, ids, timeout=600)
            after, window = cpu_by_part(svc), time.perf_counter() - w0
        assert len(done) == n, f"only {len(done)} of {n} briefs finished"
        # to the last brief's finished_at (this machine's clock), not to the poll that saw it
        last = max(datetime.fromisoformat(d["finished_at"].replace("Z", "+00:00")).timestamp() for d in done.values())
        dt = last - t0
        return Run(60 * n / dt, dt, window, {k: after.get(k, 0.0) - before.get(k, 0.0) for k in after})
    finally:
        svc.stop()
        drop_pg_schema(db_url)


def _proc_table() -> dict[int, tuple[int, str, float]]:
    """pid -> (parent pid, command line, CPU seconds of the process and of its waited-for children)."""
    hz = os.sysconf("SC_CLK_TCK")
    out: dict[int, tuple[int, str, float]] = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            stat = Path(f"/proc/{name}/stat").read_text()
            cmd = Path(f"/proc/{name}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        f = stat[stat.rfind(")") + 2:].split()
        out[int(name)] = (int(f[1]), cmd or stat[stat.find("(") + 1:stat.rfind(")")], sum(map(int, f[11:15])) / hz)
    return out


def cpu_by_part(svc: Service) -> dict[str, float]:
    """CPU seconds so far of the API, the worker's main process, its pool processes, the PDF
    readers (zygotes and their children), PostgreSQL, Redis, and this process (pollers, demo site)."""
    if not Path("/proc/self/stat").exists():
        return {}
    table = _proc_table()
    roles = {os.getpid(): "bench client + demo site"}
    if svc.api is not None:
        roles[svc.api.pid] = "API"
    roles.update({w.pid: "worker main process" for w in svc.workers})
    parts: dict[str, float] = {}
    for pid, (ppid, cmd, secs) in table.items():
        part = _part_of(pid, ppid, cmd, table, roles)
        if part is not None:
            parts[part] = parts.get(part, 0.0) + secs
    return parts


def _part_of(pid: int, ppid: int, cmd: str, table: dict[int, tuple[int, str, float]],
             roles: dict[int, str]) -> str | None:
    """The part a process belongs to: its own role, else its nearest ancestor's, else its program's."""
    if pid in roles:
        return roles[pid]
    up, hops = ppid, 0
    while up > 1 and hops < 6 and up not in roles:
        up, hops = table.get(up, (0, "", 0.0))[0], hops + 1
    if up in roles and roles[up] != "bench client + demo site":
        if "verifier.documents.zygote" in cmd:
            return "PDF readers (zygote + children)"
        return "worker pool processes" if roles[up] == "worker main process" else roles[up]
    program = Path(cmd.split(" ")[0].rstrip(":")).name
    return {"postgres": "PostgreSQL", "redis-server": "Redis"}.get(program)


def report_throughput(processes: int, run: Run) -> None:
    cores = os.cpu_count() or 1
    busy = sum(run.cpu.values())
    print(f"  1 worker, {processes} process(es): {run.per_minute:7.1f} briefs/min")
    if run.cpu:
        print(f"      CPU {busy:.1f} s of {cores * run.window:.1f} s available ({busy / (cores * run.window):.0%}), "
              f"{1000 * busy / max(1, round(run.per_minute * run.seconds / 60)):.0f} ms per brief:")
        for part, secs in sorted(run.cpu.items(), key=lambda kv: -kv[1]):
            print(f"        {part:34s} {secs:6.2f} s ({secs / busy:4.0%})")


# --- polling -------------------------------------------------------------------------------------

@dataclass
class Phase:
    latencies: list[float] = field(default_factory=list)
    seconds: float = 0.0
    errors: int = 0

    @property
    def rps(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    def pct(self, q: float) -> float:
        lat = sorted(self.latencies)
        return 1000 * lat[int(q * (len(lat) - 1))] if lat else float("nan")


async def hammer(url: str, key: str, pollers: int, seconds: float, into: Phase) -> None:
    """`pollers` clients, each sending GET `url` again as soon as the last answer is read."""
    import aiohttp

    connector = aiohttp.TCPConnector(limit=pollers)
    async with aiohttp.ClientSession(connector=connector, headers={"Authorization": f"Bearer {key}"}) as s:
        stop = time.perf_counter() + seconds

        async def one() -> None:
            while time.perf_counter() < stop:
                t = time.perf_counter()
                async with s.get(url) as r:
                    await r.read()
                    into.errors += r.status != 200
                into.latencies.append(time.perf_counter() - t)

        t0 = time.perf_counter()
        await asyncio.gather(*(one() for _ in range(pollers)))
        into.seconds += time.perf_counter() - t0


def finished_brief(svc: Service, site: DemoSite) -> tuple[str, str]:
    """An API key and the id of a brief the service has finished (its workers stopped after)."""
    svc.start_worker(1)
    key = svc.new_key("bench")
    with httpx.Client(base_url=svc.base, headers={"Authorization": f"Bearer {key}"}, timeout=30) as c:
        bid = c.post("/v1/briefs", json=demo_brief(site, 0)).json()["brief_id"]
        done = svc.wait_done(c, [bid])
    assert bid in done, "the bench brief did not finish"
    svc.stop_workers()  # the pollers and the API get the cores
    return key, bid


def polling(site: DemoSite, api_workers: int, pollers: int, seconds: float, logs: Path) -> dict[str, Phase]:
    """Alternating rounds on /docs and on the brief, so both see the same machine."""
    db_url = fresh_pg_schema(PG)
    svc = Service(env_for(db_url, site), logs)
    phases = {"docs": Phase(), "brief": Phase()}
    try:
        svc.start_api(api_workers)
        key, bid = finished_brief(svc, site)
        urls = {"docs": f"{svc.base}/docs", "brief": f"{svc.base}/v1/briefs/{bid}"}
        for url in urls.values():  # warm up every API process
            asyncio.run(hammer(url, key, pollers, 2, Phase()))
        for _ in range(2):
            for name, url in urls.items():
                asyncio.run(hammer(url, key, pollers, seconds / 2, phases[name]))
    finally:
        svc.stop()
        drop_pg_schema(db_url)
    return phases


def report_polling(api_workers: int, pollers: int, phases: dict[str, Phase]) -> None:
    docs, brief = phases["docs"], phases["brief"]
    print(f"serve --workers {api_workers}, {pollers} aiohttp pollers, {os.cpu_count()} cores shared by "
          "pollers and server:")
    for name, label in (("docs", "GET /docs"), ("brief", "GET /v1/briefs/{id}")):
        p = phases[name]
        print(f"  {label:20s} {p.rps:8.1f} req/s  p50 {p.pct(0.5):7.1f} ms  p99 {p.pct(0.99):7.1f} ms  "
              f"({len(p.latencies)} requests, {p.errors} not 200)")
    print(f"  brief/docs: req/s {brief.rps / docs.rps:.2f} (aim >= 0.5), "
          f"p99 {brief.pct(0.99) / docs.pct(0.99):.2f}x (aim <= 3)")


# --- profile -------------------------------------------------------------------------------------

#: stage name -> (module, function): the stage is the CPU the thread that runs the function spends
#: inside it (a thread's clock, so the store thread's extraction is not the event loop's, and the
#: demo site's threads count nowhere); stages may nest (store snapshot inside fetch's callback)
STAGES = {
    "register (POST: parse + store)": ("verifier.service.pipeline", "register_brief"),
    "fetch (event loop: network, HTTP, netguard)": ("verifier.net.fetch", "fetch_many"),
    "extract (text from the body)": ("verifier.service.pipeline", "read_snapshot"),
    "store snapshot (record + commit)": ("verifier.storage.store", "record_snapshot"),
    "render check": ("verifier.service.rendering", "to_render"),
    "judge quotes (align + decide + store)": ("verifier.service.pipeline", "judge_quotes"),
    "judge claims": ("verifier.service.pipeline", "judge_claims"),
    "archive-first (find + judge copies)": ("verifier.service.archive_first", "find_copies"),
    "result document (one poll)": ("verifier.service.result", "build_result"),
}


class StageClock:
    """Wraps each stage's function for the run: thread CPU seconds inside it, by stage."""

    def __init__(self) -> None:
        self.cpu: dict[str, float] = dict.fromkeys(STAGES, 0.0)
        self._saved: list[tuple[Any, str, Any]] = []

    def __enter__(self) -> StageClock:
        import importlib

        for label, (module, name) in STAGES.items():
            mod = importlib.import_module(module)
            fn = getattr(mod, name)
            self._saved.append((mod, name, fn))
            setattr(mod, name, self._timed(fn, label))
        return self

    def _timed(self, fn: Any, label: str) -> Any:
        """`fn` adding its thread's CPU to `label` (a coroutine's: the loop thread's while it runs)."""
        import contextlib
        import functools

        @contextlib.contextmanager
        def clock() -> Any:
            t = time.thread_time()
            try:
                yield
            finally:
                self.cpu[label] += time.thread_time() - t

        if asyncio.iscoroutinefunction(fn):
            async def timed_async(*a: Any, **k: Any) -> Any:
                with clock():
                    return await fn(*a, **k)
            return functools.wraps(fn)(timed_async)

        def timed(*a: Any, **k: Any) -> Any:
            with clock():
                return fn(*a, **k)
        return functools.wraps(fn)(timed)

    def __exit__(self, *exc: object) -> None:
        for mod, name, fn in self._saved:
            setattr(mod, name, fn)


def _cold_core_caches() -> None:
    """Empty the pure core's memo caches (functools.lru_cache) of words, mentions and name runs."""
    import verifier.core as core

    for name, mod in list(sys.modules.items()):
        if name.startswith(core.__name__ + ".") and mod is not None:
            for fn in list(vars(mod).values()):
                if callable(getattr(fn, "cache_clear", None)) and getattr(fn, "__module__", None) == name:
                    fn.cache_clear()


def _one_brief(site: DemoSite, i: int, settings: Any) -> Any:
    """Register the i-th bench brief, run its tasks eagerly, and build its document."""
    from verifier.core.values import BriefText
    from verifier.service import pipeline, result
    from verifier.storage import db
    from workers import tasks

    with db.session_for(settings.database_url) as s:
        brief = demo_brief(site, i)
        row = pipeline.register_brief(s, BriefText(text=brief["text"], title=brief["title"]), origin=None)
    tasks.enqueue_brief(row.id)
    with db.session_for(settings.database_url) as s:
        return result.build_result(s, row.id)


def profile(site: DemoSite, logs: Path, save: Path | None = None) -> None:
    """One brief through the tasks' own functions, eagerly in this process: CPU by stage on each
    thread's clock (after a first brief, so that imports and warm caches are not counted), then the
    main thread's top functions under cProfile on a third."""
    db_url = fresh_pg_schema(PG)
    os.environ.update(env_for(db_url, site))
    from verifier.settings import get_settings
    from verifier.storage import db
    from workers.celery_app import app

    app.conf.task_always_eager = True
    settings = get_settings()
    try:
        db.session_for(settings.database_url).close()
        _one_brief(site, 1, settings)  # a warm-up brief: imports and caches are not the path
        _cold_core_caches()  # the same pages again: as a brief citing pages this process has not read
        wall, cpu = time.perf_counter(), time.process_time()
        with StageClock() as clock:
            doc = _one_brief(site, 0, settings)
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        prof = cProfile.Profile(time.thread_time)  # a third brief: the profiler's overhead is not in the stages
        prof.enable()
        _one_brief(site, 2, settings)
        prof.disable()
    finally:
        drop_pg_schema(db_url)
    stats = pstats.Stats(prof)
    if save is not None:
        stats.dump_stats(save)  # for `python -m pstats FILE` or snakeviz
    print(f"one brief ({doc.progress.quotes_total} quotes, {doc.progress.sources_total} sources, "
          f"status {doc.status}) eagerly in one process: {cpu * 1000:.0f} ms CPU (every thread, the demo "
          f"site's included), {wall * 1000:.0f} ms wall")
    for label, secs in clock.cpu.items():
        print(f"  {label:44s} {1000 * secs:7.1f} ms CPU")
    print("  (store snapshot is inside extract's caller, both on the fetch's store thread; archive-first and")
    print("   judge claims are inside the judge task; each figure is its thread's own clock)")
    print("  top functions by own CPU (main thread, under cProfile):")
    own = sorted(stats.stats.items(), key=lambda kv: -kv[1][2])[:12]  # type: ignore[attr-defined]
    for (path, line, fn), st in own:
        print(f"    {1000 * st[2]:7.1f} ms  {fn} ({Path(path).name}:{line})")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--briefs", type=int, default=120, help="briefs per throughput run (a steady state: with 30, the ramp-up and the tail are a quarter of the run)")
    ap.add_argument("--pollers", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=10, help="seconds of polling per endpoint")
    ap.add_argument("--api-workers", default="1,2", help="comma-separated `serve --workers` counts")
    ap.add_argument("--processes", default="1,2,4", help="comma-separated worker process counts")
    ap.add_argument("--only", choices=["poll", "throughput", "profile"])
    ap.add_argument("--distinct-sources", action="store_true",
                    help="each throughput brief cites its own URLs (by default all cite the demo site's five)")
    ap.add_argument("--profile-out", type=Path, help="also save the profile's pstats to this file")
    args = ap.parse_args()
    logs = Path(tempfile.mkdtemp(prefix="verifier-bench-"))
    with DemoSite() as site:
        if args.only in (None, "poll"):
            for w in (int(x) for x in args.api_workers.split(",")):
                report_polling(w, args.pollers, polling(site, w, args.pollers, args.seconds, logs))
        if args.only in (None, "throughput"):
            print(f"briefs per minute through the API ({args.briefs} briefs of 10 quotes, 5 sources each; "
                  f"{os.cpu_count()} cores shared by API, workers, PostgreSQL, Redis and the demo site):")
            for k in (int(x) for x in args.processes.split(",")):
                report_throughput(k, throughput(site, k, args.briefs, logs, args.distinct_sources))
        if args.only in (None, "profile"):
            profile(site, logs, args.profile_out)


if __name__ == "__main__":
    main()
