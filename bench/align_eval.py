"""Accuracy of align() + decide() on the harness's own quotes, without fetching or the CLI.

Why: the full harness runs the CLI over HTTP; this runs the same briefs (harness.make_brief,
same variants, same credit styles, dead links) straight through extraction, SourceIndex,
align() and decide(), and prints the harness's metrics in seconds.

    uv run python bench/align_eval.py [--corpus DIR] [--seeds 7 8 9] [--briefs 30] [--show 10]
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import sys
import time
from pathlib import Path
from typing import Any

#: the shared evaluation material beside the checkout (../shared), or beside a folder above it
#: (a git worktree under wt/ shares its main checkout's ../shared)
SHARED = next((p / "shared" for p in Path(__file__).resolve().parents if (p / "shared" / "eval").is_dir()),
              Path(__file__).resolve().parents[2] / "shared")

HARNESS = Path(str(SHARED / "eval"))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from verifier.core.align import SourceIndex, align
from verifier.core.judge import decide
from verifier.core.values import Match, SourceText


class FakeSite:
    """Stands in for harness.Site: make_brief only needs routes and url()."""

    def __init__(self) -> None:
        self.routes: dict[str, Any] = {}

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:9999{path}"


def source_text(page: dict[str, Any], harness: Any) -> SourceText:
    """The page as the product extracts it (verifier.core.extract if present, else a stand-in)."""
    try:
        from verifier.documents.source import extract

        st = extract(page["html"], "text/html; charset=utf-8", page.get("orig_url") or None)
        if st.text.strip():
            return st
    except ImportError:
        pass
    import trafilatura

    main = trafilatura.extract(page["html"], include_comments=False, include_tables=True,
                               favor_precision=False) or ""
    return SourceText(main + "\n\n" + harness.visible_text(page["html"]), main_end=len(main))


def refs_of(text: str, style: str) -> list[str]:
    """Cited URLs in reference order (ref i = position i, 1-based)."""
    if style == "html":
        block = text[text.rfind("<h2>Sources</h2>"):]
        return re.findall(r'<a href="([^"]+)"', block)
    if style == "numbered":
        return [u for _, u in re.findall(r"^\[(\d+)\] .*? (http\S+)$", text, re.M)]
    return re.findall(r"^- .*, (http\S+)$", text, re.M)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", default=str(SHARED / "corpus" / "dev"))
    ap.add_argument("--seeds", type=int, nargs="+", default=[7, 8, 9])
    ap.add_argument("--briefs", type=int, default=30)
    ap.add_argument("--show", type=int, default=10)
    args = ap.parse_args()
    if not (HARNESS / "harness.py").exists() or not Path(args.corpus).exists():
        print("harness or corpus absent: skipped")
        return
    sys.path.insert(0, str(HARNESS))
    import harness

    pages = harness.load_corpus(Path(args.corpus))
    by_id = {p["id"]: p for p in pages}
    indexes: dict[str, SourceIndex] = {}
    build_t: list[float] = []
    align_t: list[float] = []
    all_rows: list[dict[str, Any]] = []
    for seed in args.seeds:
        rng = random.Random(seed)
        for bi in range(args.briefs):
            style = ("numbered", "resources", "html")[bi % 3]
            site = FakeSite()
            pool = rng.sample(pages, k=min(len(pages), 12))
            text, items = harness.make_brief(rng, pool[:6], pages, site, style, bi)
            urls = refs_of(text, style)
            ref_page: dict[str, str] = {}
            readable: dict[str, bool] = {}
            for i, u in enumerate(urls, 1):
                m = re.search(r"/(news|gone)/\d+/([^/]+)\.html$", u)
                assert m, u
                pid = next(pg["id"] for pg in pool[:6] if pg["id"][:16] == m.group(2))
                ref_page[str(i)] = pid
                readable[str(i)] = m.group(1) == "news"
            for pid in {ref_page[r] for r in readable if readable[r]}:
                if pid not in indexes:
                    t0 = time.perf_counter()
                    indexes[pid] = SourceIndex.build(source_text(by_id[pid], harness))
                    build_t.append(time.perf_counter() - t0)
            for it in items:
                matches: dict[str, Match | None] = {}
                for r, ok in readable.items():
                    if not ok:
                        matches[r] = None
                        continue
                    t0 = time.perf_counter()
                    matches[r] = align(it["quote"], indexes[ref_page[r]])
                    align_t.append(time.perf_counter() - t0)
                cites = [str(it["ref"])] if it["ref"] is not None else []
                j = decide(cites, matches, readable)
                pred = str(j.verdict)
                ev_ok = False
                if it["label"] in harness.TRUE_LABELS and pred in harness.TRUE_LABELS and j.evidence:
                    evtext = harness.norm(j.evidence.text)
                    src = harness.norm(by_id[it["page"]]["body"])
                    ev_ok = bool(evtext) and len(evtext) >= 0.5 * len(harness.norm(it["quote"])) and evtext[:40] in src
                all_rows.append({"seed": seed, "kind": it["kind"], "label": it["label"], "pred": pred,
                                 "quote": it["quote"], "evidence_ok": ev_ok,
                                 "evidence": j.evidence.text[:160] if j.evidence else None,
                                 "diffs": [d.as_dict() for d in j.differences]})
    metrics, confusion = harness.summarize(all_rows)
    print(f"corpus={args.corpus} seeds={args.seeds} briefs/seed={args.briefs} pages indexed={len(indexes)}")
    for k, v in metrics.items():
        print(f"  {k:26s} {v:.4f}" if isinstance(v, float) else f"  {k:26s} {v}")
    print("  confusion:", confusion)
    by_kind: dict[str, list[bool]] = {}
    for row in all_rows:
        good = row["pred"] == row["label"] or (row["label"] in harness.TRUE_LABELS and row["pred"] in harness.TRUE_LABELS)
        by_kind.setdefault(row["kind"], []).append(good)
    print("  per kind:", {k: f"{sum(v)}/{len(v)}" for k, v in sorted(by_kind.items())})
    if align_t:
        ms = sorted(x * 1000 for x in align_t)
        print(f"  index build median {statistics.median(build_t) * 1000:.1f} ms; align() median {statistics.median(ms):.3f} ms, "
              f"p95 {ms[int(0.95 * len(ms))]:.3f} ms over {len(ms)} calls")
    wrong = [row for row in all_rows if not (row["pred"] == row["label"] or (row["label"] in harness.TRUE_LABELS and row["pred"] in harness.TRUE_LABELS))]
    bad_ev = [row for row in all_rows if row["label"] in harness.TRUE_LABELS and row["pred"] in harness.TRUE_LABELS and not row["evidence_ok"]]
    for row in wrong[: args.show]:
        print(f"  WRONG {row['kind']}: want {row['label']} got {row['pred']}: {row['quote'][:150]!r} diffs={row['diffs'][:3]}")
    for row in bad_ev[: args.show]:
        print(f"  EVIDENCE {row['kind']}: {row['quote'][:100]!r} -> {row['evidence']!r}")


if __name__ == "__main__" and "--ocr" not in sys.argv:
    main()


def ocr_eval(large: Path, quotes: int, seed: int, show: int) -> None:
    """harness.ocr_mode's quotes (clean edition) against the DOJ OCR text, through align()."""
    sys.path.insert(0, str(HARNESS))
    import harness

    ocr = (large / "mueller-report-doj-ocr-2019-04-18.txt").read_bytes().decode("cp1252", "replace")
    clean = harness.visible_text((large / "mueller-report-opensource-edition.html").read_bytes())
    ocr_sq = harness._squash(ocr)
    rng = random.Random(seed)
    cands = [x for x in harness.sentences(clean) if 10 <= len(x.split()) <= 30
             and re.match(r"[A-Z][a-z]", x) and not re.search(r"[()\[\];§]|\d{3,}|\b(?:See|Id)\b", x)]
    rng.shuffle(cands)
    items: list[dict[str, Any]] = []
    for sent in cands:
        if len(items) >= quotes:
            break
        q = harness.pick_span(sent, rng, lo=10, hi=25)
        if len(harness._squash(q)) < 40 or harness._squash(q) not in ocr_sq:
            continue
        if rng.random() < 0.35:
            ctx = {"names": [], "content_words": re.findall(r"\b[a-z]{5,}\b", sent),
                   "other_names": ["Morgan", "Hughes", "Walker", "Fisher", "Brennan"]}
            for v in rng.sample(harness.ALTER_VARIANTS, len(harness.ALTER_VARIANTS)):
                r = v(q, rng, ctx)
                if r and harness._squash(r[0]) not in ocr_sq:
                    items.append({"quote": r[0], "label": "altered", "kind": r[2]})
                    break
        else:
            items.append({"quote": q, "label": "verified", "kind": "clean_vs_ocr"})
    t0 = time.perf_counter()
    index = SourceIndex.build(SourceText(ocr))
    print(f"OCR source {len(ocr):,} chars, index build {(time.perf_counter() - t0) * 1000:.0f} ms")
    rows = []
    times = []
    for it in items:
        t0 = time.perf_counter()
        j = decide(["1"], {"1": align(it["quote"], index)}, {"1": True})
        times.append(time.perf_counter() - t0)
        rows.append({**it, "pred": str(j.verdict), "evidence_ok": False,
                     "diffs": [d.as_dict() for d in j.differences][:3]})
    metrics, confusion = harness.summarize(rows)
    for k in ("quotes", "true_quote_acceptance", "false_verification_rate", "altered_detected", "strict_accuracy"):
        print(f"  {k:26s} {metrics[k]}")
    print("  confusion:", confusion, f"median {statistics.median(times) * 1000:.2f} ms/quote")
    for row in [r for r in rows if (r["pred"] in harness.TRUE_LABELS) != (r["label"] in harness.TRUE_LABELS)][:show]:
        print(f"  WRONG {row['kind']}: got {row['pred']}: {row['quote'][:120]!r} {row['diffs']}")


if __name__ == "__main__" and "--ocr" in sys.argv:
    ap2 = argparse.ArgumentParser()
    ap2.add_argument("--ocr", action="store_true")
    ap2.add_argument("--large", default=str(SHARED / "corpus" / "large"))
    ap2.add_argument("--quotes", type=int, default=60)
    ap2.add_argument("--seed", type=int, default=7)
    ap2.add_argument("--show", type=int, default=10)
    a2 = ap2.parse_args()
    if Path(a2.large).exists() and (HARNESS / "harness.py").exists():
        ocr_eval(Path(a2.large), a2.quotes, a2.seed, a2.show)
    else:
        print("large corpus or harness absent: skipped")
