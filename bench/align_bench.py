"""Speed and accuracy of align() vs rapidfuzz's whole-text partial_ratio_alignment, side by side.

Why: the 3-gram index must beat one fuzzy pass over a 1.2M-character source by 20x or more
on present AND absent quotes, at equal or better accuracy. Source: the clean edition of the
Mueller report (HTML visible text) by default, or its OCR text with --ocr-source.

    uv run python bench/align_bench.py [LARGE_DIR] [--quotes 40] [--seed 7] [--ocr-source]
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import sys
import time
from pathlib import Path

#: the shared evaluation material beside the checkout (../shared)
SHARED = Path(__file__).resolve().parents[2] / "shared"

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
HARNESS = Path(str(SHARED / "eval"))

from verifier.core.align import SourceIndex, align
from verifier.core.values import SourceText

DEFAULT_LARGE = str(SHARED / "corpus" / "large")


def visible(raw: bytes) -> str:
    import lxml.html

    doc = lxml.html.fromstring(raw)
    for bad in doc.xpath("//script|//style|//noscript|//template"):
        bad.drop_tree()
    for el in doc.iter():
        if isinstance(el.tag, str) and el.tag.lower() in {"p", "div", "br", "li", "h1", "h2", "h3", "h4", "td", "tr"}:
            el.tail = "\n" + (el.tail or "")
    return re.sub(r"[ \t\r\f\v]+", " ", doc.text_content())


def sentences(text: str) -> list[str]:
    out = []
    for para in text.split("\n"):
        for s in re.split(r"(?<=[.!?])\s+(?=[A-Z])", para.strip()):
            w = s.split()
            if 10 <= len(w) <= 30 and re.match(r"[A-Z][a-z]", s) and not re.search(r"[()\[\];§\"“”]|\d{3,}", s):
                out.append(s)
    return out


def pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * len(xs)))]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("large", nargs="?", default=DEFAULT_LARGE)
    ap.add_argument("--quotes", type=int, default=40, help="present quotes (and as many absent, altered)")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--ocr-source", action="store_true", help="use the DOJ OCR text as the source")
    args = ap.parse_args()
    large = Path(args.large)
    html = large / "mueller-report-opensource-edition.html"
    ocr = large / "mueller-report-doj-ocr-2019-04-18.txt"
    if not html.exists():
        print(f"large corpus not found at {large}: skipped")
        return
    from rapidfuzz import fuzz

    clean = visible(html.read_bytes())
    text = ocr.read_bytes().decode("cp1252", "replace") if args.ocr_source else clean
    rng = random.Random(args.seed)
    sents = sentences(clean)
    rng.shuffle(sents)
    flat = " ".join(text.split())
    present: list[str] = []
    for s in sents:
        if len(present) >= args.quotes:
            break
        if " ".join(s.split()) in flat:
            present.append(s)
    altered = []
    for s in present:
        w = s.split()
        i = rng.randrange(1, len(w) - 1)
        w2 = list(w)
        w2.insert(i, "not") if rng.random() < 0.5 else w2.__setitem__(i, "elephants")
        altered.append(" ".join(w2))
    absent: list[str] = []
    dev = SHARED / "corpus" / "dev" / "gold.json"
    if dev.exists():
        import json

        for g in json.loads(dev.read_text()):
            for snippet in g["with"]:
                absent += [s for s in re.split(r"(?<=[.!?])\s+", snippet) if 10 <= len(s.split()) <= 30]
        rng.shuffle(absent)
    absent = absent[: args.quotes]

    t0 = time.perf_counter()
    index = SourceIndex.build(SourceText(text))
    build = time.perf_counter() - t0
    print(f"source: {'OCR' if args.ocr_source else 'clean HTML'} text, {len(text):,} chars, {len(index.ids):,} words; "
          f"index build {build * 1000:.0f} ms")

    def norm(s: str) -> str:
        return re.sub(r"\s+", " ", s).lower()

    ntext = norm(text)
    rows = []
    for label, qs, want in (("present", present, "found"), ("absent", absent, "none"), ("altered", altered, "altered")):
        ours_t, rf_t, ours_ok, rf_ok = [], [], 0, 0
        for q in qs:
            t0 = time.perf_counter()
            m = align(q, index)
            ours_t.append(time.perf_counter() - t0)
            got = "none" if m is None else ("altered" if m.verdict == "altered" else "found")
            ours_ok += got == want
            t0 = time.perf_counter()
            r = fuzz.partial_ratio_alignment(norm(q), ntext)
            rf_t.append(time.perf_counter() - t0)
            rf_got = "found" if r is not None and r.score >= 90 else "none"
            rf_ok += rf_got == want
        if not qs:
            continue
        rows.append((label, len(qs), statistics.median(ours_t) * 1000, pct(ours_t, 0.95) * 1000, ours_ok,
                     statistics.median(rf_t) * 1000, pct(rf_t, 0.95) * 1000, rf_ok))
    print(f"{'quotes':10s} {'n':>4s} | {'align med ms':>12s} {'p95':>8s} {'correct':>8s} | "
          f"{'rapidfuzz med ms':>16s} {'p95':>8s} {'correct':>8s} | speed-up (median)")
    for label, n, om, op, ok, rm, rp, rok in rows:
        print(f"{label:10s} {n:4d} | {om:12.3f} {op:8.3f} {ok:>4d}/{n:<3d} | {rm:16.2f} {rp:8.2f} {rok:>4d}/{n:<3d} | {rm / om:8.0f}x")
    print("rapidfuzz 'correct' = score>=90 found for present, <90 for absent; it cannot call a quote altered.")


if __name__ == "__main__":
    main()
