"""Render a result document for people: a terminal table, Markdown, and a self-contained HTML page."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

VERDICT_STYLE = {
    "verified": "bold green", "minor_differences": "green", "altered": "bold red",
    "not_found": "red", "misattributed": "bold magenta", "unverifiable": "yellow",
}
VERDICT_MARK = {
    "verified": "✓", "minor_differences": "≈", "altered": "✗", "not_found": "?",
    "misattributed": "⇄", "unverifiable": "…",
}
STATUS_STYLE = {"ok": "green", "refused": "dim", "blocked": "yellow", "soft_404": "red", "not_found": "red"}


def _short(s: str | None, n: int) -> str:
    s = " ".join((s or "").split())
    return s if len(s) <= n else s[: n - 1] + "…"


def _diff_text(differences: list[dict[str, str]]) -> Text:
    out = Text()
    for d in differences:
        kind = d.get("kind", "")
        if out:
            out.append("; ")
        if kind == "replaced":
            out.append(d.get("source", ""), style="green")
            out.append(" → ")
            out.append(d.get("quote", ""), style="bold red")
        elif kind == "added":
            out.append("+" + d.get("quote", ""), style="bold red")
        elif kind == "dropped":
            out.append("−" + d.get("source", ""), style="red")
        elif kind == "inserted_note":
            out.append("note " + d.get("quote", ""), style="yellow")
        else:
            out.append(f"{kind}: {d.get('source', '')} → {d.get('quote', '')}", style="yellow")
    return out


def summary_counts(doc: dict[str, Any]) -> tuple[Counter[str], Counter[str]]:
    return (Counter(q.get("verdict") or "pending" for q in doc["quotes"]),
            Counter(s.get("status") or "pending" for s in doc["sources"]))


def render_table(doc: dict[str, Any], console: Console) -> None:
    """The default terminal view: one row per quote, then the sources."""
    width = console.width or 120
    quotes = Table(title=f"Quotes in brief {doc['brief_id']}", expand=True, show_lines=True)
    quotes.add_column("#", no_wrap=True)
    quotes.add_column("Quote", ratio=3)
    quotes.add_column("Verdict", no_wrap=True)
    quotes.add_column("Src", no_wrap=True)
    quotes.add_column("Evidence / differences", ratio=3)
    for q in doc["quotes"]:
        v = q.get("verdict") or "pending"
        ev = q.get("evidence") or {}
        cell = Text(_short(ev.get("text"), max(60, width // 3)), style="dim") if ev else Text("")
        if ev.get("page"):
            cell.append(f" (p. {ev['page']})", style="dim")
        if q.get("differences"):
            cell = Text.assemble(cell, "\n", _diff_text(q["differences"])) if ev else _diff_text(q["differences"])
        if q.get("note"):
            cell.append(("\n" if cell else "") + q["note"], style="italic")
        quotes.add_row(q["id"], Text(_short(q["text"], max(60, width // 3))),
                       Text(f"{VERDICT_MARK.get(v, '')} {v}", style=VERDICT_STYLE.get(v, "")),
                       q.get("source_ref") or "", cell)
    sources = Table(title="Sources", expand=True)
    sources.add_column("Ref", no_wrap=True)
    sources.add_column("Status", no_wrap=True)
    sources.add_column("HTTP", no_wrap=True)
    sources.add_column("URL", ratio=3, overflow="fold")
    sources.add_column("Note", ratio=2)
    for s in doc["sources"]:
        st = s.get("status") or "pending"
        sources.add_row(s["ref"], Text(st, style=STATUS_STYLE.get(st, "red")), str(s.get("http_status") or ""),
                        Text(s["url"]), Text(s.get("error") or _short(s.get("title"), 60)))
    verdicts, statuses = summary_counts(doc)
    line = Text("Summary: ")
    line.append(", ".join(f"{n} {k}" for k, n in verdicts.most_common()) or "no quotes")
    line.append(" · sources: ")
    line.append(", ".join(f"{n} {k}" for k, n in statuses.most_common()) or "none")
    parts: list[Any] = [quotes] if doc["quotes"] else [Text("No quoted passages found in the brief.")]
    parts += [sources] if doc["sources"] else [Text("The brief cites no sources.")]
    parts.append(line)
    console.print(Group(*parts))


def _md_cell(s: str | None) -> str:
    return (s or "").replace("|", "\\|").replace("\n", " ")


def render_markdown(doc: dict[str, Any]) -> str:
    verdicts, statuses = summary_counts(doc)
    out = [f"# Verification of brief {doc['brief_id']}", ""]
    if doc.get("title"):
        out += [f"*{_md_cell(doc['title'])}*", ""]
    out += ["**Quotes:** " + (", ".join(f"{n} {k}" for k, n in verdicts.most_common()) or "none"),
            "", "**Sources:** " + (", ".join(f"{n} {k}" for k, n in statuses.most_common()) or "none"), ""]
    out += ["## Quotes", "", "| # | Quote | Verdict | Source | Evidence | Differences |",
            "|---|---|---|---|---|---|"]
    for q in doc["quotes"]:
        ev = q.get("evidence") or {}
        evt = _md_cell(_short(ev.get("text"), 200)) + (f" (p. {ev['page']})" if ev.get("page") else "")
        diffs = "; ".join(f"{d['kind']}: “{d.get('quote', '')}” / “{d.get('source', '')}”"
                          for d in q.get("differences") or [])
        out.append(f"| {q['id']} | “{_md_cell(q['text'])}” | **{q.get('verdict')}** | "
                   f"{q.get('source_ref') or ''} | {evt} | {_md_cell(diffs or q.get('note') or '')} |")
    out += ["", "## Sources", "", "| Ref | Status | HTTP | URL |", "|---|---|---|---|"]
    for s in doc["sources"]:
        out.append(f"| {s['ref']} | {s.get('status')} | {s.get('http_status') or ''} | <{s['url']}> |")
    return "\n".join(out) + "\n"


def render_csv(doc: dict[str, Any]) -> str:
    """One row per quote, for spreadsheets."""
    import csv
    import io

    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["id", "verdict", "quote", "cites", "source_ref", "source_url", "evidence", "page",
                "differences", "score"])
    for q in doc["quotes"]:
        ev = q.get("evidence") or {}
        w.writerow([q["id"], q.get("verdict"), q["text"], " ".join(q.get("cites") or []),
                    q.get("source_ref") or "", q.get("source_url") or "", ev.get("text", ""),
                    ev.get("page") or "",
                    "; ".join(f"{d['kind']}: {d.get('quote', '')} / {d.get('source', '')}"
                              for d in q.get("differences") or []),
                    q.get("score") if q.get("score") is not None else ""])
    return buf.getvalue()


def render_json(doc: dict[str, Any]) -> str:
    return json.dumps(doc, ensure_ascii=False, indent=2)
