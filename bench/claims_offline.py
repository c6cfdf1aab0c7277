"""WiCE claims scored in-process: the same briefs, pages and metrics as ../shared/eval/wice_claims.py,
without the HTTP server, the database or a process per brief.

Why: on a busy machine the CLI run spends its time starting processes and fetching (and its 5 s
fetch timeout turns slow answers into unverifiable claims); this measures the claim rule itself
(core.claims, core.evidence, core.flags) in a couple of minutes, for iterating on it. The
figures to report are still the CLI run's.

    uv run python bench/claims_offline.py [--limit N] [--per-brief 5] [--out report.json]
        [--printed [--pdf-cache DIR]]
    (from a worktree elsewhere: VERIFIER_SHARED_DIR=/path/to/shared)

--printed: every cited page is printed to PDF by the system Chromium (as a reader saves a page, or
as a report is published) and read as a PDF source: the same claims on sources whose lines end
where the page ran out.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, ClassVar

#: the shared evaluation material beside the checkout (../shared), or VERIFIER_SHARED_DIR
SHARED = Path(os.environ.get("VERIFIER_SHARED_DIR") or Path(__file__).resolve().parents[2] / "shared")
sys.path.insert(0, str(SHARED / "eval"))
import wice_claims as W

from verifier.core.align import SourceIndex
from verifier.core.claims import find_claims
from verifier.core.evidence import PassageIndex, judge_claim
from verifier.core.intake import brief_from_bytes
from verifier.core.parse import parse_brief
from verifier.documents.pdf import extract_pdf
from verifier.documents.source import extract_with_note

BASE = "http://127.0.0.1:1"


class _Site:
    """Stands in for the eval's server: only its URLs are used."""

    routes: ClassVar[dict[str, Any]] = {}

    def url(self, path: str) -> str:
        return BASE + path


def _judge_brief(b: dict[str, Any], index_of: Any) -> dict[str, Any]:
    bt = brief_from_bytes(b["text"].encode(), name="b.md")
    ref_n = {it["ref"]: it["n"] for it in b["items"]}
    out = []
    for c in find_claims(bt, parse_brief(bt)):
        j = judge_claim(c, {r: index_of(ref_n[r]) for r in c.cites if r in ref_n})
        out.append({"id": c.id, "text": c.text, "start": c.start, "end": c.end, "cites": c.cites,
                    "source_ref": j.source_ref, "evidence": [p.as_dict() for p in j.evidence],
                    "coverage": j.coverage, "flags": [f.as_dict() for f in j.flags], "support": j.support})
    return {"claims": out, "sources": [{"status": "ok"}]}


def _printed(pages: dict[int, Any], cache: Path) -> dict[int, Path]:
    """Each page printed to PDF (A4) by the system Chromium, kept in `cache`."""
    from playwright.sync_api import sync_playwright

    from verifier.net.render import chromium_path

    cache.mkdir(parents=True, exist_ok=True)
    out = {n: cache / f"{n}.pdf" for n in pages}
    todo = [n for n, p in out.items() if not p.exists()]
    if todo:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=chromium_path(), args=["--no-sandbox"])
            page = browser.new_page()
            for n in todo:
                page.set_content(pages[n][0].decode("utf-8"))
                out[n].write_bytes(page.pdf(format="A4"))
            browser.close()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--per-brief", type=int, default=5)
    ap.add_argument("--out", help="write metrics and per-claim rows as JSON")
    ap.add_argument("--printed", action="store_true", help="read every page printed to PDF by Chromium")
    ap.add_argument("--pdf-cache", type=Path, help="where the printed pages are kept between runs")
    args = ap.parse_args()
    lines = (W.DEFAULT_DATA / "dev.jsonl").read_text(encoding="utf-8").splitlines()
    rows = [json.loads(line) for line in lines if line.strip()]
    rows = rows[: args.limit] if args.limit else rows
    pages = {n: W.render_page(r) for n, r in enumerate(rows)}
    items, excluded = W.plan(rows, pages, 3, True)
    briefs = W.build(items, pages, _Site(), Path(tempfile.mkdtemp(prefix="wice-offline-")), args.per_brief)
    indexes: dict[int, PassageIndex] = {}

    printed = _printed(pages, args.pdf_cache or Path(tempfile.mkdtemp(prefix="wice-pdf-"))) if args.printed else {}

    def index_of(n: int) -> PassageIndex:
        if n not in indexes:
            if printed:
                st, _ = extract_pdf(printed[n].read_bytes())
            else:
                st, _ = extract_with_note(pages[n][0], "text/html; charset=utf-8", f"{BASE}/w/{n}")
            indexes[n] = PassageIndex(st, SourceIndex.build(st))
        return indexes[n]

    t0 = time.perf_counter()
    res = {}
    for b in briefs:
        doc = _judge_brief(b, index_of)
        rc = int(any(f["source"] for c in doc["claims"] for f in c["flags"]))
        res[b["name"]] = (doc, None, rc, 0.0)
    seconds = time.perf_counter() - t0
    scored, errors, extra, exit_rows, base_by_n = W.score(briefs, res, rows, pages)
    m = W.summarize(scored, rows, pages, excluded, base_by_n, exit_rows, errors, extra)
    m["ms_per_claim"] = round(1000 * seconds / max(len(items), 1), 1)  # source reading and indexing included
    if args.out:
        Path(args.out).write_text(json.dumps({"metrics": m, "rows": scored}, indent=1, ensure_ascii=False))
    print(json.dumps(m, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
