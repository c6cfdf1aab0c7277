"""Page-number accuracy on the DOJ pagination: is evidence.page the page the quoted passage is on?

Why: the DOJ's scanned PDF is not stored here, but its per-page OCR text is
(mueller-report-doj-pages.csv: page,line,text for the 448 DOJ pages, "very unclean"). This writes
those pages into a PDF (one DOJ page per PDF page, running heads and all), reads it back with
extract_pdf (running-head removal, page offsets), and aligns quotes taken from the clean edition
whose letters stand on a known DOJ page (spacing and marks aside), true and falsified. With
--scan N, the first N pages are also rasterised and read back through Tesseract OCR instead.

    uv run python bench/ocr_pages_eval.py [--quotes 300] [--seed 1] [--scan 0]
"""

from __future__ import annotations

import argparse
import csv
import random
import re
import sys
import time
from pathlib import Path

#: the shared evaluation material beside the checkout (../shared)
SHARED = Path(__file__).resolve().parents[2] / "shared"

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(SHARED / "eval"))

from verifier.core.align import SourceIndex, align
from verifier.core.pdfwrite import text_pdf
from verifier.documents import ocr
from verifier.documents.pdf import read_pdf

LARGE = SHARED / "corpus" / "large"


def make_pdf(pages: list[list[str]], size: float = 7.5, lead: float = 10.0) -> bytes:
    return text_pdf(pages, font_size=size, leading=lead, page_size=(612, 792))


def doj_pages() -> dict[int, list[str]]:
    pages: dict[int, list[str]] = {}
    with open(LARGE / "mueller-report-doj-pages.csv", encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            t = row["text"].encode("latin-1", "replace").decode("latin-1")
            pages.setdefault(int(row["page"]), []).append(t)
    return pages


def squash(t: str) -> str:
    return re.sub(r"[^0-9a-z]", "", t.lower())


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quotes", type=int, default=300)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--scan", type=int, default=0, help="also OCR N pages from page images")
    ap.add_argument("--scan-from", type=int, default=20, help="first page of the OCR'd run")
    ap.add_argument("--show", type=int, default=8)
    args = ap.parse_args()
    import harness

    pages = doj_pages()
    n = max(pages)
    plist = [pages.get(p, []) for p in range(1, n + 1)]
    t0 = time.perf_counter()
    pdf = make_pdf(plist)
    r = read_pdf(pdf)
    print(f"DOJ pages {n}, text PDF {len(pdf) / 1e6:.1f} MB, extract {time.perf_counter() - t0:.1f} s, "
          f"scanned (no usable layer) {len(r.scanned)}")
    # where each page's letters start in the squashed whole, for the ground truth
    sq_pages = [squash(" ".join(x)) for x in plist]
    starts, pos = [], 0
    for s in sq_pages:
        starts.append(pos)
        pos += len(s)
    whole = "".join(sq_pages)

    clean = harness.visible_text((LARGE / "mueller-report-opensource-edition.html").read_bytes())
    rng = random.Random(args.seed)
    cands = [x for x in harness.sentences(clean) if 10 <= len(x.split()) <= 30
             and re.match(r"[A-Z][a-z]", x) and not re.search(r"[()\[\];§]|\d{3,}|\b(?:See|Id)\b", x)]
    rng.shuffle(cands)
    items: list[tuple[str, str, int]] = []
    import bisect

    for sent in cands:
        if len(items) >= args.quotes:
            break
        q = harness.pick_span(sent, rng, lo=10, hi=25)
        sq = squash(q)
        i = whole.find(sq)
        if len(sq) < 40 or i < 0 or whole.find(sq, i + 1) >= 0:
            continue  # only passages that stand once, on a known page
        page = bisect.bisect_right(starts, i)
        if rng.random() < 0.3:
            ctx = {"names": [], "content_words": re.findall(r"\b[a-z]{5,}\b", sent),
                   "other_names": ["Morgan", "Hughes", "Walker", "Fisher", "Brennan"]}
            for v in rng.sample(harness.ALTER_VARIANTS, len(harness.ALTER_VARIANTS)):
                alt = v(q, rng, ctx)
                if alt and squash(alt[0]) not in whole:
                    items.append((alt[0], "altered", page))
                    break
        else:
            items.append((q, "true", page))

    def score(st_index: SourceIndex, its: list[tuple[str, str, int]], label: str) -> None:
        ok_t = n_t = ok_f = n_f = pg_ok = pg_n = 0
        wrong = []
        t = time.perf_counter()
        for q, kind, page in its:
            m = align(q, st_index)
            v = m.verdict.value if m else "not_found"
            good_page = m is not None and m.evidence.page == page
            if m is not None:
                pg_n += 1
                pg_ok += good_page
            if kind == "true":
                n_t += 1
                ok_t += v in ("verified", "minor_differences")
            else:
                n_f += 1
                ok_f += v not in ("verified", "minor_differences")
            if (kind == "true") != (v in ("verified", "minor_differences")) or (m and not good_page):
                wrong.append((kind, v, page, m.evidence.page if m else None, q[:90],
                              [(d.quote, d.source) for d in m.differences[:2]] if m else None))
        dt = (time.perf_counter() - t) * 1000 / max(1, len(its))
        print(f"[{label}] quotes {len(its)}: true accepted {ok_t}/{n_t}, falsified caught {ok_f}/{n_f}, "
              f"evidence.page right {pg_ok}/{pg_n} ({pg_ok / max(1, pg_n):.3f}); {dt:.1f} ms/quote")
        for w in wrong[: args.show]:
            print("   wrong:", w)

    score(SourceIndex.build(r.source), items, "DOJ text pages")

    if args.scan:
        if not ocr.ocr_available():
            print(ocr.unavailable_reason())
            return
        a, b = args.scan_from, args.scan_from + args.scan - 1
        scan = ocr.rasterize_pdf(pdf, dpi=200, pages=list(range(a, b + 1)))
        t = time.perf_counter()
        rs = read_pdf(scan, ocr=ocr.make_ocr())
        print(f"scan of DOJ pages {a}-{b}: OCR {len(rs.ocr_pages)} pages in {time.perf_counter() - t:.1f} s")
        shifted = [(q, k, p - a + 1) for q, k, p in items if a <= p <= b]
        score(SourceIndex.build(rs.source), shifted, f"OCR of DOJ pages {a}-{b} (page numbers of the scan)")


if __name__ == "__main__":
    main()
