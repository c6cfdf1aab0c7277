"""Judging many quotes against a brief's sources: the candidate index against every quote × every source.

    uv run python bench/judge_bench.py [--quotes 5000] [--sources 20] [--reference 300] [--seed 7] [--corpus DIR]

Why: judging used to align every quote against every cited source (500 quotes × 20 sources took
over 150 s). `verifier.core.matching.BriefSources` aligns a quote against its credited sources
and, only where the precedence needs them, the sources the candidate index proposes. This times
that on all quotes, and the old way (every source, then `decide`) on the first --reference
quotes in the same run (the per-quote ratio compares the two on the same machine and load), and
counts verdicts that differ between the two (must be 0).

Sources: --sources pages of the shared dev corpus (../shared/corpus/dev), read by the service's
extractor. Quotes: sentences of those pages — credited to their page (60%), one word changed
(10%), credited to another page (10%), invented from words of the pages (10%), uncredited (10%).
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from verifier.core.align import SourceIndex, align
from verifier.core.judge import decide
from verifier.core.matching import BriefSources
from verifier.core.values import Judgement, SourceText
from verifier.documents.source import extract_with_note

DEV = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "dev"


def sources(dev: Path, n: int, rng: random.Random) -> dict[str, SourceText]:
    gold = json.loads((dev / "gold.json").read_text())
    rng.shuffle(gold)
    out: dict[str, SourceText] = {}
    for g in gold:
        text, _ = extract_with_note((dev / g["file"]).read_bytes(), "text/html", g["url"])
        if len(text.text.split()) >= 300:
            out[str(len(out) + 1)] = text
        if len(out) == n:
            break
    return out


def sentences(text: str) -> list[str]:
    out = []
    for s in re.split(r"(?<=[.!?])\s+", text):
        w = s.split()
        if 8 <= len(w) <= 30 and not re.search(r"[\[\]()“”\"«»„]", s):
            out.append(" ".join(w))
    return out


def quotes(srcs: dict[str, SourceText], n: int, rng: random.Random) -> list[tuple[str, list[str]]]:
    sents = {ref: sentences(s.text) for ref, s in srcs.items()}
    refs = [r for r in srcs if sents[r]]
    vocab = [w for r in refs for s in sents[r] for w in s.split()]
    out: list[tuple[str, list[str]]] = []
    for i in range(n):
        ref = rng.choice(refs)
        text = rng.choice(sents[ref])
        kind = i % 10
        if kind == 6:  # one word changed
            w = text.split()
            w[rng.randrange(len(w))] = rng.choice(vocab)
            text = " ".join(w)
        elif kind == 7:  # credited to another page
            ref = rng.choice([r for r in refs if r != ref])
        elif kind == 8:  # invented
            text = " ".join(rng.choice(vocab) for _ in range(rng.randint(8, 20)))
        out.append((text, [] if kind == 9 else [ref]))
    return out


def every_source(text: str, cites: list[str], idx: dict[str, SourceIndex]) -> Judgement:
    """The old way: align against every source, then the precedence."""
    return decide(cites, {r: align(text, x) for r, x in idx.items()}, dict.fromkeys(idx, True))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quotes", type=int, default=5000)
    ap.add_argument("--sources", type=int, default=20)
    ap.add_argument("--reference", type=int, default=300)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--corpus", type=Path, default=DEV, help="the shared dev corpus (default: beside the checkout)")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    srcs = sources(args.corpus, args.sources, rng)
    qs = quotes(srcs, args.quotes, rng)
    words = sum(len(s.text.split()) for s in srcs.values())
    t0 = time.perf_counter()
    brief = BriefSources.build(srcs)
    t_build = time.perf_counter() - t0
    new = [brief.judge(text, cites) for text, cites in qs]
    t_new = time.perf_counter() - t0
    t0 = time.perf_counter()
    idx = {r: SourceIndex.build(s) for r, s in srcs.items()}
    t_idx = time.perf_counter() - t0
    m = min(args.reference, len(qs))
    t0 = time.perf_counter()
    old = [every_source(text, cites, idx) for text, cites in qs[:m]]
    t_old = time.perf_counter() - t0
    differ = sum(1 for a, b in zip(old, new, strict=False) if (a.verdict, a.source_ref, a.score) != (b.verdict, b.source_ref, b.score))
    counts: dict[str, int] = {}
    for j in new:
        counts[str(j.verdict)] = counts.get(str(j.verdict), 0) + 1
    per_new = (t_new - t_build) / len(qs)
    print(f"{len(qs)} quotes × {len(srcs)} sources ({words} words): candidate index {t_new:.2f} s in all "
          f"(indexing the sources {t_build:.2f} s, then {1000 * per_new:.2f} ms/quote)")
    print(f"reference, every quote × every source, first {m} quotes: {t_old:.2f} s ({1000 * t_old / m:.2f} ms/quote; "
          f"{len(qs)} quotes ≈ {t_idx + t_old / m * len(qs):.0f} s with its indexing {t_idx:.2f} s); "
          f"per-quote ratio {t_old / m / per_new:.1f}×")
    print(f"verdicts differing from the reference on those {m}: {differ}; verdicts: {counts}")


if __name__ == "__main__":
    main()
