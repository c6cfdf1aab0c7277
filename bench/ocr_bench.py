"""OCR speed and end-to-end accuracy on a scanned PDF built from the clean Mueller report edition.

Why: the DOJ's 448-page release is a scan; nothing here has it, so this rasterises N pages of the
open-source edition's text PDF (vol. 1) into an image-only PDF (what a scanner makes), then times
  1. OCR alone (seconds per page, at each resolution asked for, cache off), and
  2. the whole path: extract (layer check + OCR of every page) -> SourceIndex -> align() of quotes
     drawn from the text layer of known pages, true and falsified -> verdicts and evidence pages.

    uv run python bench/ocr_bench.py [--pages 50] [--first 20] [--workers 2] [--dpi 300] [--speed-dpi 200 300]
"""

from __future__ import annotations

import argparse
import os
import random
import re
import sys
import tempfile
import time
from pathlib import Path

#: the shared evaluation material beside the checkout (../shared)
SHARED = Path(__file__).resolve().parents[2] / "shared"

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from verifier.core.align import SourceIndex, align
from verifier.documents import ocr
from verifier.documents.pdf import read_pdf

VOL1 = SHARED / "corpus" / "large" / "mueller-report-opensource-edition-vol-1.pdf"


def layer_pages(pdf: Path, pages: list[int]) -> dict[int, str]:
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(str(pdf))
    out = {}
    for p in pages:
        tp = doc[p - 1].get_textpage()
        out[p] = tp.get_text_range()
        tp.close()
    doc.close()
    return out


def sentences(text: str) -> list[str]:
    text = re.sub(r"-\s*\n\s*", "", text.replace("\r", ""))
    text = re.sub(r"\s+", " ", text)
    out = []
    for s in re.split(r"(?<=[.!?])\s+(?=[A-Z])", text):
        w = s.split()
        if 10 <= len(w) <= 40 and not re.search(r"\d{2,}|[\[\]()§\"“”]", s) and re.match(r"[A-Z][a-z]", s):
            out.append(" ".join(w[: random.randint(10, min(25, len(w)))]))
    return out


def falsify(q: str, rng: random.Random) -> str | None:
    """A negation put in after an auxiliary, else a content word silently cut."""
    w = q.split()
    for k in rng.sample(range(2, len(w) - 1), len(w) - 3):
        if w[k] in ("was", "is", "did", "had", "would", "could", "has", "were"):
            return " ".join([*w[:k + 1], "not", *w[k + 1:]])
    for k in rng.sample(range(2, len(w) - 1), len(w) - 3):
        if w[k].isalpha() and w[k].islower() and len(w[k]) >= 5:
            return " ".join(w[:k] + w[k + 1:])
    return None


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pdf", default=str(VOL1))
    ap.add_argument("--first", type=int, default=20, help="first page of the source PDF to take")
    ap.add_argument("--pages", type=int, default=50)
    ap.add_argument("--scan-dpi", type=int, default=200, help="resolution of the simulated scan")
    ap.add_argument("--dpi", type=int, default=ocr.DEFAULT_DPI, help="OCR rendering resolution (end to end)")
    ap.add_argument("--speed-dpi", type=int, nargs="*", default=[200, 300])
    ap.add_argument("--speed-pages", type=int, default=6)
    ap.add_argument("--workers", type=int, default=ocr.default_workers())
    ap.add_argument("--quotes", type=int, default=80)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    if not ocr.ocr_available():
        print(ocr.unavailable_reason())
        return
    src = Path(args.pdf)
    pages = list(range(args.first, args.first + args.pages))
    t0 = time.perf_counter()
    scan = ocr.rasterize_pdf(src, dpi=args.scan_dpi, pages=pages)
    work = Path(tempfile.mkdtemp(prefix="ocr-bench-"))
    path = work / "scan.pdf"
    path.write_bytes(scan)
    print(f"scanned PDF: {args.pages} pages from {src.name} p.{pages[0]}-{pages[-1]}, {args.scan_dpi} dpi, "
          f"{len(scan) / 1e6:.1f} MB, built in {time.perf_counter() - t0:.1f} s; workers={args.workers}, "
          f"{os.cpu_count()} CPUs")

    for dpi in args.speed_dpi:  # OCR alone, one worker and the pool
        sub = list(range(1, min(args.speed_pages, args.pages) + 1))
        for w in sorted({1, args.workers}):
            t = time.perf_counter()
            got = ocr.ocr_pdf(path, sub, workers=w, dpi=dpi, use_cache=False)
            dt = time.perf_counter() - t
            print(f"OCR {dpi} dpi, workers={w}: {dt / len(sub):.2f} s/page wall "
                  f"({len(sub)} pages, {sum(len(x) for x in got.values()):,} chars)")

    t = time.perf_counter()
    ticks: list[tuple[int, int]] = []
    fn = ocr.make_ocr(workers=args.workers, dpi=args.dpi, cache_dir=work / "cache",
                      progress=lambda d, n: ticks.append((d, n)))
    r = read_pdf(path, ocr=fn)
    t_ext = time.perf_counter() - t
    t = time.perf_counter()
    index = SourceIndex.build(r.source)
    t_idx = time.perf_counter() - t
    print(f"extract with OCR: {t_ext:.1f} s ({t_ext / args.pages:.2f} s/page), {len(r.ocr_pages)} OCR pages, "
          f"{len(r.scanned)} scanned, progress ticks {len(ticks)}; index {t_idx * 1000:.0f} ms")
    t = time.perf_counter()
    read_pdf(path, ocr=fn)
    print(f"again from the OCR cache: {time.perf_counter() - t:.2f} s")

    rng = random.Random(args.seed)
    random.seed(args.seed)
    layer = layer_pages(src, pages)
    items: list[tuple[str, str, int]] = []
    for k, p in enumerate(pages, 1):
        for s in sentences(layer[p]):
            items.append((s, "true", k))
    rng.shuffle(items)
    items = items[: args.quotes]
    falsified = []
    for q, _, k in items[: len(items) // 3]:
        f = falsify(q, rng)
        if f:
            falsified.append((f, "false", k))
    items += falsified
    t = time.perf_counter()
    ok_true = n_true = ok_false = n_false = page_ok = page_n = 0
    wrong = []
    for q, label, k in items:
        m = align(q, index)
        v = m.verdict.value if m else "not_found"
        if label == "true":
            n_true += 1
            good = v in ("verified", "minor_differences")
            ok_true += good
            if m:
                page_n += 1
                page_ok += m.evidence.page == k
        else:
            n_false += 1
            good = v not in ("verified", "minor_differences")
            ok_false += good
        if not good:
            wrong.append((label, v, q[:100], m.differences[:2] if m else None))
    t_al = time.perf_counter() - t
    print(f"quotes: true accepted {ok_true}/{n_true}, falsified caught {ok_false}/{n_false}, "
          f"evidence page right {page_ok}/{page_n}; align {t_al * 1000 / max(1, len(items)):.1f} ms/quote")
    print(f"END TO END {args.pages} scanned pages: {t_ext + t_idx + t_al:.1f} s")
    for w in wrong[:8]:
        print("  wrong:", w)


if __name__ == "__main__":
    main()
