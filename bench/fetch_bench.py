"""Fetch throughput on loopback: verifier's Fetcher vs a plain httpx.AsyncClient, side by side.

    uv run python bench/fetch_bench.py [--requests 2000] [--concurrency 50]

An aiohttp server in a separate process serves a mix of answers (200 pages, 404, 410,
301 → 200) on 127.0.0.1; both clients fetch the same URLs at the same concurrency with
per-host limits raised, and requests/s are printed for each. Only 127.0.0.1 is contacted.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import socket
import time

import httpx

PAGE = ("<html><head><title>Bench article</title></head><body><article><h1>Bench article</h1>"
        + "<p>The committee published its findings on Tuesday after a year of hearings.</p>" * 40
        + "</article></body></html>").encode()


def _serve(port: int) -> None:
    from aiohttp import web

    async def page(request: web.Request) -> web.Response:
        return web.Response(body=PAGE, content_type="text/html", charset="utf-8")

    async def missing(request: web.Request) -> web.Response:
        return web.Response(status=404, body=b"<html><body><h1>Not Found</h1></body></html>", content_type="text/html")

    async def gone(request: web.Request) -> web.Response:
        return web.Response(status=410, body=b"<html><body>Gone</body></html>", content_type="text/html")

    async def moved(request: web.Request) -> web.Response:
        raise web.HTTPMovedPermanently(location="/page/" + request.match_info["n"])

    app = web.Application()
    app.router.add_get("/page/{n}", page)
    app.router.add_get("/missing/{n}", missing)
    app.router.add_get("/gone/{n}", gone)
    app.router.add_get("/moved/{n}", moved)
    web.run_app(app, host="127.0.0.1", port=port, print=None, access_log=None)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _urls(port: int, n: int) -> list[str]:
    kinds = ["page", "page", "page", "page", "page", "missing", "gone", "moved"]  # mixed statuses
    return [f"http://127.0.0.1:{port}/{kinds[i % len(kinds)]}/{i}" for i in range(n)]


async def bench_fetcher(urls: list[str], concurrency: int) -> tuple[float, dict[str, int]]:
    from verifier.fetch import Fetcher
    from verifier.politeness import HostLimiter
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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--requests", type=int, default=2000)
    ap.add_argument("--concurrency", type=int, default=50)
    ap.add_argument("--rounds", type=int, default=3, help="runs per client; the best is shown")
    args = ap.parse_args()
    port = _free_port()
    proc = mp.get_context("spawn").Process(target=_serve, args=(port,), daemon=True)
    proc.start()
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        urls = _urls(port, args.requests)
        ours, c1 = max(asyncio.run(bench_fetcher(urls, args.concurrency)) for _ in range(args.rounds))
        plain, c2 = max(asyncio.run(bench_httpx(urls, args.concurrency)) for _ in range(args.rounds))
        print(f"{args.requests} GETs on 127.0.0.1, concurrency {args.concurrency}, mixed 200/404/410/301")
        print(f"  verifier Fetcher (httpx over aiohttp, guarded, classified): {ours:8.0f} req/s  {c1}")
        print(f"  plain httpx.AsyncClient:                                    {plain:8.0f} req/s  {c2}")
    finally:
        proc.terminate()
        proc.join(5)


if __name__ == "__main__":
    main()
