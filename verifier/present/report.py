"""Render a result document for people: a terminal table, Markdown, CSV and the contract's JSON.

Why one module: the words, symbols and order used for verdicts and link statuses must read the same
in every format (and never by colour alone), so they are defined once here and the HTML report
(verifier/present/html.py) imports them. So is the rule for what may become a link (`web_url`).

Every title, URL, quote and passage comes from a brief or a web page, so none may turn into markup
or terminal control: Markdown gets each value escaped for where it stands (text, code span, link),
only http(s) URLs become links, and the terminal table is fed text with the C0/C1 controls (ESC
among them) and the bidi overrides taken out.
"""

from __future__ import annotations

import csv
import difflib
import io
import json
import re
from collections import Counter
from collections.abc import Sequence
from typing import Any, NamedTuple
from urllib.parse import urlsplit

from rich import box
from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from verifier.core.claims import is_content
from verifier.core.document import Claim, Difference, Quote, ResultDocument, Source
from verifier.core.evidence import word_key
from verifier.core.normalize import CORE, EDITORIAL, PAREN, parse_quote, tokenize

VERDICTS = ("verified", "minor_differences", "altered", "not_found", "misattributed", "unverifiable")
LINK_STATUSES = ("ok", "not_found", "soft_404", "blocked", "server_error", "timeout", "unreachable",
                 "too_large", "no_text", "refused")

VERDICT_LABEL = {
    "verified": "Verified", "minor_differences": "Minor differences", "altered": "Altered",
    "not_found": "Not found", "misattributed": "Misattributed", "unverifiable": "Unverifiable",
    "pending": "Pending",
}
VERDICT_MARK = {
    "verified": "✓", "minor_differences": "≈", "altered": "✗", "not_found": "?",
    "misattributed": "⇄", "unverifiable": "…", "pending": "·",
}
VERDICT_HELP = {
    "verified": "the cited source has these words",
    "minor_differences": "small slips that keep the words and meaning",
    "altered": "words changed, added or cut without marks",
    "not_found": "no readable cited source has the passage",
    "misattributed": "found in another cited source, not the one credited",
    "unverifiable": "the credited source could not be read",
    "pending": "not judged yet",
}
VERDICT_STYLE = {
    "verified": "bold green", "minor_differences": "green", "altered": "bold red",
    "not_found": "red", "misattributed": "bold magenta", "unverifiable": "yellow", "pending": "dim",
}
SUPPORTS = ("supported", "partly_supported", "unsupported", "unverifiable")
SUPPORT_LABEL = {"supported": "Supported", "partly_supported": "Partly supported", "unsupported": "Unsupported",
                 "unverifiable": "Unverifiable"}
SUPPORT_MARK = {"supported": "✓", "partly_supported": "≈", "unsupported": "✗", "unverifiable": "…"}
SUPPORT_HELP = {
    "supported": "the passages have the claim's words, and no figure, date, name or “not” disagrees",
    "partly_supported": "the passages have part of the claim's words, or a token of the claim is flagged",
    "unsupported": "the credited source has no passage with enough of the claim's words",
    "unverifiable": "the credited source could not be read",
}
SUPPORT_STYLE = {"supported": "green", "partly_supported": "yellow", "unsupported": "red",
                 "unverifiable": "yellow"}
STATUS_LABEL = {
    "ok": "OK", "not_found": "Not found", "soft_404": "Error page (soft 404)", "blocked": "Blocked",
    "server_error": "Server error", "timeout": "Timed out", "unreachable": "Unreachable",
    "too_large": "Too large", "no_text": "No readable text", "refused": "Refused by policy",
    "pending": "Pending",
}
STATUS_MARK = {"ok": "✓", "pending": "·"}  # every other status is a failure: ✗
STATUS_STYLE = {"ok": "green", "refused": "dim", "blocked": "yellow", "timeout": "yellow",
                "pending": "dim"}
DIFF_LABEL = {"replaced": "replaced", "added": "added", "dropped": "dropped",
              "inserted_note": "inserted note", "spelling": "spelling"}


def verdict_label(v: str | None) -> str:
    return VERDICT_LABEL.get(v or "pending", v or "pending")


def verdict_mark(v: str | None) -> str:
    return VERDICT_MARK.get(v or "pending", "·")


def status_label(s: str | None) -> str:
    return STATUS_LABEL.get(s or "pending", s or "pending")


def status_mark(s: str | None) -> str:
    return STATUS_MARK.get(s or "pending", "✗")


def _one_line(s: str | None) -> str:
    return " ".join((s or "").split())


def _short(s: str | None, n: int) -> str:
    s = _one_line(s)
    return s if len(s) <= n else s[: n - 1] + "…"


