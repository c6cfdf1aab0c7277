"""Extraction figures: gold-sentence recall on the dev corpus, Mueller report PDF timings.

Usage: uv run python bench/extract_bench.py [--corpus DIR] [--large DIR] [--eval DIR] [--show N]
Paths default to the shared corpus; a missing one is skipped with a note.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from verifier.documents.pdf import extract_pdf
from verifier.documents.source import extract

#: the shared evaluation material beside the checkout (../shared)
SHARED = Path(__file__).resolve().parents[2] / "shared"

def dev_recall(corpus: Path, eval_dir: Path, show: int) -> None:
    """Share of harness gold sentences (on the page) found in the main section and in main+fallback."""
    if not (corpus / "gold.json").exists() or not (eval_dir / "harness.py").exists():
        print(f"dev corpus: skipped ({corpus} or {eval_dir}/harness.py absent)")
        return
    sys.path.insert(0, str(eval_dir))
    import harness

    pages = harness.load_corpus(corpus)
    n = in_main = in_all = pages_main_empty = 0
    misses: list[tuple[str, str, str]] = []
    t0 = time.perf_counter()
    slowest = (0.0, "")
    for p in pages:
        t1 = time.perf_counter()
        st = extract(p["html"], "text/html", p["orig_url"] or None)
        dt = time.perf_counter() - t1
        slowest = max(slowest, (dt, p["id"]))
        main = harness.norm(st.text[: st.main_end] if st.main_end is not None else "")
        full = harness.norm(st.text)
        if st.main_end is None:
            pages_main_empty += 1
        for s in p["sents"]:
            n += 1
            a = harness.on_page(s, main)
            b = harness.on_page(s, full)
            in_main += a
            in_all += b
            if not a:
                misses.append(("main" if b else "ALL", p["id"], s))
    secs = time.perf_counter() - t0
    print(f"dev corpus: {len(pages)} pages, {n} gold sentences, {secs:.1f} s "
          f"({1000 * secs / max(1, len(pages)):.0f} ms/page, slowest {slowest[0]:.2f} s {slowest[1]})")
    print(f"  in main section:   {in_main}/{n} = {in_main / max(1, n):.1%}")
    print(f"  in main+fallback:  {in_all}/{n} = {in_all / max(1, n):.1%}")
    print(f"  pages without main text (trafilatura found none): {pages_main_empty}")
    for where, pid, s in sorted(misses, key=lambda m: m[0] != "ALL")[:show]:
        print(f"  miss[{where}] {pid[:16]}: {s[:110]}")


def pdf_timing(large: Path) -> None:
    """Seconds, pages, characters, and whether running headers/footers were removed."""
    found = False
    for name in ("mueller-report-opensource-edition-vol-1.pdf", "mueller-report-opensource-edition-vol-2.pdf",
                 "mueller-report-opensource-edition-appendix.pdf"):
        f = large / name
        if not f.exists():
            continue
        found = True
        body = f.read_bytes()
        t0 = time.perf_counter()
        st, empty = extract_pdf(body, max_pages=2000)
        secs = time.perf_counter() - t0
        # Running lines: what the first/last lines of the pages were before and after removal.
        kept_first = _edge_repeats(st.text, st.pages)
        print(f"{name}: {len(body) / 1e6:.1f} MB, {len(st.pages)} pages, {len(st.text):,} chars, "
              f"{secs:.2f} s, {len(empty)} pages without text")
        print(f"  most repeated first/last line left after removal: {kept_first}")
    if not found:
        print(f"PDFs: skipped ({large} has no Mueller report PDFs)")


def _edge_repeats(text: str, pages: list[tuple[int, int]]) -> str:
    from collections import Counter

    from verifier.core.extract import _edge_key

    c: Counter[str] = Counter()
    bounds = [p[0] for p in pages] + [len(text)]
    for i in range(len(pages)):
        lines = [x for x in text[bounds[i]: bounds[i + 1]].split("\n") if x.strip()]
        if lines:
            c.update({_edge_key(lines[0]), _edge_key(lines[-1])})
    if not c:
        return "-"
    k, v = c.most_common(1)[0]
    return f"{k[:60]!r} on {v}/{len(pages)} pages"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--corpus", type=Path, default=SHARED / "corpus" / "dev")
    ap.add_argument("--large", type=Path, default=SHARED / "corpus" / "large")
    ap.add_argument("--eval", type=Path, default=SHARED / "eval")
    ap.add_argument("--show", type=int, default=10, help="misses to print")
    ap.add_argument("--skip-dev", action="store_true")
    ap.add_argument("--skip-pdf", action="store_true")
    a = ap.parse_args()
    if not a.skip_dev:
        dev_recall(a.corpus, a.eval, a.show)
    if not a.skip_pdf:
        pdf_timing(a.large)


if __name__ == "__main__":
    main()
