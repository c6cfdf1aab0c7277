"""parse_brief on large briefs of several shapes, at N and 4N: linear code takes about 4× as long.

    uv run python bench/parse_bench.py [--n 10000]

Why: a brief of 10,000 citations or quotes must parse in seconds; a part that compares every
quote, link or reference entry with every other one shows as a ratio near 16 instead of 4.
Shapes: a Markdown reference list; HTML prose whose every sentence links its source; quotes
credited by [n] markers; quotes credited by the outlet named before them (one per paragraph).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

from verifier.core.intake import brief_from_bytes
from verifier.core.parse import parse_brief
from verifier.core.values import BriefText


def ref_list(n: int) -> BriefText:
    refs = "".join(f"[{i + 1}] https://example.org/page/{i}\n" for i in range(n))
    return BriefText(text="“a quoted sentence that stands in its source” [1]\n\n" + refs, fmt="md")


def html_links(n: int) -> BriefText:
    paras = "".join(f"<p>The mayor said “we will rebuild the bridge number {i} by spring” in "
                    f"<a href='https://news{i % 50}.example.org/story/{i}'>an interview</a>.</p>"
                    for i in range(n))
    return brief_from_bytes(f"<html><body>{paras}</body></html>".encode(), name="b.html")


def markers(n: int) -> BriefText:
    body = " ".join(f"She said “the council voted for item {i} on Tuesday” [{i % 500 + 1}]." for i in range(n))
    refs = "".join(f"[{i + 1}] Title {i}. https://example.org/doc/{i}\n" for i in range(500))
    return BriefText(text=body + "\n\nReferences\n\n" + refs, fmt="md")


def outlets(n: int) -> BriefText:
    names = [f"Gazette{i}" for i in range(20)]
    body = "\n\n".join(f"{names[i % 20]} News reported that the minister called it “a plan for year {i} "
                       f"and beyond”." for i in range(n))
    refs = "".join(f"- {names[i]} News: https://{names[i].lower()}.example.com/a\n" for i in range(20))
    return BriefText(text=body + "\n\nSources\n\n" + refs, fmt="md")


SHAPES: dict[str, Callable[[int], BriefText]] = {"reference list": ref_list, "html links": html_links,
                                                 "[n] markers": markers, "outlet names": outlets}


def timed(brief: BriefText) -> tuple[float, int, int]:
    t0 = time.perf_counter()
    p = parse_brief(brief)
    return time.perf_counter() - t0, len(p.quotes), len(p.citations)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=10_000)
    args = ap.parse_args()
    small = max(args.n // 4, 1)
    for name, make in SHAPES.items():
        t_small, _, _ = timed(make(small))
        t_big, quotes, cits = timed(make(args.n))
        print(f"{name:15s} n={args.n}: {t_big:6.2f} s ({quotes} quotes, {cits} citations); "
              f"n={small}: {t_small:5.2f} s; ratio {t_big / max(t_small, 1e-9):4.1f} (linear ≈ 4)")


if __name__ == "__main__":
    main()