def support_label(v: str | None) -> str:
    return SUPPORT_LABEL.get(v or "", v or "Pending")


def support_mark(v: str | None) -> str:
    return SUPPORT_MARK.get(v or "", "·")


def flag_text(kind: str, claim: str | None, source: str | None) -> str:
    """One flag in words: "number 4% (source: 3.5%)", "name Smith (not in the passages)"."""
    if claim is None:
        return f"{kind}: the passage says “{source}”, the claim does not"
    return f"{kind} {claim}" + (f" (source: {source})" if source is not None else " (not in the passages)")


class Mark(NamedTuple):
    """A piece of a claim or of its passage: `kind` is plain, shared (a claim word the passage
    has too) or flagged (a token a flag names)."""

    kind: str
    text: str


_TOKEN = re.compile(r"[^\W_]+(?:[’'.,][^\W_]+)*%?")


def _spans_of(text: str, tokens: Sequence[str]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for t in tokens:
        if not t:
            continue
        for m in re.finditer(rf"(?<!\w){re.escape(t)}(?!\w)", text):
            out.append(m.span())
    return sorted(out)


def marked(text: str, flagged: Sequence[str], shared: set[str] | None = None) -> list[Mark]:
    """`text` cut into plain, shared and flagged pieces (flagged tokens win over shared words)."""
    flags = _spans_of(text, flagged)
    out: list[Mark] = []
    pos = 0

    def add(kind: str, a: int, b: int) -> None:
        if b <= a:
            return
        if out and out[-1].kind == kind:
            out[-1] = Mark(kind, out[-1].text + text[a:b])
        else:
            out.append(Mark(kind, text[a:b]))

    for m in _TOKEN.finditer(text):
        if m.start() < pos:
            continue
        fl = next((f for f in flags if f[0] <= m.start() < f[1]), None)
        if fl is not None:
            add("plain", pos, fl[0])
            add("flagged", fl[0], fl[1])
            pos = fl[1]
            continue
        add("plain", pos, m.start())
        hit = shared is not None and is_content(m.group()) and word_key(m.group()) in shared
        add("shared" if hit else "plain", m.start(), m.end())
        pos = m.end()
    add("plain", pos, len(text))
    return out


def claim_marks(c: Claim) -> list[Mark]:
    """The claim with the tokens its flags name marked."""
    return marked(c.text, [f.claim for f in c.flags if f.claim])


def passage_marks(c: Claim, passage: str) -> list[Mark]:
    """A passage with the claim's words it shares marked, and the values flags quote from it."""
    shared = {word_key(m.group()) for m in _TOKEN.finditer(c.text) if is_content(m.group())}
    return marked(passage, [f.source for f in c.flags if f.source], shared)


def summary_counts(doc: ResultDocument) -> tuple[Counter[str], Counter[str]]:
    """Quotes per verdict and sources per link status ("pending" while not judged)."""
    return (Counter(str(q.verdict or "pending") for q in doc.quotes),
            Counter(str(s.status or "pending") for s in doc.sources))


# ---------------------------------------------------------------- untrusted text

#: C0 and C1 controls (ESC, CR, BEL…) and the bidi embeddings, overrides and isolates
_CONTROLS = [*range(0x00, 0x20), *range(0x7F, 0xA0), 0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F),
             *range(0x2066, 0x206A)]
_NO_CONTROLS = dict.fromkeys(c for c in _CONTROLS if chr(c) not in "\n\t")


def printable(s: str | None) -> str:
    """Text that cannot move a terminal's cursor, set its colours or reorder a line: every control
    character is taken out but the line break and the tab."""
    return (s or "").translate(_NO_CONTROLS)


def terminal_safe(doc: ResultDocument) -> ResultDocument:
    """The document with `printable` applied to every string in it (titles, URLs, quotes, passages)."""
    return ResultDocument.model_validate(_printable_tree(doc.model_dump(mode="json")))


