"""The self-contained HTML report: the brief with its quotes highlighted, and the evidence beside.

Why server-side Jinja2 with autoescape and no JavaScript: quotes, titles and URLs are untrusted
text, and the report must open from a file, print, and work in any browser. Every value reaches
the page through an autoescaped template; hrefs pass `safe_href` (http(s) only); a CSP meta tag
forbids scripts as a second line of defence.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote as urlquote

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup, escape

from verifier.core.document import Claim, Evidence, Quote, ResultDocument, Source
from verifier.present.report import (
    DIFF_LABEL,
    LINK_STATUSES,
    STATUS_LABEL,
    SUPPORT_HELP,
    SUPPORTS,
    VERDICT_HELP,
    VERDICT_LABEL,
    VERDICT_MARK,
    VERDICTS,
    Seg,
    claim_counts,
    claim_marks,
    flag_text,
    has_changes,
    ordered,
    passage_marks,
    quote_diff,
    quote_origin,
    source_origin,
    status_label,
    status_mark,
    summary_counts,
    support_label,
    support_mark,
    verdict_label,
    verdict_mark,
    web_url,
)

__all__ = ["VERDICT_COLORS", "VERDICT_LABEL", "highlighted_brief", "render_html", "safe_href",
           "templates", "text_fragment_url"]

_env = Environment(loader=PackageLoader("verifier.present", "templates"),
                   autoescape=select_autoescape(["html", "htm", "j2"], default_for_string=True, default=True),
                   trim_blocks=True, lstrip_blocks=True)
templates = _env  # shared with verifier/api/web.py

#: (text colour, background) per verdict; every pair, and body text (#111) on each background,
#: has a contrast ratio of at least 4.5:1 (tested in tests/unit/test_report.py).
VERDICT_COLORS = {
    "verified": ("#0a5a2a", "#e2f3e7"),
    "minor_differences": ("#0b5260", "#dff1f4"),
    "altered": ("#9a1b1b", "#fde6e6"),
    "not_found": ("#7a300c", "#fdeadb"),
    "misattributed": ("#5a2390", "#f0e6fb"),
    "unverifiable": ("#5f4600", "#fff1c2"),
    "pending": ("#444444", "#eeeeee"),
}
STATUS_COLORS = {"ok": ("#0a5a2a", "#e2f3e7"), "pending": ("#444444", "#eeeeee")}
BAD_STATUS_COLORS = ("#9a1b1b", "#fde6e6")


#: a URL fit for an href: the same rule as the Markdown report's links (http(s) with a host only)
safe_href = web_url


def _frag(s: str) -> str:
    """Percent-encode for a text directive: `-`, `,` and `&` are syntax there."""
    return urlquote(s, safe="").replace("-", "%2D")


def text_fragment_url(url: str, passage: str) -> str:
    """A link that opens a web page scrolled to the passage (`#:~:text=start,end`)."""
    words = passage.split()
    if not words:
        return url
    base = url.split("#")[0]
    if len(words) <= 8:
        return f"{base}#:~:text={_frag(' '.join(words))}"
    return f"{base}#:~:text={_frag(' '.join(words[:4]))},{_frag(' '.join(words[-4:]))}"


def passage_link(source: Source | None, evidence: Evidence | None) -> str | None:
    """Where "open the source at this passage" goes: a text fragment for web pages, `#page=N` for
    PDFs (browsers' PDF viewers honour it), else the page itself; None for non-http(s) URLs."""
    if not source:
        return None
    href = safe_href(source.final_url) or safe_href(source.url)
    if href is None:
        return None
    page = evidence.page if evidence else None
    ctype = (source.content_type or "").lower()
    if page or "pdf" in ctype:
        return f"{href.split('#')[0]}#page={int(page or 1)}"
    if evidence and evidence.text and ("html" in ctype or "text/plain" in ctype or not ctype):
        return text_fragment_url(href, evidence.text)
    return href


def highlighted_brief(text: str, quotes: list[Quote]) -> Markup:
    """The brief's text with each checked quote wrapped in a link to its card, carrying its verdict
    as a class (colour), a symbol and a screen-reader label (never colour alone)."""
    out: list[str] = []
    pos = 0
    for q in sorted(quotes, key=lambda q: q.start):
        start, end = q.start, q.end
        if start < pos or end > len(text) or end <= start:
            continue
        v = q.verdict or "pending"
        qid = q.id
        out.append(str(escape(text[pos:start])))
        out.append(f'<a class="q v-{escape(v)}" id="in-brief-{escape(qid)}" href="#quote-{escape(qid)}">'
                   f'<mark>{escape(text[start:end])}</mark>'
                   f'<sup aria-hidden="true">{escape(verdict_mark(v))}{escape(qnum(qid))}</sup>'
                   f'<span class="sr-only"> (quote {escape(qnum(qid))}: {escape(verdict_label(v))})</span></a>')
        pos = end
    out.append(str(escape(text[pos:])))
    return Markup("".join(out))


def evidence_parts(ev: Evidence | None) -> tuple[str, str, str] | None:
    """(before, passage, after) of the evidence within its context, so the passage can be marked."""
    if ev is None or not ev.text:
        return None
    passage, ctx = ev.text, ev.context
    i = ctx.find(passage)
    if i < 0:
        return ("", passage, "")
    before, after = ctx[:i], ctx[i + len(passage):]
    # the context is cut by characters: drop the partial words at its ends
    if before and ev.start > len(before):
        cut = min((k for k in (before.find(" "), before.find("\n")) if k >= 0), default=-1)
        before = before[cut + 1:] if cut >= 0 else before
    if after:
        cut = max(after.rfind(" "), after.rfind("\n"))
        after = after[:cut] if cut > 0 else after
    return (before, passage, after)


def when(iso: str | None) -> str:
    """An ISO 8601 UTC time as people read it: 2026-03-03 14:05 UTC."""
    if not iso:
        return ""
    try:
        dt = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    except ValueError:
        return iso
    if dt.tzinfo is not None:
        dt = dt.astimezone(UTC)
    return dt.strftime("%Y-%m-%d %H:%M UTC")


def qnum(qid: str) -> str:
    """"q7" reads as "7" for people; other ids stay as they are."""
    return qid[1:] if qid[:1] == "q" and qid[1:].isdigit() else qid


def _colors_css() -> Markup:
    rules = []
    for v, (fg, bg) in VERDICT_COLORS.items():
        rules.append(f".v-{v}{{--fg:{fg};--bg:{bg}}}")
    for v, (fg, bg) in SUPPORT_COLORS.items():
        rules.append(f".c-{v}{{--fg:{fg};--bg:{bg}}}")
    for st in (*LINK_STATUSES, "pending"):
        fg, bg = STATUS_COLORS.get(st, BAD_STATUS_COLORS)
        rules.append(f".s-{st}{{--fg:{fg};--bg:{bg}}}")
    return Markup("\n".join(rules))


def _quote_card(q: Quote, src_by_ref: dict[str, Source]) -> dict[str, Any]:
    """What the template needs for one quote's card."""
    s = src_by_ref.get(q.source_ref or "")
    segs: list[Seg] = quote_diff(q)
    return {
        "q": q, "v": q.verdict or "pending", "source": s,
        "link": passage_link(s, q.evidence),
        "evidence": evidence_parts(q.evidence),
        "segs": segs if has_changes(segs) else [],
        "credited": [src_by_ref[c] for c in q.cites if c in src_by_ref],
        "origin": quote_origin(q, s),
    }


#: (text colour, background) per claim support, contrast as for the verdicts
SUPPORT_COLORS = {
    "supported": ("#0a5a2a", "#e2f3e7"),
    "partly_supported": ("#5f4600", "#fff1c2"),
    "unsupported": ("#9a1b1b", "#fde6e6"),
    "unverifiable": ("#444444", "#eeeeee"),
}


def _claim_card(c: Claim, src_by_ref: dict[str, Source]) -> dict[str, Any]:
    """What the template needs for one claim's card: the claim and its passages cut into marked
    pieces (escaped by the template), the flags in words, and a link to the best passage."""
    s = src_by_ref.get(c.source_ref or "")
    best = c.evidence[0] if c.evidence else None
    ev = Evidence(text=best.text, start=best.start, end=best.end, page=best.page) if best else None
    return {
        "c": c, "source": s, "link": passage_link(s, ev),
        "claim": claim_marks(c),
        "passages": [(e, passage_marks(c, e.text)) for e in c.evidence],
        "flags": [flag_text(f.kind, f.claim, f.source) for f in c.flags],
        "credited": [src_by_ref[r] for r in c.cites if r in src_by_ref],
    }


def render_html(doc: ResultDocument) -> str:
    """The whole report as one HTML document (inline CSS, no scripts, no external resources)."""
    verdicts, statuses = summary_counts(doc)
    src_by_ref = {s.ref: s for s in doc.sources}
    quotes = [_quote_card(q, src_by_ref) for q in doc.quotes]
    claims = [_claim_card(c, src_by_ref) for c in doc.claims or []]
    attention_q = sum(n for v, n in verdicts.items() if v not in ("verified", "minor_differences"))
    attention_s = sum(n for st, n in statuses.items() if st != "ok")
    brief_text = doc.brief_text
    return _env.get_template("report.html").render(
        doc=doc, quotes=quotes, claims=claims, sources=doc.sources,
        claim_counts=ordered(claim_counts(doc), SUPPORTS), clabel=support_label, cmark=support_mark,
        chelp=SUPPORT_HELP,
        verdict_counts=ordered(verdicts, VERDICTS), status_counts=ordered(statuses, LINK_STATUSES),
        attention_q=attention_q, attention_s=attention_s,
        brief_html=highlighted_brief(brief_text, doc.quotes) if brief_text else None,
        colors_css=_colors_css(), safe_href=safe_href, vlabel=verdict_label, vmark=verdict_mark,
        slabel=status_label, smark=status_mark, vhelp=VERDICT_HELP, diff_label=DIFF_LABEL,
        status_labels=STATUS_LABEL, verdict_marks=VERDICT_MARK, when=when, qnum=qnum,
        source_origin=source_origin)
