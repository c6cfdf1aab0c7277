"""Quotes across a real report's footnote marks: the Mueller report (volume I, the open-source
edition's PDF in ../shared/corpus/large, evaluation only), read as a fetched PDF source is read.

Why: a PDF's text layer gives each superscript footnote number as plain digits glued to the page's
words ("nationals12", "grounds.1276 The", a note's "1276A more detailed"); a reader quotes the
words without them. Passages of about 80 characters around 300 of the report's marks (seeded) are
quoted as a reader writes them (the marks left out) and aligned as the CLI aligns; the share
accepted (verified or minor differences) is printed, with a few of the rest.

    uv run python bench/footnote_marks.py [--pdf FILE] [--quotes 300] [--seed 5]
"""

from __future__ import annotations

import argparse
import random
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from verifier.core.align import SourceIndex, align
from verifier.documents.pdf import extract_pdf

SHARED = next((p / "shared" for p in Path(__file__).resolve().parents if (p / "shared" / "corpus").is_dir()),
              Path("../shared"))
#: the report's marks as its text layer gives them: glued to a word's end, after an end mark, or
#: before a note's first word at a line start
MARK = re.compile(r"(?<=[a-z]{3})\d{1,4}(?=[\s.,;:—])|(?<=[a-z][.,;:”\"])\d{1,4}(?=\s)|(?<=\n)\d{1,4}(?=[A-Z][a-z]* )")


def quotes(text: str, n: int, seed: int) -> list[str]:
    """About 80 characters around n of the marks, as a reader writes them: the marks left out."""
    hits = list(MARK.finditer(text))
    random.Random(seed).shuffle(hits)
    out = []
    for m in hits[:n]:
        a, b = text.rfind(" ", 0, max(0, m.start() - 40)), text.find(" ", m.end() + 40)
        if a >= 0 and b >= 0:
            out.append(" ".join(re.sub(r"\b\d{1,4}(?=[A-Z][a-z])", "", MARK.sub("", text[a:b])).split()))
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pdf", type=Path, default=SHARED / "corpus/large/mueller-report-opensource-edition-vol-1.pdf")
    ap.add_argument("--quotes", type=int, default=300)
    ap.add_argument("--seed", type=int, default=5)
    args = ap.parse_args()
    st, _ = extract_pdf(args.pdf.read_bytes())
    ix = SourceIndex.build(st)
    qs = quotes(st.text, args.quotes, args.seed)
    bad = []
    for q in qs:
        r = align(q, ix)
        if r is None or r.verdict.value not in ("verified", "minor_differences"):
            bad.append((q, r and [(d.kind.value, d.quote, d.source) for d in r.differences]))
    ok = len(qs) - len(bad)
    print(f"quotes across a footnote mark: {len(qs)}, accepted {ok} ({ok / max(len(qs), 1):.3f})")
    for x in bad[:4]:
        print("  ", x)


if __name__ == "__main__":
    main()
