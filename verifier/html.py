"""The self-contained HTML report: the brief with its quotes highlighted, and the evidence beside."""

from __future__ import annotations

import html as _html
from typing import Any
from urllib.parse import quote as urlquote

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from verifier.report import VERDICT_MARK, summary_counts

_env = Environment(loader=PackageLoader("verifier", "templates"), autoescape=select_autoescape(["html"]),
                   trim_blocks=True, lstrip_blocks=True)

VERDICT_LABEL = {
    "verified": "Verified", "minor_differences": "Minor differences", "altered": "Altered",
    "not_found": "Not found", "misattributed": "Misattributed", "unverifiable": "Unverifiable",
}


def text_fragment_url(url: str, passage: str) -> str:
    """A link that opens the source scrolled to the passage (the `#:~:text=start,end` form)."""
    words = passage.split()
    if not words:
        return url
    enc = lambda s: urlquote(s, safe="")  # noqa: E731
    frag = enc(" ".join(words)) if len(words) <= 8 else f"{enc(' '.join(words[:4]))},{enc(' '.join(words[-4:]))}"
    return f"{url.split('#')[0]}#:~:text={frag}"


def highlighted_brief(text: str, quotes: list[dict[str, Any]]) -> Markup:
    """The brief's text with each checked quote wrapped in a mark carrying its verdict."""
    out: list[str] = []
    pos = 0
    for q in sorted(quotes, key=lambda q: q["start"]):
        if q["start"] < pos:
            continue
        v = q.get("verdict") or "pending"
        out.append(_html.escape(text[pos:q["start"]]))
        out.append(f'<a class="q v-{v}" href="#{q["id"]}" title="{VERDICT_LABEL.get(v, v)}">'
                   f'{_html.escape(text[q["start"]:q["end"]])}<sup>{VERDICT_MARK.get(v, "")}'
                   f'{q["id"]}</sup></a>')
        pos = q["end"]
    out.append(_html.escape(text[pos:]))
    return Markup("".join(out))


def word_diff(q: dict[str, Any]) -> list[tuple[str, str]]:
    """(kind, words) pieces for showing a quote against its source."""
    return [(d["kind"], d.get("quote") or "", ) if d["kind"] != "dropped" else (d["kind"], d.get("source") or "")
            for d in q.get("differences") or []]


def render_html(doc: dict[str, Any]) -> str:
    brief_text = doc.get("brief_text")
    verdicts, statuses = summary_counts(doc)
    src_by_ref = {s["ref"]: s for s in doc["sources"]}
    for q in doc["quotes"]:
        s = src_by_ref.get(q.get("source_ref") or "")
        ev = q.get("evidence") or {}
        q["_link"] = (text_fragment_url(s.get("final_url") or s["url"], ev.get("text", ""))
                      if s and ev and (s.get("content_type") or "").startswith("text/html") else
                      (s.get("final_url") or s["url"]) if s else None)
    return _env.get_template("report.html").render(
        doc=doc, verdicts=verdicts, statuses=statuses, labels=VERDICT_LABEL, marks=VERDICT_MARK,
        brief_html=highlighted_brief(brief_text, doc["quotes"]) if brief_text else None)
