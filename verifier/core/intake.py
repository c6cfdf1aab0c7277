"""Brief intake: bytes of a .md/.txt/.html/.pdf/.docx brief in, `BriefText` out.

Pure: no network, no settings. Offsets of links and block quotes always point into the
text this module returns, so the parser can work on one string. Text and Markdown are
kept byte-for-byte (only newlines are normalised) so offsets match what the user wrote;
HTML, PDF and Word files are rendered to plain text here.
"""

from __future__ import annotations

import codecs
import io
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

from verifier.core import pdflayout
from verifier.core.decoding import Decoded, decode_text_noted, sniff_kind
from verifier.core.deephtml import parse_capped
from verifier.core.values import BriefError, BriefText, BriefTooLarge, BriefUnreadable, Link

_EXT_FMT = {".md": "md", ".markdown": "md", ".txt": "txt", ".text": "txt", ".html": "html",
            ".htm": "html", ".xhtml": "html", ".pdf": "pdf", ".docx": "docx"}
_CTYPE_FMT = {"text/markdown": "md", "text/x-markdown": "md", "text/plain": "txt", "text/html": "html",
              "application/xhtml+xml": "html", "application/pdf": "pdf",
              "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx"}


PdfReader = Callable[[bytes], BriefText]


def read_capped_file(path: str | Path, max_bytes: int, *, what: str,
                     too_large: Callable[[int], BriefTooLarge]) -> bytes:
    """A file's bytes, refused for size before it is read; every failure a one-line BriefError
    (`what` names what the file should have been: "a brief file", "a saved copy of a source")."""
    p = Path(path)
    try:
        size = p.stat().st_size
    except FileNotFoundError:
        raise BriefError(f"no such file: {path}") from None
    except OSError as e:
        raise BriefError(f"cannot read {path}: {e.strerror or e}") from None
    if p.is_dir():
        raise BriefError(f"{path} is a directory, not {what}")
    if size > max_bytes:
        raise too_large(size)
    try:
        with p.open("rb") as f:
            return f.read(max_bytes + 1)  # a file growing under us still cannot pass the limit
    except OSError as e:
        raise BriefError(f"cannot read {path}: {e.strerror or e}") from None


def mb(n: int) -> str:
    """A size as people read it in an error: "12.3 MB"."""
    return f"{n / 1_000_000:.1f} MB"


def _too_large(size: int, max_bytes: int) -> BriefTooLarge:
    return BriefTooLarge(f"the brief is {mb(size)}; the limit is {mb(max_bytes)}")


# ------------------------------------------------------------------ entry points


def brief_from_bytes(data: bytes, *, name: str = "", content_type: str | None = None,
                     base_url: str | None = None, max_bytes: int = 10_000_000,
                     read_pdf: PdfReader | None = None) -> BriefText:
    """Turn an uploaded or read brief into text plus the links its markup carried.

    `read_pdf` reads a PDF brief (default: in this process); callers at the edge pass one that
    runs under a memory and time budget (verifier.documents.bounded.bounded_pdf_brief)."""
    if len(data) > max_bytes:
        raise _too_large(len(data), max_bytes)
    if not data.strip():
        raise BriefError("the brief is empty")
    fmt = choose_format(data, name, content_type)
    label = name or "the brief"
    if fmt == "pdf":
        brief = (read_pdf or read_pdf_brief)(data)
    elif fmt == "docx":
        brief = _from_docx(data, max_bytes)
    elif fmt == "html":
        brief = _from_html(data, _charset_of(content_type), base_url, label)
    else:
        decoded = _decode_text(data, _charset_of(content_type), label)
        text = _normalise_newlines(decoded.text)
        brief = BriefText(text=text, links=markdown_links(text), fmt=fmt, title=_first_line_title(text, fmt),
                          notes=list(decoded.notes))
    if not brief.text.strip():
        if fmt == "pdf":
            raise BriefError("the PDF has no text layer (a scan?); the brief is empty")
        raise BriefError("the brief is empty")
    return brief


def read_brief_file(path: str | Path, *, max_bytes: int = 10_000_000,
                    read_pdf: PdfReader | None = None) -> BriefText:
    """Read a brief from disk, refusing oversized files before reading them."""
    data = read_capped_file(path, max_bytes, what="a brief file",
                            too_large=lambda size: _too_large(size, max_bytes))
    p = Path(path)
    return brief_from_bytes(data, name=p.name, max_bytes=max_bytes, read_pdf=read_pdf)