def _printable_tree(value: Any) -> Any:
    if isinstance(value, str):
        return printable(value)
    if isinstance(value, dict):
        return {k: _printable_tree(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_printable_tree(v) for v in value]
    return value


def web_url(url: str | None) -> str | None:
    """A URL fit to become a link: http(s) with a host, no space or control character (so no
    javascript:, data: or file:, and nothing that can end a Markdown autolink or break a line)."""
    if not url:
        return None
    url = url.strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    if any(c.isspace() or c in "<>" for c in url) or printable(url) != url:
        return None
    return url


def ordered(counts: Counter[str], order: tuple[str, ...]) -> list[tuple[str, int]]:
    """Counts in the contract's order (not by frequency), so reports compare at a glance."""
    known = [(k, counts[k]) for k in order if counts.get(k)]
    return known + sorted((k, n) for k, n in counts.items() if k not in order)


def _day(iso: str | None) -> str | None:
    return iso[:10] if iso and len(iso) >= 10 else None


def source_origin(s: Source | None) -> str | None:
    """Where a source's evidence came from when not from the page as fetched, in words for every
    report: "supplied copy saved-page.html", "archived copy of 2024-07-05", "rendered by headless
    Chromium"; None for a plain fetch."""
    if s is None:
        return None
    if s.provenance == "supplied" and s.supplied is not None:
        return f"supplied copy {s.supplied.file_name}"
    if s.provenance == "archived" and s.archive is not None:
        day = _day(s.archive.captured_at)
        return f"archived copy of {day}" if day else "archived copy"
    if s.provenance == "rendered":
        return "rendered by headless Chromium"
    return None


def quote_origin(q: Quote, s: Source | None) -> str | None:
    """How a quote's evidence was obtained, plainly: "judged on the supplied copy saved-page.html",
    "verified in the archived copy of 2024-07-05" (the quote's own verdict stays the live page's)."""
    if s is None or q.source_ref != s.ref:
        return None
    if s.provenance == "archived":
        origin = source_origin(s)
        shown = str(q.archive_verdict or "").replace("_", " ")
        return f"{shown} in the {origin}" if shown and origin else None
    return _judged_on(s)


def _judged_on(s: Source) -> str | None:
    """"judged on the supplied copy X" / "judged on the page as rendered…"; None for a fetched page."""
    origin = source_origin(s)
    if origin is None:
        return None
    return f"judged on the {origin}" if s.provenance == "supplied" else f"judged on the page as {origin}"


# ---------------------------------------------------------------- word diff of quote vs source

class Seg(NamedTuple):
    """A piece of the word diff: `kind` is same, replaced, spelling, added, dropped, elided,
    note or editorial; `quote` is the quote's words, `source` the source's."""

    kind: str
    quote: str
    source: str


def diff_segments(quote: str, source: str, differences: Sequence[Difference] = ()) -> list[Seg]:
    """The quote as a word-level diff against the evidence passage.

    Why recompute: `differences` says what changed but not where. A difflib pass over the same
    folded tokens the aligner uses places each change in the quote's own words; changes inside a
    word ("£3.4" vs "£2.4") widen to the whole word so they read naturally. Typography-only runs
    (glued or split words) count as the same; words left out at an ellipsis are `elided`;
    [bracketed] and (parenthetical) insertions are `editorial` / `note`, never `added`.
    """
    pq = parse_quote(quote)
    qt = pq.toks
    st = tokenize(source)
    spelled = {d.quote.casefold() for d in differences if d.kind == "spelling"}
    ops = difflib.SequenceMatcher(None, [t.norm for t in qt], [t.norm for t in st], autojunk=False).get_opcodes()
    segs: list[Seg] = []
    qpos = 0
    spos = st[0].start if st else 0

    def same_to(end: int) -> None:
        nonlocal qpos
        if end > qpos:
            segs.append(Seg("same", quote[qpos:end], ""))
            qpos = end

    for n, (tag, i1, i2, j1, j2) in enumerate(ops):
        nxt = next((o for o in ops[n + 1:] if o[0] != "equal"), None)
        q_limit = min(qt[nxt[1]].start if nxt and nxt[1] < len(qt) and nxt[2] > nxt[1] else len(quote), len(quote))
        s_limit = st[nxt[3]].start if nxt and nxt[3] < len(st) and nxt[4] > nxt[3] else len(source)
        if tag == "equal":
            same_to(qt[i2 - 1].end)
            spos = max(spos, st[j2 - 1].end)
            continue
        if i2 > i1:
            qa, qb = qt[i1].start, qt[i2 - 1].end
            groups = {qt[i].group for i in range(i1, i2) if qt[i].group >= 0}
            for g in groups:
                qa, qb = min(qa, pq.spans[g][0]), max(qb, pq.spans[g][1])
        else:
            qa = qb = qpos
        sa, sb = (st[j1].start, st[j2 - 1].end) if j2 > j1 else (spos, spos)
        if tag == "insert":  # source words the quote lacks
            kind = "elided" if i1 in pq.boundaries or (i1 == len(qt) and len(qt) in pq.boundaries) else "dropped"
            if kind == "elided" and i1 < len(qt):
                same_to(qt[i1].start)
            text = source[sa:sb]
            text = f" {text}" if qpos and kind == "dropped" else f"{text} " if kind == "elided" else text + " "
            segs.append(Seg(kind, "", text))
            spos = max(spos, sb)
            continue
        kinds = {qt[i].kind for i in range(i1, i2)}
        if tag == "delete":  # quote words the source lacks
            same_to(qa)
            kind = "editorial" if kinds == {EDITORIAL} else "note" if PAREN in kinds and CORE not in kinds else "added"
            segs.append(Seg(kind, quote[qa:qb], ""))
            qpos = qb
            continue
        # replace
        q_norm = "".join(qt[i].norm for i in range(i1, i2))
        s_norm = "".join(t.norm for t in st[j1:j2])
        if q_norm == s_norm:  # glued or split words: typography
            same_to(qb)
            spos = max(spos, sb)
            continue
        if kinds == {EDITORIAL}:
            same_to(qa)
            segs.append(Seg("editorial", quote[qa:qb], source[sa:sb]))
            qpos, spos = qb, max(spos, sb)
            continue
        while qa > qpos and not quote[qa - 1].isspace():
            qa -= 1
        while qb < q_limit and (quote[qb] in _WORDISH or quote[qb].isalnum()):
            qb += 1
        while sa > spos and not source[sa - 1].isspace():
            sa -= 1
        while sb < s_limit and (source[sb] in _WORDISH or source[sb].isalnum()):
            sb += 1
        qb, sb = _trim_punct(quote, qa, qb), _trim_punct(source, sa, sb)
        same_to(qa)
        said = quote[qt[i1].start:qt[i2 - 1].end].casefold() if i2 > i1 else ""
        kind = "spelling" if said in spelled else "replaced"  # a slip, a figure, a contraction
        segs.append(Seg(kind, quote[qa:qb], source[sa:sb]))
        qpos, spos = max(qpos, qb), max(spos, sb)
    same_to(len(quote))
    merged: list[Seg] = []
    for s in segs:
        if merged and s.kind == "same" and merged[-1].kind == "same":
            merged[-1] = Seg("same", merged[-1].quote + s.quote, "")
        else:
            merged.append(s)
    return merged


_WORDISH = frozenset(".,£$€%-/:'’")


def _trim_punct(text: str, a: int, b: int) -> int:
    """Keep a trailing comma or full stop out of a changed word."""
    while b > a + 1 and text[b - 1] in ".,:;":
        b -= 1
    return b


def quote_diff(q: Quote) -> list[Seg]:
    """The word diff of a quote against its evidence, or [] when there is nothing to compare."""
    if q.evidence is None or not q.evidence.text or not q.text:
        return []
    return diff_segments(q.text, q.evidence.text, q.differences)


def has_changes(segs: list[Seg]) -> bool:
    return any(s.kind not in ("same", "elided") for s in segs)


# ---------------------------------------------------------------- terminal

def _diff_rich(segs: list[Seg], color: bool) -> Text:
    """wdiff-style marks that read without colour: [-source-]{+quote+}; colour only adds emphasis."""
    out = Text()
    for s in segs:
        if s.kind == "same":
            out.append(s.quote)
        elif s.kind in ("replaced", "spelling"):
            out.append(f"[-{s.source}-]", style="red strike" if color else "")
            out.append(f"{{+{s.quote}+}}", style=("bold yellow" if s.kind == "spelling" else "bold red")
                       if color else "")
        elif s.kind == "added":
            out.append(f"{{+{s.quote}+}}", style="bold red" if color else "")
        elif s.kind == "dropped":
            out.append(f"[-{s.source.strip()}-]", style="red strike" if color else "")
            out.append(" " if s.source.endswith(" ") else "")
        elif s.kind == "elided":
            out.append(f"(…{_short(s.source, 30)}…) ", style="dim")
        else:  # note, editorial
            out.append(s.quote, style="italic cyan" if color else "")
    return out


def _diff_list(differences: list[Difference], color: bool) -> Text:
    out = Text()
    for d in differences:
        if out:
            out.append("; ")
        out.append(f"{DIFF_LABEL.get(d.kind, d.kind)}: ", style="dim")
        if d.source:
            out.append(f"[-{d.source}-]", style="red strike" if color else "")
        if d.quote:
            out.append(f"{{+{d.quote}+}}", style="bold red" if color else "")
    return out


def render_table(doc: ResultDocument, console: Console) -> None:
    """The terminal view: one compact row per quote (verdict in words and a symbol, the quote with
    its changes marked inline), then the sources, then a one-line summary.

    Why two shapes: at 80 columns a fifth column squeezes every cell to a few words, so narrow
    terminals get the evidence under the quote instead of beside it.
    """
    doc = terminal_safe(doc)
    width = console.width or 100
    color = console.is_terminal and not console.no_color
    narrow = width < 110
    parts: list[Any] = [_quotes_table(doc, color, narrow)] if doc.quotes else [
        Text("No quoted passages found in the brief.")]
    if doc.claims:
        parts.append(_claims_table(doc, color, narrow))
    parts += [_sources_table(doc, color, narrow)] if doc.sources else [Text("The brief cites no sources.")]
    parts.append(_summary_line(doc))
    console.print(Group(*parts))


def _quotes_table(doc: ResultDocument, color: bool, narrow: bool) -> Table:
    quotes = Table(title=Text(f"Quotes in brief {doc.brief_id}", style="bold"), expand=True,
                   show_lines=True, pad_edge=False, box=box.HORIZONTALS if narrow else box.ROUNDED,
                   title_justify="left")
    quotes.add_column("#", no_wrap=True, style="dim")
    quotes.add_column("Verdict", no_wrap=True)
    quotes.add_column("Src", no_wrap=True, justify="right")
    quotes.add_column("Quote (changes: [-source-]{+quote+})", ratio=3)
    if not narrow:
        quotes.add_column("Source says / note", ratio=2)
    src_by_ref = {s.ref: s for s in doc.sources}
    for q in doc.quotes:
        v = str(q.verdict or "pending")
        segs = quote_diff(q)
        qcell = _diff_rich(segs, color) if has_changes(segs) else Text(_short(q.text, 400))
        if q.differences and not has_changes(segs):
            qcell.append("\n")
            qcell.append_text(_diff_list(q.differences, color))
        info = _quote_info(q, segs, color, narrow)
        origin = quote_origin(q, src_by_ref.get(q.source_ref or ""))
        if origin and origin not in (q.note or ""):
            info.append(("\n" if info else "") + origin, style="cyan" if color else "")
        label = Text(f"{verdict_mark(v)} {verdict_label(v) if not narrow else _short_verdict(v)}",
                     style=VERDICT_STYLE.get(v, "") if color else "")
        _add_row(quotes, narrow, q.id, label, q.source_ref or ("/".join(q.cites) or "–"), qcell, info)
    return quotes


def _add_row(table: Table, narrow: bool, rid: str, label: Text, src: str, cell: Text, info: Text) -> None:
    """A quote's or claim's row: on a narrow terminal the notes go under the text, else in their column."""
    if not narrow:
        table.add_row(rid, label, src, cell, info)
        return
    if info:
        cell.append("\n")
        cell.append_text(info)
    table.add_row(rid, label, src, cell)


def _quote_info(q: Quote, segs: list[Seg], color: bool, narrow: bool) -> Text:
    """The passage (when the quote differs from it), its page, the note and any drift."""
    ev = q.evidence
    info = Text()
    if ev is not None and ev.text and not narrow and has_changes(segs):
        info.append(_short(ev.text, 160 if narrow else 240), style="dim")
    if ev is not None and ev.page:
        info.append(f"{' ' if info else ''}(p. {ev.page})", style="dim")
    if q.note:
        info.append(("\n" if info else "") + q.note, style="italic")
    if q.drift and q.drift != "unchanged":
        info.append(("\n" if info else "") + f"source now: {q.drift}", style="yellow" if color else "")
    return info


def _marks_rich(marks: list[Mark], color: bool) -> Text:
    out = Text()
    for m in marks:
        if m.kind == "flagged":
            out.append(f"{{!{m.text}!}}" if not color else m.text, style="bold red reverse" if color else "")
        elif m.kind == "shared":
            out.append(m.text, style="underline" if color else "")
        else:
            out.append(m.text)
    return out


def _claims_table(doc: ResultDocument, color: bool, narrow: bool) -> Table:
    """One row per claim: support, the claim with flagged tokens marked ({!token!}), the best passage
    and the flags."""
    t = Table(title=Text("Claims (cited sentences without quotation marks)", style="bold"), expand=True,
              show_lines=True, pad_edge=False, box=box.HORIZONTALS if narrow else box.ROUNDED, title_justify="left")
    t.add_column("#", no_wrap=True, style="dim")
    t.add_column("Support", no_wrap=True)
    t.add_column("Src", no_wrap=True, justify="right")
    t.add_column("Claim (flagged: {!token!})", ratio=3)
    if not narrow:
        t.add_column("Best passage / flags", ratio=2)
    for c in doc.claims or []:
        label = Text(f"{support_mark(c.support)} {support_label(c.support)}",
                     style=SUPPORT_STYLE.get(c.support, "") if color else "")
        cell = _marks_rich(claim_marks(c), color)
        info = Text()
        if c.evidence:
            ev = c.evidence[0]
            info.append_text(_marks_rich(passage_marks(c, _short(ev.text, 240)), color))
            if ev.page:
                info.append(f" (p. {ev.page})", style="dim")
        if c.coverage is not None:
            info.append(("\n" if info else "") + f"coverage {c.coverage:.0%}", style="dim")
        for f in c.flags:
            info.append("\n" + flag_text(f.kind, f.claim, f.source), style="red" if color else "")
        _add_row(t, narrow, c.id, label, c.source_ref or "/".join(c.cites), cell, info)
    return t


def _sources_table(doc: ResultDocument, color: bool, narrow: bool) -> Table:
    sources = Table(title=Text("Sources", style="bold"), expand=True, pad_edge=False, title_justify="left",
                    box=box.HORIZONTALS if narrow else box.ROUNDED)
    sources.add_column("Ref", no_wrap=True, justify="right")
    sources.add_column("Status", no_wrap=True)
    sources.add_column("URL / note", ratio=3, overflow="fold")
    for s in doc.sources:
        st = str(s.status or "pending")
        cell = Text(_one_line(s.url))  # a line break in a URL could fake a row
        if s.final_url and s.final_url != s.url:
            cell.append(f"\n→ {_one_line(s.final_url)}", style="dim")
        note = s.error or (s.title if st == "ok" else "")
        if note:
            cell.append(f"\n{_short(note, 120)}", style="dim")
        if source_origin(s):
            cell.append(f"\nevidence: {source_origin(s)}", style="cyan" if color else "")
        http = f" {s.http_status}" if s.http_status else ""
        sources.add_row(s.ref, Text(f"{status_mark(st)} {st}{http}",
                                    style=STATUS_STYLE.get(st, "red") if color else ""), cell)
    return sources


def _summary_line(doc: ResultDocument) -> Text:
    verdicts, statuses = summary_counts(doc)
    line = Text()
    line.append("Summary: ", style="bold")
    line.append(", ".join(f"{n} {verdict_mark(k)} {k}" for k, n in ordered(verdicts, VERDICTS)) or "no quotes")
    if doc.claims:
        line.append(" · claims: ")
        line.append(", ".join(f"{n} {support_mark(k)} {k}" for k, n in ordered(claim_counts(doc), SUPPORTS)))
    line.append(" · sources: ")
    line.append(", ".join(f"{n} {k}" for k, n in ordered(statuses, LINK_STATUSES)) or "none")
    return line


def claim_counts(doc: ResultDocument) -> Counter[str]:
    return Counter(c.support for c in doc.claims or [])


def _short_verdict(v: str) -> str:
    return {"minor_differences": "minor", "not_found": "not found", "misattributed": "misattrib.",
            "unverifiable": "unverif."}.get(v, v)


# ---------------------------------------------------------------- Markdown

_MD_SPECIAL = str.maketrans({c: "\\" + c for c in "\\`*_{}[]()#+!|~>"} | {"<": "&lt;", ">": "&gt;", "&": "&amp;"})


def md_escape(s: str | None) -> str:
    """Untrusted text made inert in Markdown: one line (no raw newline can start a heading, a list
    or a block), no emphasis, links, code, tables or raw HTML, no control characters."""
    return " ".join(printable(s).split()).translate(_MD_SPECIAL)


def md_code(s: str | None) -> str:
    """Untrusted text as a Markdown code span: one line, fenced by a backtick run longer than any
    inside it, padded when it starts or ends with a backtick (CommonMark's rule)."""
    text = " ".join(printable(s).split())
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") or (text.startswith(" ") and text.strip()) else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def md_link(url: str | None) -> str:
    """A URL as a Markdown autolink when it is a plain http(s) one, else as inert text in a code span."""
    href = web_url(url)
    return f"<{href}>" if href is not None else md_code(url)


def _md_diff(segs: list[Seg]) -> str:
    out = []
    for s in segs:
        if s.kind == "same":
            lead = " " if s.quote[:1].isspace() else ""
            trail = " " if s.quote[-1:].isspace() and s.quote.strip() else ""
            out.append(lead + md_escape(s.quote) + trail if s.quote.strip() else " ")
        elif s.kind in ("replaced", "spelling"):
            out.append(f"~~{md_escape(s.source)}~~ **{md_escape(s.quote)}**")
        elif s.kind == "added":
            out.append(f"**{md_escape(s.quote)}**")
        elif s.kind == "dropped":
            out.append(f" ~~{md_escape(s.source)}~~ ")
        elif s.kind == "elided":
            out.append("")
        else:
            out.append(f"*{md_escape(s.quote)}*")
    return " ".join("".join(out).split())


def render_markdown(doc: ResultDocument) -> str:
    """A report to paste into an editor's notes: summary, one short section per quote, sources."""
    out = [*_md_head(doc), "## Quotes", ""]
    if not doc.quotes:
        out += ["No quoted passages were found in the brief.", ""]
    else:  # an overview first, in the contract's words; details per quote below
        out += ["| # | Verdict | Quote | Source |", "|---|---|---|---|"]
        out += [f"| {md_escape(q.id)} | {verdict_mark(q.verdict)} **{q.verdict or 'pending'}** "
                f"| “{md_escape(_short(q.text, 90))}” | {md_escape(q.source_ref or '')} |"
                for q in doc.quotes]
        out.append("")
    src_by_ref = {s.ref: s for s in doc.sources}
    for q in doc.quotes:
        out += _md_quote(q, src_by_ref.get(q.source_ref or ""))
    out += _md_claims(doc)
    out += ["## Sources", "", "| Ref | Status | HTTP | Link | Note |", "|---|---|---|---|---|"]
    for s in doc.sources:
        out.append(f"| {md_escape(s.ref)} | {status_mark(s.status)} {status_label(s.status)} "
                   f"| {s.http_status or ''} | {md_link(s.url)} | {md_escape(_source_note(s))} |")
    return "\n".join(out) + "\n"


def _source_note(s: Source) -> str:
    origin = source_origin(s)
    note = s.error or s.title or ""
    return f"{note} (evidence: {origin})" if origin and note else origin or note


def _md_head(doc: ResultDocument) -> list[str]:
    verdicts, statuses = summary_counts(doc)
    title = f"Verification report: {md_escape(doc.title)}" if doc.title else "Verification report"
    return [f"# {title}", "", f"Brief {md_code(doc.brief_id)} · status {md_escape(doc.status)}"
            + (f" · checked {md_escape(doc.finished_at)}" if doc.finished_at else ""), "",
            "**Quotes:** " + (", ".join(f"{n} {verdict_mark(k)} {verdict_label(k).lower()}"
                                        for k, n in ordered(verdicts, VERDICTS)) or "none"),
            "", "**Sources:** " + (", ".join(f"{n} {status_label(k).lower()}"
                                            for k, n in ordered(statuses, LINK_STATUSES)) or "none"), ""]


def _md_marks(marks: list[Mark]) -> str:
    """Flagged tokens in bold, shared words in italics; every piece escaped."""
    out = []
    for m in marks:
        text = md_escape(m.text)
        lead = " " if m.text[:1].isspace() else ""
        trail = " " if m.text[-1:].isspace() and m.text.strip() else ""
        if m.kind == "flagged" and text:
            out.append(f"{lead}**{text}**{trail}")
        elif m.kind == "shared" and text:
            out.append(f"{lead}*{text}*{trail}")
        else:
            out.append(lead + text + trail if m.text.strip() else " ")
    return " ".join("".join(out).split())


def _md_claims(doc: ResultDocument) -> list[str]:
    """The claims: an overview table, then each claim with its best passage and its flags."""
    if not doc.claims:
        return []
    out = ["## Claims", "", "| # | Support | Claim | Source | Coverage |", "|---|---|---|---|---|"]
    out += [f"| {md_escape(c.id)} | {support_mark(c.support)} **{c.support}** | “{md_escape(_short(c.text, 90))}” "
            f"| {md_escape(c.source_ref or '')} | {'' if c.coverage is None else f'{c.coverage:.0%}'} |"
            for c in doc.claims]
    out.append("")
    for c in doc.claims:
        cites = " ".join(f"\\[{md_escape(x)}\\]" for x in c.cites)
        out += [f"### {md_escape(c.id)}. {support_mark(c.support)} {support_label(c.support)}", "",
                f"> {_md_marks(claim_marks(c))} {cites}".rstrip(), ""]
        for k, ev in enumerate(c.evidence):
            where = f" (page {ev.page})" if ev.page else ""
            head = f"Source \\[{md_escape(c.source_ref)}\\] says{where}" if k == 0 else "Also"
            out.append(f"- **{head}:** “{_md_marks(passage_marks(c, ev.text))}”")
        out += [f"- Flag: {md_escape(flag_text(f.kind, f.claim, f.source))}" for f in c.flags]
        out.append("")
    return out


def _md_quote(q: Quote, s: Source | None) -> list[str]:
    """One quote's section: verdict, the quote, what the source says, the changes, the link."""
    v = q.verdict or "pending"
    ev = q.evidence
    cites = " ".join(f"\\[{md_escape(c)}\\]" for c in q.cites)
    out = [f"### {md_escape(q.id)}. {verdict_mark(v)} {verdict_label(v)}", "",
           f"> “{md_escape(q.text)}” {cites}".rstrip(), ""]
    if ev is not None and ev.text:
        where = f" (page {ev.page})" if ev.page else ""
        out.append(f"- **Source \\[{md_escape(q.source_ref)}\\] says{where}:** “{md_escape(ev.text)}”")
    segs = quote_diff(q)
    if has_changes(segs):
        out.append(f"- **Changes** (~~source~~ **quote**): {_md_diff(segs)}")
    else:
        out += [f"- {DIFF_LABEL.get(d.kind, d.kind)}: ~~{md_escape(d.source)}~~ **{md_escape(d.quote)}**"
                for d in q.differences]
    if q.note:
        out.append(f"- Note: {md_escape(q.note)}")
    origin = quote_origin(q, s)
    if origin and origin not in (q.note or ""):
        out.append(f"- Evidence: {md_escape(origin)}")
    if s is not None:
        out.append(f"- Link: {md_link(s.url)} — {status_mark(s.status)} {status_label(s.status)}")
    if q.drift and q.drift != "unchanged":
        out.append(f"- The source has since {'changed' if q.drift == 'changed' else q.drift}"
                   + (f": “{md_escape(q.drift_text)}”" if q.drift_text else ""))
    out.append("")
    return out


# ---------------------------------------------------------------- CSV and JSON

CSV_COLUMNS = ["id", "verdict", "quote", "cites", "source_ref", "source_url", "evidence", "page",
               "differences", "score", "verdict_label", "note", "source_status", "source_title",
               "evidence_context", "quote_start", "quote_end", "evidence_start", "evidence_end", "drift",
               "evidence_from", "kind"]


def _cell(v: Any) -> str:
    """A spreadsheet cell that cannot become a formula (quotes are untrusted text)."""
    s = "" if v is None else str(v)
    return "'" + s if s[:1] in ("=", "+", "-", "@", "\t", "\r") else s


def render_csv(doc: ResultDocument) -> str:
    """One row per quote, for spreadsheets; the first ten columns are the original ones, in order."""
    src_by_ref = {s.ref: s for s in doc.sources}
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(CSV_COLUMNS)
    for q in doc.quotes:
        w.writerow([_cell(c) for c in _csv_row(q, src_by_ref.get(q.source_ref or ""))])
    for cl in doc.claims or []:
        w.writerow([_cell(c) for c in _csv_claim_row(cl, src_by_ref.get(cl.source_ref or ""))])
    return buf.getvalue()


def _csv_claim_row(c: Claim, s: Source | None) -> list[Any]:
    """A claim in the quote columns: support as the verdict, flags as the differences, coverage as
    the score, the best passage as the evidence; `kind` tells the rows apart."""
    ev = c.evidence[0] if c.evidence else None
    return [c.id, c.support, c.text, " ".join(c.cites), c.source_ref or "", c.source_url or "",
            ev.text if ev else "", (ev.page if ev else None) or "",
            "; ".join(flag_text(f.kind, f.claim, f.source) for f in c.flags),
            c.coverage if c.coverage is not None else "", support_label(c.support), "",
            (s.status if s else None) or "", (s.title if s else None) or "", "", c.start, c.end,
            ev.start if ev else "", ev.end if ev else "", "", _claim_origin(c, s) or "", "claim"]


def _claim_origin(c: Claim, s: Source | None) -> str | None:
    """Where a claim's passages come from, when not the page as fetched (a supplied or rendered copy)."""
    if s is None or c.source_ref != s.ref or s.provenance == "archived" or not c.evidence:
        return None
    return _judged_on(s)


def _csv_row(q: Quote, s: Source | None) -> list[Any]:
    ev = q.evidence
    return [q.id, q.verdict, q.text, " ".join(q.cites), q.source_ref or "", q.source_url or "",
            ev.text if ev else "", (ev.page if ev else None) or "",
            "; ".join(f"{d.kind}: {d.quote} / {d.source}" for d in q.differences),
            q.score if q.score is not None else "",
            verdict_label(q.verdict), q.note or "", (s.status if s else None) or "", (s.title if s else None) or "",
            (ev.context if ev else None) or "", q.start, q.end, ev.start if ev else "", ev.end if ev else "",
            q.drift or "", quote_origin(q, s) or "", "quote"]


def render_json(doc: ResultDocument) -> str:
    """The contract's result document, as plain JSON."""
    return json.dumps(doc.model_dump(mode="json"), ensure_ascii=False, indent=2)
