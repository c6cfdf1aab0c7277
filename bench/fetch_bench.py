"""Fetch throughput on loopback: verifier's Fetcher, a plain httpx.AsyncClient and linkchecker, side by side.

    uv run python bench/fetch_bench.py [--requests 2000] [--concurrency 50] [--rounds 3] [--no-linkchecker]

An aiohttp server in a separate process serves a mix of answers (200 pages, 404, 410,
301 → 200) on 127.0.0.1; each client checks the same URLs at the same concurrency with
per-host limits raised (our HostLimiter; linkchecker's maxrequestspersecond, which it only
lifts for servers that send a `LinkChecker` header, so the bench server sends one), and the
best requests/s of the rounds is printed for each, with the machine's load average.
linkchecker (PyPI; not a project dependency) checks a generated page listing the URLs with
`--no-robots --threads N -r 1`: the listing page plus exactly those URLs. It is run from the
venv or PATH if installed there, else through `uvx --from linkchecker`; its rate is given
with and without its start-up time (measured on an empty listing). Only 127.0.0.1 is contacted.

Recorded 2026-11-25 on 2 CPUs shared with the bench server (best of 3; load average 0.9 → 0.7):
    verifier Fetcher 2623 req/s (381 µs CPU/request); plain httpx.AsyncClient 524 (1909 µs);
    bare aiohttp 12519 (80 µs); linkchecker 10.6.0 414 (691 without its start-up).
Under a load average of 1.5–3 (other work on the machine) the Fetcher measured 1771–2669.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import multiprocessing as mp
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

PAGE = ("<html><head><title>Bench article</title></head><body><article><h1>Bench article</h1>"
        + "<p>The committee published its findings on Tuesday after a year of hearings.</p>" * 40
        + "</article></body></html>").encode()


def _serve(port: int, n: int) -> None:
    from aiohttp import web

    listing = ("<html><head><title>Sources</title></head><body><ul>"
               + "".join(f'<li><a href="{u}">source {i}</a></li>' for i, u in enumerate(_urls(port, n)))
               + "</ul></body></html>").encode()

    async def page(request: web.Request) -> web.Response:
        return web.Response(body=PAGE, content_type="text/html", charset="utf-8")

    async def missing(request: web.Request) -> web.Response:
        return web.Response(status=404, body=b"<html><body><h1>Not Found</h1></body></html>", content_type="text/html")

    async def gone(request: web.Request) -> web.Response:
        return web.Response(status=410, body=b"<html><body>Gone</body></html>", content_type="text/html")

    async def moved(request: web.Request) -> web.Response:
        raise web.HTTPMovedPermanently(location="/page/" + request.match_info["n"])

    async def sources(request: web.Request) -> web.Response:
        return web.Response(body=listing, content_type="text/html")

    async def empty(request: web.Request) -> web.Response:
        return web.Response(body=b"<html><body></body></html>", content_type="text/html")

    async def mark(request: web.Request, response: web.StreamResponse) -> None:
        response.headers["LinkChecker"] = "bench"  # lets linkchecker lift its per-host rate limit

    app = web.Application()
    app.on_response_prepare.append(mark)
    app.router.add_get("/page/{n}", page)
    app.router.add_get("/missing/{n}", missing)
    app.router.add_get("/gone/{n}", gone)
    app.router.add_get("/moved/{n}", moved)
    app.router.add_get("/sources.html", sources)
    app.router.add_get("/empty.html", empty)
    web.run_app(app, host="127.0.0.1", port=port, print=None, access_log=None)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _urls(port: int, n: int) -> list[str]:
    kinds = ["page", "page", "page", "page", "page", "missing", "gone", "moved"]  # mixed statuses
    return [f"http://127.0.0.1:{port}/{kinds[i % len(kinds)]}/{i}" for i in range(n)]


async def bench_fetcher(urls: list[str], concurrency: int) -> tuple[float, dict[str, int]]:
    from verifier.net.fetch import Fetcher
    from verifier.net.politeness import HostLimiter
    from verifier.settings import Settings

    s = Settings(allow_private_hosts=True, host_concurrency=concurrency, host_interval=0.0, fetch_retries=0,
                 respect_robots=False)
    counts: dict[str, int] = {}
    async with Fetcher(s, HostLimiter(concurrency, 0.0, adaptive=False), max_connections=concurrency) as f:
        await f.fetch(urls[0])  # warm-up: connector, resolver
        t0, c0 = time.perf_counter(), time.process_time()

        async def one(u: str) -> None:
            snap = await f.fetch(u)
            counts[snap.status.value] = counts.get(snap.status.value, 0) + 1

        await asyncio.gather(*(one(u) for u in urls))
        counts["cpu_us_per_req"] = round((time.process_time() - c0) / len(urls) * 1e6)
        return len(urls) / (time.perf_counter() - t0), counts


async def bench_httpx(urls: list[str], concurrency: int) -> tuple[float, dict[str, int]]:
    sem = asyncio.Semaphore(concurrency)
    counts: dict[str, int] = {}
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(follow_redirects=True, limits=limits) as client:
        await client.get(urls[0])
        t0, c0 = time.perf_counter(), time.process_time()

        async def one(u: str) -> None:
            async with sem:
                r = await client.get(u)
                counts[str(r.status_code)] = counts.get(str(r.status_code), 0) + 1

        await asyncio.gather(*(one(u) for u in urls))
        counts["cpu_us_per_req"] = round((time.process_time() - c0) / len(urls) * 1e6)
        return len(urls) / (time.perf_counter() - t0), counts


async def bench_aiohttp(urls: list[str], concurrency: int) -> tuple[float, dict[str, int]]:
    """The ceiling on this machine now: bare aiohttp, no httpx objects, no guard, no classification."""
    import aiohttp

    sem = asyncio.Semaphore(concurrency)
    counts: dict[str, int] = {}
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=concurrency)) as session:
        async with session.get(urls[0]) as r:
            await r.read()
        t0, c0 = time.perf_counter(), time.process_time()

        async def one(u: str) -> None:
            async with sem, session.get(u, allow_redirects=True) as r:
                await r.read()
                counts[str(r.status)] = counts.get(str(r.status), 0) + 1

        await asyncio.gather(*(one(u) for u in urls))
        counts["cpu_us_per_req"] = round((time.process_time() - c0) / len(urls) * 1e6)
        return len(urls) / (time.perf_counter() - t0), counts


def _linkchecker_cmd() -> list[str] | None:
    """How to run linkchecker here: the venv's, one on PATH, or uvx's; None if none can be had."""
    venv = Path(sys.executable).with_name("linkchecker")
    if venv.exists():
        return [str(venv)]
    if shutil.which("linkchecker"):
        return ["linkchecker"]
    if shutil.which("uvx"):
        return ["uvx", "--quiet", "--from", "linkchecker", "linkchecker"]
    return None


def _run_linkchecker(cmd: list[str], url: str, threads: int, rc_dir: str) -> tuple[float, dict[str, int]]:
    rc = Path(rc_dir) / "linkcheckerrc"
    rc.write_text(f"[checking]\nthreads={threads}\nmaxrequestspersecond=1000000\nrecursionlevel=1\n")
    rc.chmod(0o644)  # linkchecker run as root drops to nobody
    t0 = time.perf_counter()
    out = subprocess.run([*cmd, "-f", str(rc), "--no-robots", "--threads", str(threads), "-r", "1", "--no-status",
                          "--no-warnings", "--verbose", "-o", "csv", url],
                         capture_output=True, text=True, timeout=900, check=False)
    took = time.perf_counter() - t0
    counts: dict[str, int] = {}
    rows = [line for line in out.stdout.splitlines() if line and not line.startswith("#")]
    for row in csv.DictReader(io.StringIO("\n".join(rows)), delimiter=";"):
        if row.get("parentname"):  # the listed URLs, not the listing page itself
            result = (row.get("result") or "?").split(" ")[0]
            counts[result] = counts.get(result, 0) + 1
    if not counts:
        raise RuntimeError(f"linkchecker reported nothing (exit {out.returncode}): {out.stderr.strip()[-300:]}")
    return took, counts


def bench_linkchecker(port: int, n: int, threads: int, rounds: int) -> tuple[float, float, dict[str, int]] | str:
    """(best requests/s with start-up, without start-up, counts), or why linkchecker could not run."""
    cmd = _linkchecker_cmd()
    if cmd is None:
        return "linkchecker is not installed and uvx is not available (uv pip install linkchecker)"
    try:
        with tempfile.TemporaryDirectory() as tmp:
            startup = min(_startup(cmd, port) for _ in range(2))
            took, counts = min((_run_linkchecker(cmd, f"http://127.0.0.1:{port}/sources.html", threads, tmp)
                                for _ in range(rounds)), key=lambda r: r[0])
    except (OSError, subprocess.SubprocessError, RuntimeError) as exc:
        return f"linkchecker could not run: {exc}"[:300]
    return n / took, n / max(took - startup, 1e-9), counts


def _startup(cmd: list[str], port: int) -> float:
    """linkchecker's fixed cost: checking a listing with no links."""
    t0 = time.perf_counter()
    subprocess.run([*cmd, "--no-robots", "-r", "1", "--no-status", "-o", "none",
                    f"http://127.0.0.1:{port}/empty.html"], capture_output=True, timeout=300, check=False)
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--requests", type=int, default=2000)
    ap.add_argument("--concurrency", type=int, default=50)
    ap.add_argument("--rounds", type=int, default=3, help="runs per client; the best is shown")
    ap.add_argument("--no-linkchecker", action="store_true", help="skip linkchecker")
    args = ap.parse_args()
    port = _free_port()
    proc = mp.get_context("spawn").Process(target=_serve, args=(port, args.requests), daemon=True)
    proc.start()
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        urls = _urls(port, args.requests)
        load0 = os.getloadavg()
        ours, c1 = max(asyncio.run(bench_fetcher(urls, args.concurrency)) for _ in range(args.rounds))
        plain, c2 = max(asyncio.run(bench_httpx(urls, args.concurrency)) for _ in range(args.rounds))
        raw, c3 = max(asyncio.run(bench_aiohttp(urls, args.concurrency)) for _ in range(args.rounds))
        lc = ("skipped (--no-linkchecker)" if args.no_linkchecker
              else bench_linkchecker(port, args.requests, args.concurrency, args.rounds))
        load1 = os.getloadavg()
        print(f"{args.requests} GETs on 127.0.0.1, concurrency {args.concurrency}, mixed 200/404/410/301, "
              f"best of {args.rounds}; {os.cpu_count()} CPUs, load average {load0[0]:.2f} before, "
              f"{load1[0]:.2f} after")
        print(f"  verifier Fetcher (httpx API, aiohttp pool, guarded, classified): {ours:8.0f} req/s  {c1}")
        print(f"  plain httpx.AsyncClient (its own pool, follows redirects):      {plain:8.0f} req/s  {c2}")
        print(f"  (reference: bare aiohttp, nothing checked, the ceiling here): {raw:8.0f} req/s  {c3}")
        if isinstance(lc, str):
            print(f"  linkchecker: {lc}")
        else:
            print(f"  linkchecker --threads {args.concurrency} -r 1 (a page listing the URLs):       "
                  f"{lc[0]:8.0f} req/s  ({lc[1]:.0f} req/s without its start-up)  {lc[2]}")
    finally:
        proc.terminate()
        proc.join(5)


if __name__ == "__main__":
    main()