# ------------------------------------------------------------------ format choice


def choose_format(data: bytes, name: str, content_type: str | None) -> str:
    """md, txt, html, pdf, docx or binary: by the file name's extension, the declared type, then
    the content (also how a supplied source copy's format is chosen)."""
    ext = Path(name).suffix.lower() if name else ""
    if ext in _EXT_FMT:
        return _EXT_FMT[ext]
    if content_type:
        ct = content_type.split(";")[0].strip().lower()
        if ct in _CTYPE_FMT:
            return _CTYPE_FMT[ct]
    return _sniff(data)


def _sniff(data: bytes) -> str:
    """The format of a brief with no telling name or type: core.decoding's one content sniffer,
    and for a ZIP a look inside (a .docx holds word/document.xml)."""
    if data[:4] == b"PK\x03\x04":
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                if "word/document.xml" in z.namelist():
                    return "docx"
        except zipfile.BadZipFile:
            pass
        return "binary"
    kind = sniff_kind(data[:1024], None)
    return "txt" if kind in ("text", "binary") else kind  # binary text is refused when decoded


def _charset_of(content_type: str | None) -> str | None:
    if not content_type:
        return None
    m = re.search(r"charset\s*=\s*[\"']?([\w.:-]+)", content_type, re.I)
    return m.group(1) if m else None


# ------------------------------------------------------------------ text decoding

