"""Ordinary pages read as ordinary: every page of the dev corpus (real news and reference pages,
../shared/corpus/dev, evaluation only) classified as a plain 200 answer and extracted.

    uv run python bench/page_false_alarms.py [--corpus DIR]

Why: each rule that turns a page into `soft_404`, `blocked` or `paywalled` (a parked domain, a
sign-in page, a metered wall's notice…) is one an article might trip by mentioning the words;
every page here is an article, so any status but `ok` and any `partial` text is a false alarm.
Prints the counts and the pages that raised one.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from verifier.core.classify import classify_response, read_page
from verifier.documents.source import extract_with_note

SHARED = Path(__file__).resolve().parents[2] / "shared"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpus", type=Path, default=SHARED / "corpus" / "dev")
    args = ap.parse_args()
    pages = sorted((args.corpus / "html").glob("*")) if (args.corpus / "html").is_dir() else []
    if not pages:
        raise SystemExit(f"no pages under {args.corpus}/html")
    statuses: Counter[str] = Counter()
    alarms: list[str] = []
    for p in pages:
        body = p.read_bytes()
        status = classify_response(200, {"content-type": "text/html"}, "https://news.example/2024/05/story",
                                   page=read_page(body, "text/html"), content_type="text/html")
        statuses[status.value] += 1
        text, _ = extract_with_note(body, "text/html", "https://news.example/2024/05/story")
        if status.value != "ok" or text.partial:
            alarms.append(f"  {p.name}: {status.value}{' · ' + text.partial if text.partial else ''}")
    print(f"{len(pages)} pages: {dict(statuses)}; false alarms {len(alarms)}")
    print("\n".join(alarms))


if __name__ == "__main__":
    main()
