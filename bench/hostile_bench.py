"""Peak memory and time of the CLI on hostile briefs, this checkout beside a reference checkout.

Why: tests/hostile asserts outcomes only; the budgets (peak under 500 MB, under 60 s per bomb)
are figures, measured here for both trees in the same run on the same machine. Each CLI run is
capped at --cap of address space (default 2 GiB) so that the reference cannot take the machine
down: a run that hits the cap shows its exit status and the peak it reached.

    uv run python bench/hostile_bench.py [--ref /work/main] [--size-mib 1024] [--cap-mib 2048]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.hostile import cases
from tests.httpserver import LoopbackServer, Reply

# A wrapper that runs the CLI under RLIMIT_AS and prints the peak RSS of it and its children.
_MEASURE = """
import json, resource, subprocess, sys, time
cap = int(sys.argv[1])
def lim():
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
t = time.monotonic()
p = subprocess.run([sys.executable, "-m", "verifier", "check", sys.argv[2], "--format", "json"],
                   capture_output=True, preexec_fn=lim, timeout=600)
secs = time.monotonic() - t
err = (p.stderr.decode(errors="replace").strip().splitlines() or [""])[-1][:110]
try:
    quotes = len(json.loads(p.stdout)["quotes"])
except Exception:
    quotes = None
print(json.dumps({"rc": p.returncode, "secs": secs, "peak_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
                  "quotes": quotes, "err": err}))
"""


def _citing(d: Path, srv: LoopbackServer, name: str, pdf: Path) -> Path:
    """A brief citing `pdf` as a source served by the local server (a fetched PDF source)."""
    srv.route(f"/{name}", Reply(200, pdf.read_bytes(), content_type="application/pdf"))
    brief = d / f"cites-{name}.md"
    brief.write_text(f"The committee said “{cases.QUOTE}” [1].\n\n[1] Report. {srv.url('/' + name)}\n")
    return brief


def build(d: Path, size: int, source: str, srv: LoopbackServer) -> dict[str, Callable[[], Path]]:
    """Each case's builder (run only for the cases measured)."""
    return {
        f"PDF source, bomb page ({size >> 20} MiB)": lambda: _citing(
            d, srv, "bomb-source.pdf", cases.flate_bomb_pdf(d / "bomb-source.pdf", size)),
        "PDF source, bomb page + text page": lambda: _citing(
            d, srv, "two-page.pdf", cases.pdf_with_bomb_page(d / "two-page.pdf", size)),
        f"zip-bomb .docx ({size >> 20} MiB inflated)": lambda: cases.zip_bomb_docx(d / "bomb.docx", size),
        f"flate-bomb .pdf ({size >> 20} MiB inflated)": lambda: cases.flate_bomb_pdf(d / "bomb.pdf", size),
        "nested archive .docx": lambda: cases.nested_zip_docx(d / "nested.docx"),
        "deep HTML (5,000 divs)": lambda: cases.deep_html(d / "deep.html", 5000, source),
        "deep HTML (200,000 divs)": lambda: cases.deep_html(d / "deeper.html", 200_000, source),
        "mostly-UTF-8 .md": lambda: cases.mostly_utf8(d / "mostly.md", source),
    }


def measure(tree: Path, brief: Path, cap: int, env: dict[str, str], db: Path) -> dict[str, object]:
    db.unlink(missing_ok=True)  # a fresh database per run: the two trees may not share a schema
    full = {**os.environ, **env, "PYTHONPATH": str(tree), "VERIFIER_DATABASE_URL": f"sqlite:///{db}"}
    p = subprocess.run([sys.executable, "-c", _MEASURE, str(cap), str(brief)], capture_output=True, env=full,
                       timeout=900, cwd=tree)
    return json.loads(p.stdout)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--ref", default="/work/main", help="the reference checkout (before)")
    ap.add_argument("--only", default="", help="run only the cases whose name contains this")
    ap.add_argument("--size-mib", type=int, default=1024)
    ap.add_argument("--cap-mib", type=int, default=2048)
    a = ap.parse_args()
    cap = a.cap_mib << 20
    with tempfile.TemporaryDirectory() as tmp, LoopbackServer() as srv:
        srv.page("/report", cases.SOURCE_PAGE)
        d = Path(tmp)
        env = {"VERIFIER_ALLOW_PRIVATE_HOSTS": "true", "VERIFIER_FETCH_RETRIES": "0", "VERIFIER_HOST_INTERVAL": "0"}
        print(f"cap {a.cap_mib} MiB of address space per run; before = {a.ref}, after = {ROOT}")
        print(f"{'case':34} {'':6} {'exit':>4} {'peak MB':>8} {'secs':>6} {'quotes':>6}  last stderr line")
        for name, make in build(d, a.size_mib << 20, srv.url("/report"), srv).items():
            if a.only not in name:
                continue
            brief = make()
            for label, tree in (("before", Path(a.ref)), ("after", ROOT)):
                r = measure(tree, brief, cap, env, d / f"{label}.db")
                print(f"{name:34} {label:6} {r['rc']:>4} {r['peak_mb']:>8.0f} {r['secs']:>6.1f} "
                      f"{r['quotes'] if r['quotes'] is not None else '-':>6}  {r['err']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
