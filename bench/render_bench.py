"""Rendering cost beside a plain fetch of the same pages, in one run.

Usage: python bench/render_bench.py [--pages 20]

Serves N script-written article pages on 127.0.0.1, then (1) fetches each with the plain Fetcher
and (2) renders each in headless Chromium through verifier/net/render.py. Prints seconds per page
for both, the ratio, and memory: this process's peak RSS, the largest Chromium process's peak, and
the highest total RSS of the process tree sampled while rendering.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.httpserver import LoopbackServer
from verifier.net.fetch import Fetcher
from verifier.net.render import Renderer, RenderPolicy, chromium_path, origin_of
from verifier.settings import Settings

PAGE = """<!doctype html><html><head><title>Story {n}</title></head><body><main id=m></main>
<script>document.getElementById('m').innerHTML = '<article>' +
  Array.from({{length: 40}}, (_, i) => '<p>Paragraph ' + i + ' of story {n}: the harbour wall will be repaired.</p>').join('') +
  '</article>';</script></body></html>"""


def tree_rss_mb() -> float:
    """Total resident memory of this process and all its descendants (from /proc)."""
    me = os.getpid()
    kids: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            stat = Path(f"/proc/{d}/stat").read_text().rsplit(")", 1)[1].split()
            kids.setdefault(int(stat[1]), []).append(int(d))
            rss[int(d)] = int(stat[21]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, IndexError, ValueError):
            continue
    total, todo = 0, [me]
    while todo:
        p = todo.pop()
        total += rss.get(p, 0)
        todo += kids.get(p, [])
    return total / 1e6


async def plain(urls: list[str], settings: Settings) -> float:
    t = time.perf_counter()
    async with Fetcher(settings) as f:
        for u in urls:
            await f.fetch(u)
    return (time.perf_counter() - t) / len(urls)


async def rendered(urls: list[str], policy: RenderPolicy, peak: list[float]) -> tuple[float, int]:
    ok = 0
    async with Renderer(policy, user_agent="verifier-bench", timeout=20, settle=0.3) as r:
        await r.render(urls[0])  # the browser's start is reported apart from the per-page cost
        t = time.perf_counter()
        for u in urls:
            res = await r.render(u)
            ok += bool(res.html and "harbour wall" in res.html)
            peak[0] = max(peak[0], tree_rss_mb())
        return (time.perf_counter() - t) / len(urls), ok


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pages", type=int, default=20)
    args = ap.parse_args()
    if chromium_path() is None:
        raise SystemExit("render_bench: chromium is not installed (apt-get install chromium)")
    with LoopbackServer() as srv:
        for n in range(args.pages):
            srv.page(f"/s{n}", PAGE.format(n=n).encode())
        urls = [srv.url(f"/s{n}") for n in range(args.pages)]
        settings = Settings(allow_private_hosts=True, host_interval=0, respect_robots=False)
        per_plain = asyncio.run(plain(urls, settings))
        t0 = time.perf_counter()
        peak = [0.0]
        per_render, ok = asyncio.run(rendered(urls, RenderPolicy(True, frozenset({origin_of(srv.url())})), peak))
        total = time.perf_counter() - t0
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3
    child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1e3
    print(f"pages: {args.pages}  rendered with their article: {ok}/{args.pages}")
    print(f"plain fetch   {per_plain * 1000:8.1f} ms/page")
    print(f"render        {per_render * 1000:8.1f} ms/page  ({per_render / per_plain:.0f}x the plain fetch; "
          f"{total:.1f} s in all with the browser's start)")
    print(f"memory        this process peak {own:.0f} MB, largest Chromium process peak {child:.0f} MB, "
          f"process tree at most {peak[0]:.0f} MB while rendering")


if __name__ == "__main__":
    main()