_BOMS = ((codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"),
         (codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")


def _decode_text(data: bytes, declared: str | None, label: str) -> Decoded:
    """Decode text that may not be UTF-8 (as sources are decoded, with the same notes); refuse
    binary files rather than guess."""
    has_bom = any(data.startswith(bom) for bom, _ in _BOMS)
    if b"\x00" in data and not has_bom:
        raise _not_text(label)
    if data.lstrip()[:5] == b"{\\rtf":  # rich text is markup: read as text it would give its control words
        raise BriefUnreadable(f"{label} is an RTF file; save it as .docx, PDF, HTML or plain text")
    decoded = decode_text_noted(data, f"text/plain; charset={declared}" if declared else None)
    _check_text(decoded.text, label)
    return decoded


def _check_text(text: str, label: str) -> str:
    bad = len(_CONTROL.findall(text[:100_000]))
    if bad > max(2, len(text[:100_000]) // 200):
        raise _not_text(label)
    return text


def _not_text(label: str) -> BriefUnreadable:
    return BriefUnreadable(f"{label} is not a text, HTML, PDF or Word file")


def _normalise_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _first_line_title(text: str, fmt: str) -> str | None:
    for line in text.split("\n"):
        s = line.strip()
        if s:
            s = re.sub(r"^#+\s*", "", s) if fmt == "md" else s
            return s[:300] or None
    return None


# ------------------------------------------------------------------ Markdown links

_MD_INLINE = re.compile(r"(?<!!)\[(?P<anchor>[^\[\]\n]*(?:\[[^\[\]\n]*\][^\[\]\n]*)*)\]"
                        r"\(\s*<?(?P<url>[^\s()<>]+(?:\([^\s()]*\)[^\s()<>]*)*)>?(?:\s+(?P<title>[\"'(][^\n]*?[\"')]))?\s*\)")
_MD_AUTOLINK = re.compile(r"<(?P<url>(?:[a-zA-Z][a-zA-Z0-9+.-]{1,15}:[^\s<>]+))>")
_MD_REFLINK = re.compile(r"(?<![!\]])\[(?P<anchor>[^\[\]\n]+)\]\[(?P<id>[^\[\]\n]*)\]")
_MD_REFDEF = re.compile(r"^ {0,3}\[(?P<id>[^\]\^\n][^\]\n]*)\]:[ \t]*<?(?P<url>\S+?)>?(?:[ \t]+.*)?$", re.M)


@dataclass(frozen=True)
class MarkdownLink:
    """One Markdown link: the Link (its anchor's offsets), where its whole syntax stands, and
    where its title ("…" after the URL) stands, if it has one."""

    link: Link
    span: tuple[int, int]
    title: tuple[int, int] | None = None

    @property
    def markup(self) -> list[tuple[int, int]]:
        """The syntax around the anchor: `[` before it, `](url "title")` or `][id]` after it."""
        return [(self.span[0], self.link.start), (self.link.end, self.span[1])]


def markdown_link_syntax(text: str) -> list[MarkdownLink]:
    """Inline `[a](url)`, `<url>` autolinks and reference-style `[a][id]` links, in order."""
    out: list[MarkdownLink] = []
    taken: list[tuple[int, int]] = []
    for m in _MD_INLINE.finditer(text):
        s, e = m.span("anchor")
        title = m.span("title") if m.group("title") else None
        out.append(MarkdownLink(Link(url=m.group("url"), start=s, end=e, text=m.group("anchor")), m.span(), title))
        taken.append(m.span())
    for m in _MD_AUTOLINK.finditer(text):
        if any(a <= m.start() < b for a, b in taken):
            continue
        s, e = m.span("url")
        out.append(MarkdownLink(Link(url=m.group("url"), start=s, end=e, text=m.group("url")), m.span()))
    defs = {m.group("id").strip().lower(): m.group("url") for m in _MD_REFDEF.finditer(text)}
    if defs:
        for m in _MD_REFLINK.finditer(text):
            if any(a <= m.start() < b for a, b in taken):
                continue
            key = (m.group("id") or m.group("anchor")).strip().lower()
            if key in defs:
                s, e = m.span("anchor")
                out.append(MarkdownLink(Link(url=defs[key], start=s, end=e, text=m.group("anchor")), m.span()))
    out.sort(key=lambda ml: ml.span[0])
    return out


def markdown_links(text: str) -> list[Link]:
    """Inline `[a](url)`, `<url>` autolinks and reference-style `[a][id]` links, by anchor offsets."""
    return [ml.link for ml in markdown_link_syntax(text)]


# ------------------------------------------------------------------ HTML

_DROP = {"script", "style", "noscript", "template", "head", "nav", "iframe", "object", "svg", "canvas",
         "button", "select", "option", "textarea"}
_PARA = {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "ul", "ol", "dl", "table",
         "section", "article", "header", "footer", "main", "aside", "pre", "figure", "figcaption",
         "hr", "form", "address", "details", "summary", "fieldset", "center"}
_LINE = {"li", "tr", "dt", "dd", "caption", "thead", "tbody", "tfoot"}
_CELL = {"td", "th"}
_SUP = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


#: the longest note (in characters) a mark's in-page link may point to: a footnote, not a section
_NOTE_CHARS = 600


def _note_targets(doc: object) -> dict[str, str]:
    """In-page footnotes: the id (or old-style `<a name>`) of each short element that holds a link
    out, mapped to that link (its first). A mark written `<sup><a href="#fn1">1</a></sup>`, as CMS
    exports, Word's and Google Docs' HTML and Wikipedia write notes, then credits the source its
    note links to, as a mark that links straight to its source does."""
    out: dict[str, str] = {}
    for el in doc.iter():  # type: ignore[attr-defined]
        if not isinstance(el.tag, str):
            continue
        key = el.get("id") or (el.get("name") if el.tag.lower() == "a" else None)
        if not key or key in out:
            continue
        note = el if el.get("id") or el.getparent() is None else el.getparent()  # <a name> marks its block
        if len(note.text_content() or "") > _NOTE_CHARS:
            continue
        href = next((a.get("href", "").strip() for a in note.iter("a")
                     if re.match(r"(?i)https?://", a.get("href", "").strip())), None)
        if href:
            out[key] = href
    return out


class _Render:
    """Builds plain text from an lxml tree, recording link and block-quote offsets."""

    def __init__(self, base_url: str | None, targets: dict[str, str] | None = None) -> None:
        self.targets = targets or {}  # a note's id -> the source its note links to (_note_targets)
        self.parts: list[str] = []
        self.pos = 0
        self.brk = 0  # newlines owed before the next text
        self.space = False
        self.pre = 0
        self.q = 0  # <q> elements open: a quotation the browser shows between marks
        self.base_url = base_url
        self._links: list[tuple[str, int, int]] = []  # (href, start, end) before trimming
        self._quotes: list[tuple[int, int]] = []

    def _put(self, s: str) -> None:
        self.parts.append(s)
        self.pos += len(s)

    def text(self, s: str | None) -> None:
        if not s:
            return
        if self.pre:
            self._flush()
            self._put(s.replace("\r\n", "\n").replace("\r", "\n"))
            return
        collapsed = re.sub(r"[ \t\n\r\f\v]+", " ", s)
        if not collapsed.strip(" "):
            self.space = True
            return
        if collapsed.startswith(" "):
            self.space = True
        self._flush()
        body = collapsed.strip(" ")
        self._put(body)
        self.space = collapsed.endswith(" ")

    def _flush(self) -> None:
        if self.pos and self.brk:
            self._put("\n" * self.brk)
        elif self.pos and self.space and not self.parts[-1].endswith("\n"):
            self._put(" ")
        self.brk = 0
        self.space = False

    def block(self, n: int) -> None:
        self.brk = max(self.brk, n)
        self.space = False

    def walk(self, el: object) -> None:
        tag = getattr(el, "tag", None)
        if not isinstance(tag, str):  # comments, processing instructions: only their tail counts
            return
        name = tag.lower().rsplit("}", 1)[-1]
        if name in _DROP or (el.get("role") == "navigation"):  # type: ignore[attr-defined]
            return
        if name == "br":
            self.block(max(self.brk, 1))
            return
        self._boundary(name)
        if name == "pre":
            self.pre += 1
        start = self.pos
        if name == "sup" and re.fullmatch(r"\s*\d{1,3}\s*", el.text_content() or ""):  # type: ignore[attr-defined]
            digits = (el.text_content() or "").strip().translate(_SUP)  # type: ignore[attr-defined]
            self.text(digits)
            mark = next(el.iter("a"), None)  # type: ignore[attr-defined]
            if mark is not None:  # <sup><a href="#fn1">1</a></sup>: the mark's link, over the mark
                self._link(mark.get("href"), self.pos - len(digits), self.pos)
        elif name == "q":
            self._quotation(el)
        else:
            self._content(el)
        if name == "pre":
            self.pre -= 1
        end = self.pos
        if name in ("a", "q", "blockquote"):  # <q cite> and <blockquote cite> name their source
            self._link(el.get("href" if name == "a" else "cite"), start, end)  # type: ignore[attr-defined]
        if name == "blockquote":
            self._quotes.append((start, end))
        self._boundary(name)

    def _link(self, href: str | None, start: int, end: int) -> None:
        href = (href or "").strip()
        if href.startswith("#") and href[1:] in self.targets:  # a footnote mark linking to its note
            self._links.append((self.targets[href[1:]], start, end))
        elif href and not href.startswith("#") and not href.lower().startswith("javascript:"):
            self._links.append((urljoin(self.base_url, href) if self.base_url else href, start, end))

    def _content(self, el: object, lead: str | None = None) -> None:
        """An element's text (or `lead` in its place) and its children, each with its tail."""
        self.text(el.text if lead is None else lead)  # type: ignore[attr-defined]
        for child in el:  # type: ignore[attr-defined]
            self.walk(child)
            self.text(child.tail)

    def _quotation(self, el: object) -> None:
        """A <q>: its words between the marks a browser shows (“…”, ‘…’ for one inside another),
        each mark against the words it bounds, as a quotation is written."""
        opening, closing = ("“", "”") if self.q % 2 == 0 else ("‘", "’")
        self._flush()
        self._put(opening)
        self.q += 1
        self._content(el, (el.text or "").lstrip())  # type: ignore[attr-defined]
        self.q -= 1
        pending, self.space, self.brk = self.space, False, 0
        self._put(closing)
        self.space = pending

    def _boundary(self, name: str) -> None:
        """Block elements break lines on both sides; table cells are kept apart by a space."""
        if name in _PARA:
            self.block(2)
        elif name in _LINE:
            self.block(1)
        elif name in _CELL:
            self.space = True

    def result(self) -> tuple[str, list[Link], list[tuple[int, int]]]:
        """The text, its links and its block quotes, spans trimmed of white space (text joined once)."""
        full = "".join(self.parts)

        def trim(s: int, e: int) -> tuple[int, int]:
            while s < e and full[s].isspace():
                s += 1
            while e > s and full[e - 1].isspace():
                e -= 1
            return s, e

        links = [Link(url=href, start=s, end=e, text=full[s:e])
                 for href, a, b in self._links for s, e in [trim(a, b)] if e > s]
        quotes = [(s, e) for a, b in self._quotes for s, e in [trim(a, b)] if e > s]
        return full, links, quotes


def _decode_html(data: bytes, declared: str | None, label: str) -> str:
    from verifier.core.decoding import decode_html

    return decode_html(data, f"text/html; charset={declared}" if declared else None)


def _from_html(data: bytes, declared: str | None, base_url: str | None, label: str) -> BriefText:
    import lxml.html
    from lxml import etree

    text = _decode_html(data, declared, label)
    text = re.sub(r"^\s*<\?xml[^>]*\?>", "", text)
    if not text.strip():
        raise BriefError("the brief is empty")
    notes: list[str] = []
    parser = lxml.html.HTMLParser()
    try:
        doc = lxml.html.document_fromstring(text, parser=parser)
    except (etree.ParserError, ValueError) as e:
        raise BriefUnreadable(f"cannot read the HTML: {e}") from None
    if any(e.type_name == "ERR_RESOURCE_LIMIT" for e in parser.error_log):  # libxml2 stopped at its depth limit
        doc, note = parse_capped(text)
        notes += [note] if note else []
    title = None
    t = doc.find(".//title")
    if t is not None and (t.text_content() or "").strip():
        title = re.sub(r"\s+", " ", t.text_content()).strip()
    base = doc.find(".//base[@href]")
    if base is not None and base_url:
        base_url = urljoin(base_url, base.get("href") or "")
    r = _Render(base_url, _note_targets(doc))
    body = doc.find("body")
    r.walk(body if body is not None else doc)
    if title is None:
        h1 = doc.find(".//h1")
        if h1 is not None and h1.text_content().strip():
            title = re.sub(r"\s+", " ", h1.text_content()).strip()
    text, links, quotes = r.result()
    return BriefText(text=text, links=links, title=title, fmt="html", blockquotes=quotes, notes=notes)


# ------------------------------------------------------------------ PDF


def read_pdf_brief(data: bytes) -> BriefText:
    """The text layer of a PDF brief, read in this process (no memory bound of its own)."""
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(data)
    except Exception as e:
        raise BriefUnreadable(f"cannot read the PDF: {_one_line(e)}") from None
    pages: list[str] = []
    links: list[Link] = []
    pos = 0
    try:
        for i in range(len(pdf)):
            page = pdf[i]
            tp = page.get_textpage()
            text = pdflayout.rejoin_breaks(_normalise_newlines(_page_text(tp)).replace("\x00", ""))
            text = pdflayout.rejoin_links(text).strip()
            if text:
                pos += 2 if pages else 0
                links += [Link(u, pos + a, pos + b, text[a:b]) for u, a, b in _anchored(text, _link_annots(pdf, page, tp))]
                pages.append(text)
                pos += len(text)
            tp.close()
            page.close()
        meta = pdf.get_metadata_dict() if hasattr(pdf, "get_metadata_dict") else {}
    except Exception as e:
        raise BriefUnreadable(f"cannot read the PDF: {_one_line(e)}") from None
    finally:
        pdf.close()
    text = "\n\n".join(pages)
    title = (meta.get("Title") or "").strip() or _first_line_title(text, "pdf")
    return BriefText(text=text, title=title, fmt="pdf", links=links)


def _link_annots(pdf: Any, page: Any, tp: Any) -> list[tuple[str, str]]:
    """The page's link annotations that open a web address: (the address, the text under the link),
    as Word and Google Docs keep a document's hyperlinks when they print it to PDF."""
    import ctypes

    import pypdfium2.raw as raw

    out: list[tuple[str, str]] = []
    at, link = ctypes.c_int(0), raw.FPDF_LINK()
    while len(out) < 2_000 and raw.FPDFLink_Enumerate(page.raw, ctypes.byref(at), ctypes.byref(link)):
        action = raw.FPDFLink_GetAction(link)
        if not action or raw.FPDFAction_GetType(action) != raw.PDFACTION_URI:
            continue
        size = raw.FPDFAction_GetURIPath(pdf.raw, action, None, 0)
        buf = ctypes.create_string_buffer(max(size, 1))
        raw.FPDFAction_GetURIPath(pdf.raw, action, buf, size)
        uri = buf.value.decode("utf-8", "replace").strip()
        rect = raw.FS_RECTF()
        if not re.match(r"(?i)https?://", uri) or not raw.FPDFLink_GetAnnotRect(link, ctypes.byref(rect)):
            continue
        anchor = tp.get_text_bounded(left=rect.left, bottom=rect.bottom, right=rect.right, top=rect.top)
        out.append((uri, pdflayout.rejoin_breaks(_normalise_newlines(anchor))))
    return out


def _anchored(text: str, annots: list[tuple[str, str]]) -> list[tuple[str, int, int]]:
    """Each link's place in the page's text: the first occurrence of its words (spacing aside) that
    no earlier link holds; a link whose words are not found is left out."""
    out: list[tuple[str, int, int]] = []
    for uri, anchor in annots:
        words = re.findall(r"\S+", anchor)
        if not words:
            continue
        rx = re.compile(r"\s+".join(re.escape(w) for w in words))
        for m in rx.finditer(text):
            if not any(a < m.end() and m.start() < b for _, a, b in out):
                out.append((uri, m.start(), m.end()))
                break
    return sorted(out, key=lambda x: x[1])


def _page_text(tp: Any) -> str:
    """A page's text layer with its paragraphs (verifier.core.pdflayout): a blank line where one
    opens, since the text layer gives every line end alike."""
    text: str = tp.get_text_range()
    if len(text) != tp.count_chars():  # characters and text units apart: keep the lines as they are
        return text
    cut = pdflayout.paragraph_starts(text, [(i, *tp.get_charbox(i, loose=True)) for i in _samples(text)])
    if not cut:
        return text
    pieces = [text[a:b] for a, b in zip([0, *cut], [*cut, len(text)], strict=True)]
    return "\r\n".join(pieces)


_PRINTED_LINE = re.compile(r"\S(?:[^\r\n]*\S)?")


def _samples(text: str) -> list[int]:
    """The first, middle and last printed characters of each line of the text layer: enough to place
    the line (and a line the layer joined across a rejoined hyphen) at a few calls per line."""
    out: list[int] = []
    for m in _PRINTED_LINE.finditer(text):
        a, b = m.start(), m.end() - 1
        mid = text.find(" ", (a + b) // 2, b)
        out.extend(sorted({a, mid + 1 if mid > 0 else b, b}))
    return out


def _one_line(e: BaseException) -> str:
    return re.sub(r"\s+", " ", str(e) or type(e).__name__).strip()[:200]


# ------------------------------------------------------------------ Word


# A .docx is a zip: its parts are inflated by python-docx whole, in memory. Before that, every part
# is inflated here once, in pieces, counting: the declared sizes and the bytes that really come
# out are both held to the brief's budget, and a part that is itself an archive is refused (an
# Office file's embedded objects, under word/embeddings/, are kept: python-docx never opens them).
DOCX_MAX_PARTS = 2_000
_ZIP_MAGIC = (b"PK\x03\x04", b"\x1f\x8b", b"7z\xbc\xaf", b"Rar!", b"BZh")
_PIECE = 1 << 16


def check_docx_parts(data: bytes, budget: int) -> None:
    """Refuse a .docx whose parts inflate past `budget` bytes in all, or that nests an archive."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            infos = z.infolist()
            if len(infos) > DOCX_MAX_PARTS:
                raise BriefTooLarge(f"the Word file has {len(infos)} parts; the limit is {DOCX_MAX_PARTS}")
            declared = sum(i.file_size for i in infos)
            if declared > budget:
                big = max(infos, key=lambda i: i.file_size)
                raise BriefTooLarge(f"the Word file inflates to {mb(declared)} ({big.filename} alone "
                                    f"{mb(big.file_size)}); the limit is {mb(budget)}")
            total = 0
            for info in infos:
                total = _inflate_counting(z, info, total, budget)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError, OSError) as e:
        raise BriefUnreadable(f"cannot read the Word file: {_one_line(e)}") from None


def _inflate_counting(z: zipfile.ZipFile, info: zipfile.ZipInfo, total: int, budget: int) -> int:
    """Inflate one part in pieces; the running total of inflated bytes after it."""
    with z.open(info) as f:
        head = f.read(8)
        embedded = info.filename.startswith("word/embeddings/")
        if head.startswith(_ZIP_MAGIC) and not embedded:
            raise BriefUnreadable(f"the Word file holds another archive ({info.filename}); nested archives "
                                  f"are not read")
        total += len(head)
        while piece := f.read(_PIECE):
            total += len(piece)
            if total > budget:
                raise BriefTooLarge(f"the Word file's parts inflate past {mb(budget)} (at {info.filename}); "
                                    f"the limit is {mb(budget)}")
    return total


# Word's footnotes and endnotes live in parts of their own (word/footnotes.xml, endnotes.xml), where
# python-docx does not read them; a report cites its sources there more often than anywhere. Each
# reference in the text becomes a marker, [n] in the order the text first refers to the notes (as
# Word numbers footnotes; endnotes share the count here), and the notes a "Notes" list at the end,
# [n] and the note's text and links: a reference list the parser reads like any other.
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_R_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
_NOTE_KINDS = {"http://schemas.openxmlformats.org/officeDocument/2006/relationships/footnotes": "footnote",
               "http://schemas.openxmlformats.org/officeDocument/2006/relationships/endnotes": "endnote"}


@dataclass(eq=False)  # each note is its own, whatever its text
class _Note:
    text: str
    links: list[tuple[str, int, int]]  # (url, start, end) in text


def _docx_notes(document: object) -> dict[tuple[str, str], _Note]:
    """The document's footnotes and endnotes by (kind, w:id), separators left out."""
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    out: dict[tuple[str, str], _Note] = {}
    for rel in document.part.rels.values():  # type: ignore[attr-defined]
        kind = _NOTE_KINDS.get(rel.reltype)
        if kind is None or rel.is_external:
            continue
        part = rel.target_part
        root = etree.fromstring(part.blob, parser=parser)
        urls = {rid: r.target_ref for rid, r in part.rels.items() if r.is_external}
        for note in root.iter(_W + kind):
            if note.get(_W + "type") in (None, "normal"):
                out[(kind, note.get(_W + "id") or "")] = _note_of(note, urls)
    return out


def _note_of(note: object, urls: dict[str, str]) -> _Note:
    """A note's paragraphs as one line of text, with its hyperlinks' offsets (each paragraph read
    as the body's are: _Inline)."""
    inline = _Inline(urls, lambda _key: "")
    for k, par in enumerate(note.iter(_W + "p")):  # type: ignore[attr-defined]
        if k:
            inline.put(" ")
        inline.walk(par)
    text = "".join(inline.chunks)
    lead = len(text) - len(text.lstrip())
    return _Note(text.strip(), [(u, a - lead, b - lead) for u, a, b in inline.links])


def _cite(notes: dict[tuple[str, str], _Note], cited: list[_Note], key: tuple[str, str]) -> int:
    """The number of a reference to note `key`: its place among the notes referred to so far (a
    reference to a note the parts lack gets a number and no text)."""
    note = notes.setdefault(key, _Note("", []))
    if note not in cited:
        cited.append(note)
    return cited.index(note) + 1


def _append_notes(parts: list[str], links: list[Link], pos: int, cited: list[_Note]) -> int:
    """The notes as a numbered list after the text; the position after it."""
    head = "\n\nNotes\n"
    parts.append(head)
    pos += len(head)
    for n, note in enumerate(cited, 1):
        line = f"\n[{n}] "
        parts.append(line + note.text)
        pos += len(line)
        for url, a, b in note.links:
            links.append(Link(url=url, start=pos + a, end=pos + b, text=note.text[a:b]))
        pos += len(note.text)
    return pos


#: inline elements whose runs are the paragraph's text: a tracked insertion, a content control (a
#: Word citation, say), a smart tag, a moved-in run; a deletion or a moved-out run is not
_INLINE_KEEP = frozenset(f"{_W}{t}" for t in ("ins", "sdt", "sdtContent", "smartTag", "customXml", "moveTo",
                                                "dir", "bdo", "fldSimple", "hyperlink"))
_FIELD_URL = re.compile(r'^\s*HYPERLINK\s+"([^"]+)"', re.I)


class _Inline:
    """A Word paragraph's text as the reader sees it, with its links: runs, hyperlinks (by
    relationship or by a HYPERLINK field, simple or complex), tracked insertions and content
    controls read through, deletions and field codes left out, note references as markers."""

    def __init__(self, urls: dict[str, str], note_mark: Callable[[tuple[str, str]], str]) -> None:
        self.urls = urls
        self.note_mark = note_mark
        self.chunks: list[str] = []
        self.links: list[tuple[str, int, int]] = []
        self.n = 0
        self._fields: list[tuple[str, int | None]] = []  # open complex fields: (code so far, result start)

    def put(self, t: str) -> None:
        self.chunks.append(t)
        self.n += len(t)

    def _link(self, url: str | None, start: int) -> None:
        if url and "".join(self.chunks)[start:].strip():
            self.links.append((url, start, self.n))

    def walk(self, el: object) -> None:
        for child in el:  # type: ignore[attr-defined]
            tag = child.tag
            if tag == _W + "r":
                self._run(child)
            elif tag == _W + "hyperlink":
                start = self.n
                self.walk(child)
                self._link(self.urls.get(child.get(_R_ID) or ""), start)
            elif tag == _W + "fldSimple":
                start = self.n
                self.walk(child)
                m = _FIELD_URL.match(child.get(_W + "instr") or "")
                self._link(m.group(1) if m else None, start)
            elif tag in _INLINE_KEEP:
                self.walk(child)

    def _run(self, run: object) -> None:
        for el in run:  # type: ignore[attr-defined]
            tag = el.tag
            if tag == _W + "fldChar":
                kind = el.get(_W + "fldCharType")
                if kind == "begin":
                    self._fields.append(("", None))
                elif kind == "separate" and self._fields:
                    self._fields[-1] = (self._fields[-1][0], self.n)
                elif kind == "end" and self._fields:
                    code, start = self._fields.pop()
                    m = _FIELD_URL.match(code)
                    if m and start is not None:
                        self._link(m.group(1), start)
            elif tag == _W + "instrText":
                if self._fields and self._fields[-1][1] is None:
                    self._fields[-1] = (self._fields[-1][0] + (el.text or ""), None)
            elif self._fields and self._fields[-1][1] is None:
                continue  # inside a field's code: not shown
            elif tag == _W + "t":
                self.put(el.text or "")
            elif tag in (_W + "tab", _W + "br", _W + "cr"):
                self.put(" ")
            elif tag in (_W + "footnoteReference", _W + "endnoteReference"):
                kind = "footnote" if tag == _W + "footnoteReference" else "endnote"
                self.put(self.note_mark((kind, el.get(_W + "id") or "")))


def _docx_paragraphs(body: Any) -> Iterator[Any]:
    """The body's paragraphs in reading order: its own, its tables' cells', and those inside block
    content controls (Word's bibliography and citations are content controls)."""
    for child in body:
        if child.tag == _W + "p":
            yield child
        elif child.tag in (_W + "tbl", _W + "tr", _W + "tc", _W + "sdt", _W + "sdtContent", _W + "customXml"):
            yield from _docx_paragraphs(child)


def _from_docx(data: bytes, budget: int) -> BriefText:
    import docx
    from docx.text.paragraph import Paragraph

    check_docx_parts(data, budget)
    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as e:
        raise BriefUnreadable(f"cannot read the Word file: {_one_line(e)}") from None
    parts: list[str] = []
    pos = 0
    links: list[Link] = []
    quotes: list[tuple[int, int]] = []
    try:
        notes = _docx_notes(document)
    except Exception as err:
        raise BriefUnreadable(f"cannot read the Word file's notes: {_one_line(err)}") from None
    cited: list[_Note] = []  # the notes in the order the text refers to them: their numbers

    urls = {rid: r.target_ref for rid, r in document.part.rels.items() if r.is_external}

    def add_paragraph(par: Paragraph) -> None:
        nonlocal pos
        inline = _Inline(urls, lambda key: f"[{_cite(notes, cited, key)}]")
        inline.walk(par._p)
        text = "".join(inline.chunks).replace("\r", "")
        local_links = inline.links
        if not text.strip():
            return
        if parts:
            parts.append("\n\n")
            pos += 2
        base = pos
        parts.append(text)
        pos += len(text)
        for url, s, e in local_links:
            links.append(Link(url=url, start=base + s, end=base + e, text=text[s:e]))
        style = par.style.name if par.style is not None else ""
        if style and "quote" in style.lower():
            lead = len(text) - len(text.lstrip())
            quotes.append((base + lead, base + len(text.rstrip())))

    try:
        for p in _docx_paragraphs(document.element.body):  # content controls' and tables' paragraphs too
            add_paragraph(Paragraph(p, document))
        title = (document.core_properties.title or "").strip() or None
    except Exception as err:
        raise BriefUnreadable(f"cannot read the Word file: {_one_line(err)}") from None
    if cited:
        pos = _append_notes(parts, links, pos, cited)
    text = "".join(parts)
    # adjacent Quote-style paragraphs are one block quote
    merged: list[tuple[int, int]] = []
    for qs, qe in quotes:
        if merged and text[merged[-1][1]:qs].strip() == "":
            merged[-1] = (merged[-1][0], qe)
        else:
            merged.append((qs, qe))
    return BriefText(text=text, links=links, title=title or _first_line_title(text, "docx"), fmt="docx",
                     blockquotes=merged)
