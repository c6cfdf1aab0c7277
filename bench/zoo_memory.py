"""Peak memory of `verifier check` on the link zoo (gzip bomb and oversized body included).

    uv run python bench/zoo_memory.py [--shared ../shared]

The harness's `--zoo` reads peak RSS from RUSAGE_CHILDREN in the process that built the 300 MB
bomb; on Linux a child spawned from it inherits that high-water mark at exec (a bare
`python -c pass` reads 583 MB there). Here the zoo is served from a separate process, so the
figure is the verifier's own.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SHARED = Path(__file__).resolve().parents[2] / "shared"


def serve(shared: str, q: mp.Queue) -> None:
    sys.path.insert(0, str(Path(shared) / "eval"))
    import harness

    site = harness.Site()
    cases, extra = harness.build_zoo(site)
    q.put((site.port, [(p, want, quote) for p, want, quote in cases], extra))
    while True:
        time.sleep(1)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shared", default=str(SHARED))
    args = ap.parse_args()
    if not (Path(args.shared) / "eval" / "harness.py").exists():
        print("skipped: no shared harness at", args.shared)
        return
    ctx = mp.get_context("spawn")
    q = ctx.Queue()
    server = ctx.Process(target=serve, args=(args.shared, q), daemon=True)
    server.start()
    port, cases, extra = q.get(timeout=120)
    url = f"http://127.0.0.1:{port}"
    lines = ["Link health brief", ""] + [f"The source says “{qt}” [{i}]." for i, (_, _, qt) in enumerate(cases, 1) if qt]
    lines += ["", "References"] + [f"[{i}] Source {i}. {url}{p}" for i, (p, _, _) in enumerate(cases, 1)]
    lines += [f"[{j}] Source {j}. {u}" for j, (u, _) in enumerate(extra, len(cases) + 1)]
    work = Path(tempfile.mkdtemp(prefix="zoo-memory-"))
    (work / "zoo.md").write_text("\n".join(lines) + "\n")
    env = {**os.environ, "VERIFIER_ALLOW_PRIVATE_HOSTS": "true", "VERIFIER_FETCH_TIMEOUT": "5",
           "VERIFIER_FETCH_MAX_BYTES": "5000000", "VERIFIER_HOST_CONCURRENCY": "16", "VERIFIER_HOST_INTERVAL": "0",
           "VERIFIER_DATABASE_URL": f"sqlite:///{work}/zoo.sqlite"}
    t0 = time.perf_counter()
    p = subprocess.run([sys.executable, "-m", "verifier", "check", str(work / "zoo.md"), "--format", "json"],
                       capture_output=True, env=env, timeout=300)
    dt = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024  # the server is still running
    doc = json.loads(p.stdout)
    got = {s["url"]: s["status"] for s in doc["sources"]}
    right = sum(got.get(f"{url}{path}") == want for path, want, _ in cases) + sum(got.get(u) == w for u, w in extra)
    print(f"verifier check on the zoo: {right}/{len(cases) + len(extra)} statuses right, "
          f"{dt:.1f} s, peak RSS {peak} MB")
    server.terminate()


if __name__ == "__main__":
    main()
