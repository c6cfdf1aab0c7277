"""Reading a PDF brief: what recovering its paragraphs from the line spacing costs.

    uv run python bench/pdf_brief.py [--pages 200] [--pdf FILE]

Why: pdfium's text layer gives every line end alike, so `read_pdf_brief` samples three characters
per line (their font boxes) to find the wider steps that open paragraphs. This prints the time to
read the brief beside a reference measured in the same run, the text layer read without that pass,
so the ratio compares on the same machine and load. Without --pdf the brief is written here: pages
of 11 pt text in paragraphs of five lines, a heading each.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from unittest import mock

from verifier.core import intake
from verifier.core.pdfwrite import text_pdf

LINE = "The council found that household water rates would rise by 12 percent over two years, it said"


def written(pages: int) -> bytes:
    page = ["Water rates, part one", ""] + ([LINE] * 5 + [""]) * 8
    return text_pdf([page] * pages)


def best_of(n: int, data: bytes) -> tuple[float, str]:
    best, text = float("inf"), ""
    for _ in range(n):
        t0 = time.perf_counter()
        text = intake.read_pdf_brief(data).text
        best = min(best, time.perf_counter() - t0)
    return best, text


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pages", type=int, default=200)
    ap.add_argument("--pdf", type=Path, help="a PDF to read instead of the written one")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    data = args.pdf.read_bytes() if args.pdf else written(args.pages)
    with mock.patch.object(intake, "_page_text", lambda tp: tp.get_text_range()):
        ref, ref_text = best_of(args.repeat, data)
    cur, text = best_of(args.repeat, data)
    print(f"PDF brief: {len(data) / 1e6:.1f} MB, {len(text):,} characters")
    print(f"  text layer only (reference): {ref * 1000:8.1f} ms, {ref_text.count(chr(10) * 2):,} paragraph breaks")
    print(f"  with paragraphs:             {cur * 1000:8.1f} ms, {text.count(chr(10) * 2):,} paragraph breaks"
          f"  ({cur / ref:.2f}x the reference)")


if __name__ == "__main__":
    main()
