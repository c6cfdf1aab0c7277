"""Decoded markup/text -> SourceText: visible text, main text, title; PDF page clean-up.

Pure: text (or bytes) in, values out; decoding is core.decoding's, reading files and pdfium is
verifier.documents'. Nothing here raises on hostile input; a body with no
readable text gives SourceText(text="") and the pipeline calls that no_text.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

from verifier.core.decoding import decode_html as decode_html  # re-exported: callers read pages here
from verifier.core.decoding import decode_html_noted, decode_text_noted
from verifier.core.decoding import decode_text as decode_text
from verifier.core.normalize import squash
from verifier.core.pdflayout import rejoin_breaks
from verifier.core.values import SourceText

if TYPE_CHECKING:
    from lxml.html import HtmlElement

# ---------------------------------------------------------------- visible text

_DROP_TAGS = frozenset({"script", "style", "noscript", "template", "svg", "head", "iframe", "object",
                        "embed", "canvas", "math", "map", "audio", "video", "picture", "source", "track"})
_BLOCK_TAGS = frozenset({
    "address", "article", "aside", "blockquote", "body", "br", "caption", "center", "dd", "details",
    "dialog", "dir", "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "frame",
    "frameset", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hgroup", "hr", "html", "legend", "li",
    "main", "menu", "nav", "ol", "option", "p", "pre", "section", "summary", "table", "tbody", "td",
    "tfoot", "th", "thead", "title", "tr", "ul", "listing", "plaintext", "xmp", "select", "textarea",
})
# C0/C1 controls other than tab/newline/CR, and noncharacters libxml2 refuses.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]")
_INVISIBLE = re.compile("\ufeff")  # a stray BOM; soft hyphens stay (the gold and quotes may carry them)
_HSPACE = re.compile(r"[^\S\n]+")
_MAX_HTML_CHARS = 30_000_000


def _clean_chars(s: str) -> str:
    return _INVISIBLE.sub("", _CONTROL.sub(" ", s))


def _parse_html(html: str) -> HtmlElement | None:
    """An lxml tree for any string: control characters out, XML declarations harmless, huge trees allowed."""
    import lxml.etree
    import lxml.html

    if len(html) > _MAX_HTML_CHARS:
        html = html[:_MAX_HTML_CHARS]
    data = _clean_chars(html).encode("utf-8", "replace")
    if not data.strip():
        return None
    parser = lxml.html.HTMLParser(encoding="utf-8", huge_tree=True, remove_comments=True,
                                  remove_pis=True)
    try:
        root = lxml.html.document_fromstring(data, parser=parser)
    except (lxml.etree.ParserError, ValueError, lxml.etree.XMLSyntaxError):
        return None
    if any(e.type_name == "ERR_RESOURCE_LIMIT" for e in parser.error_log):
        # libxml2 stopped at its depth limit and dropped the rest: read it whole, depth capped
        from verifier.core.deephtml import parse_capped

        return cast("HtmlElement", parse_capped(_clean_chars(html))[0])
    return root


#: the classes sites give text meant for screen readers only (shown to no reader's eye: "4.2 m" beside
#: the "4.2 metres" the page shows, "Image source," before a credit)
_SCREEN_READER_ONLY = frozenset({"sr-only", "visually-hidden", "visuallyhidden", "screen-reader-text",
                                 "screen-reader-only", "a11y-hidden", "u-visually-hidden", "element-invisible",
                                 "offscreen", "sr-only-focusable"})


def _screen_reader_only(el: Any) -> bool:
    cls = el.get("class") if hasattr(el, "get") else None
    return isinstance(cls, str) and not _SCREEN_READER_ONLY.isdisjoint(cls.split())


def _text_of(root: HtmlElement) -> str:
    """Walk the tree without recursion: blocks end lines, inline text joins as is, <pre> keeps its lines;
    text for screen readers only is not the page's visible text."""
    out: list[str] = []
    # (element, entering) pairs; on leaving an element its tail belongs to the parent's flow.
    stack: list[tuple[object, bool, bool]] = [(root, True, False)]
    while stack:
        el, entering, in_pre = stack.pop()
        tag = getattr(el, "tag", None)
        name = tag.lower() if isinstance(tag, str) else ""
        if entering:
            if not isinstance(tag, str) or name in _DROP_TAGS or _screen_reader_only(el):
                tail = getattr(el, "tail", None)
                if tail:
                    out.append(tail if in_pre else tail.replace("\n", " ").replace("\r", " "))
                continue
            block = name in _BLOCK_TAGS
            pre = in_pre or name in ("pre", "listing", "plaintext", "xmp", "textarea")
            if block:
                out.append("\n")
            stack.append((el, False, in_pre))
            text = el.text  # type: ignore[attr-defined]
            if text:
                out.append(text if pre else text.replace("\n", " ").replace("\r", " "))
            children = list(el)  # type: ignore[call-overload]
            for child in reversed(children):
                stack.append((child, True, pre))
        else:
            if name in _BLOCK_TAGS:
                out.append("\n")
            tail = el.tail  # type: ignore[attr-defined]
            if tail:
                out.append(tail if in_pre else tail.replace("\n", " ").replace("\r", " "))
    lines = (_HSPACE.sub(" ", line).strip() for line in "".join(out).split("\n"))
    return "\n".join(line for line in lines if line)


_DROP_RE = re.compile(r"<!--.*?-->|<(" + "|".join(sorted(_DROP_TAGS)) + r")\b[^>]*>.*?</\1\s*>", re.I | re.S)
_BLOCK_RE = re.compile(r"</?(?:" + "|".join(sorted(_BLOCK_TAGS)) + r")\b[^>]*>", re.I)
_TAG_RE = re.compile(r"<[^>]*>")


def _text_by_regex(html: str) -> str:
    """Tag stripping without a parser, for markup libxml2 gives up on (nesting past its depth limit)."""
    import html as htmllib

    t = _DROP_RE.sub(" ", html).replace("\r", " ").replace("\n", " ")
    t = htmllib.unescape(_TAG_RE.sub("", _BLOCK_RE.sub("\n", t)))
    lines = (_HSPACE.sub(" ", line).strip() for line in t.split("\n"))
    return _clean_chars("\n".join(line for line in lines if line))


@dataclass
class _Read:
    text: str  # the visible text
    size: int  # the parsed tree's element count (the cost driver for main-text extraction)
    title: str | None
    published: list[str] = field(default_factory=list)  # article bodies from the page's structured data
    paywall: str | None = None  # the page's own mark that its text is for subscribers (see _paywall)
    served: bool | None = None  # whether the paywalled part was served all the same (see _part_served)


def _read_html(html: str) -> _Read:
    """Visible text, element count, title and the structured data's article bodies of a page."""
    if not html:
        return _Read("", 0, None)
    html = html[:_MAX_HTML_CHARS]
    root = _parse_html(html)
    text, size, published, wall = "", 0, [], None
    if root is not None:
        try:
            text = _clean_chars(_text_of(root))
            size = sum(1 for _ in root.iter())
            data = _ld_data(root)
            published, wall = _article_bodies(data), _paywall(root, data)
        except Exception:  # a pathological tree still must not raise
            text = ""
    if not text and re.search(r">[^<]*\w", html):
        try:
            text = _text_by_regex(html)
        except Exception:
            text = ""
        size = max(size, html.count("<"))
    read = _Read(text, size, _title_of(root), published)
    if wall is not None and root is not None:
        read.paywall = wall[0]
        read.served = _part_served(root, wall[1])
    return read


def visible_text(html: str) -> str:
    """The page's full visible text: blocks on their own lines, inline elements joined without spaces."""
    return _read_html(html).text


# ---------------------------------------------------------------- structured data
# News sites publish the article's whole text as schema.org structured data (JSON-LD
# `articleBody`) for search engines and readers' apps, often also when the visible page shows
# only its first paragraphs behind a paywall or writes the rest with scripts. It is the
# publisher's own text of the article, so quotes are looked for in it too (after the page's text).

_LD_MAX_CHARS = 5_000_000  # one script's JSON read at most
_LD_MAX_DEPTH = 8
_LD_KEYS = ("@graph", "mainEntity", "mainEntityOfPage", "liveBlogUpdate", "hasPart", "itemListElement", "item")


def ld_json_texts(root: Any) -> Iterator[str]:
    """The text of each JSON-LD script of a parsed document (lxml.html or lxml.etree), in order."""
    for el in root.iter("script"):
        if (el.get("type") or "").split(";")[0].strip().lower() == "application/ld+json" and el.text:
            yield el.text


def _ld_data(root: HtmlElement) -> list[object]:
    """The page's JSON-LD scripts, parsed (those that do not parse, or are too long, left out)."""
    import json

    out: list[object] = []
    for raw in ld_json_texts(root):
        if not raw.strip() or len(raw) > _LD_MAX_CHARS:
            continue
        try:
            out.append(json.loads(raw))
        except (ValueError, RecursionError):
            continue
    return out


def _ld_nodes(node: object, depth: int = 0) -> Iterator[dict[str, Any]]:
    """Every object of a JSON-LD document reached through the keys articles nest under."""
    if depth > _LD_MAX_DEPTH:
        return
    if isinstance(node, list):
        for item in node[:500]:
            yield from _ld_nodes(item, depth + 1)
    elif isinstance(node, dict):
        yield node
        for key in _LD_KEYS:
            if key in node:
                yield from _ld_nodes(node[key], depth + 1)


def _article_bodies(data: list[object]) -> list[str]:
    """The `articleBody` texts of the page's JSON-LD, in document order, as plain text."""
    out = [body for doc in data for node in _ld_nodes(doc)
           if isinstance(body := node.get("articleBody"), str) and body.strip()]
    return [b for b in (_plain(x) for x in out) if b]


_NOT_FREE = frozenset({"false", "no", "0"})


#: words the paywalled part (Google's `cssSelector`) must hold in the page as served for the page to
#: count as read whole; or else the main text it must have (a teaser is a few paragraphs)
SERVED_PART_WORDS = 40
SERVED_PAGE_WORDS = 300
_SIMPLE = re.compile(r"([a-zA-Z][\w-]*)?((?:[.#][\w-]+)*)")


def _paywall(root: HtmlElement, data: list[object]) -> tuple[str, list[str]] | None:
    """The page's own word that its text is for subscribers, and the CSS selectors of the parts it
    says are paywalled: schema.org's `isAccessibleForFree` false (Google's markup for paywalled
    content, on the article or a part of it) or Open Graph's `article:content_tier` "locked".
    Wording alone ("subscribe to continue") is not taken: a newsletter box says it too; wording
    beside a paywall vendor's own script is (_metered)."""
    found: str | None = None
    selectors: list[str] = []
    for doc in data:
        for node in _ld_nodes(doc):
            free = node.get("isAccessibleForFree")
            if free is False or (isinstance(free, str) and free.strip().lower() in _NOT_FREE):
                found = "isAccessibleForFree: false"
                sel = node.get("cssSelector")
                selectors += [x for x in (sel if isinstance(sel, list) else [sel]) if isinstance(x, str)]
    if found is None:
        for meta in root.iter("meta"):
            if (meta.get("property") or meta.get("name") or "").strip().lower() == "article:content_tier" \
                    and (meta.get("content") or "").strip().lower() == "locked":
                found = "article:content_tier: locked"
    found = found or _metered(root)
    return (found, selectors) if found else None


#: paywall services whose script a metered site loads (Piano/Tinypass, Poool, Zephr, Laterpay, Pelcro)
_PAYWALL_SCRIPTS = ("tinypass.com", "piano.io", "poool.fr", "zephr.com", "laterpay.net", "pelcro.com",
                    "cdn.cxense.com/cx.cce", "paywall.js")
#: what such a wall says where the article stops
_WALL_WORDING = re.compile(
    r"(?:reached|used up|hit) (?:your|the) (?:limit|maximum) of (?:free |complimentary )?(?:articles|stories)|"
    r"subscribe (?:now )?to (?:continue|keep) reading|to (?:continue|keep) reading,? (?:please )?(?:subscribe|"
    r"sign in|log in|become a (?:subscriber|member))|this (?:article|story) is (?:for|available to) "
    r"(?:subscribers|members) only|free articles? (?:left|remaining) this month", re.I)


def _metered(root: HtmlElement) -> str | None:
    """A metered paywall with no markup: a paywall service's script on the page and its wording
    in the page's visible text; the service named."""
    vendor = next((v for el in root.iter("script") for v in _PAYWALL_SCRIPTS if v in (el.get("src") or "").lower()),
                  None)
    if vendor is None:
        return None
    shown = " ".join(t for t in root.xpath("//body//text()[not(ancestor::script) and not(ancestor::style)]"))
    return f"a {vendor} paywall's notice" if _WALL_WORDING.search(shown) else None


def _selector_xpath(selector: str) -> str | None:
    """The XPath of a CSS selector made of tags, classes and ids with descendant steps
    (".paywall", "main .article-page", "div#body.locked"); None for anything else."""
    steps = []
    for part in selector.split():
        m = _SIMPLE.fullmatch(part)
        if m is None or not part:
            return None
        tests = [f"contains(concat(' ', normalize-space(@class), ' '), ' {x[1:]} ')" if x[0] == "." else f"@id='{x[1:]}'"
                 for x in re.findall(r"[.#][\w-]+", m.group(2))]
        steps.append((m.group(1) or "*") + "".join(f"[{t}]" for t in tests))
    return "//" + "//".join(steps) if steps else None


def _part_served(root: HtmlElement, selectors: list[str]) -> bool | None:
    """Whether a page marked paywalled still carries its paywalled part as served (many sites send
    the whole article and hide it in the browser): the parts its selectors name hold text. None
    when no selector can be read (with a False or None, the main text's length decides:
    extract_html)."""
    paths = [x for sel in selectors for one in sel.split(",") if (x := _selector_xpath(one.strip()))]
    if not paths:
        return None
    return sum(len(el.text_content().split()) for path in paths for el in root.xpath(path)[:50]) >= SERVED_PART_WORDS


def _plain(body: str) -> str:
    """An articleBody as text: entities decoded, markup (some sites put HTML there) read by the parser."""
    import html as htmllib

    body = htmllib.unescape(body)  # entities first: some sites encode the markup they put there
    if "<" in body and ">" in body:
        root = _parse_html(body)
        body = _text_of(root) if root is not None else body
    body = _clean_chars(body)
    lines = (_HSPACE.sub(" ", line).strip() for line in body.split("\n"))
    return "\n".join(line for line in lines if line)


_SHOWN_PROBE = 120  # letters at each end of a body looked for in the page's text


def _not_on_page(bodies: list[str], page_text: str) -> list[str]:
    """The bodies the page's text does not already hold: the letters (spacing, punctuation and
    case aside) of a body's start and of its end both found there means the page shows it."""
    if not bodies:
        return []  # most pages publish no structured body: the page's text is not read again
    shown = squash(page_text)
    out: list[str] = []
    seen: set[str] = set()
    for b in bodies:
        sb = squash(b)
        if sb and not (sb[:_SHOWN_PROBE] in shown and sb[-_SHOWN_PROBE:] in shown) and sb not in seen:
            out.append(b)
            seen.add(sb)
    return out


# ---------------------------------------------------------------- HTML

def _title_of(root: HtmlElement | None) -> str | None:
    """The document's <title>, read from the parsed tree (not an <svg>'s title, not a comment's)."""
    if root is None:
        return None
    found = root.xpath("//title[not(ancestor::svg)]")
    if not found:
        return None
    t = re.sub(r"\s+", " ", _clean_chars(found[0].text_content())).strip()
    return t or None


#: The metadata pass is kept for the page's title; its date search is not: with htmldate's extensive
#: search, dateparser tries every locale's patterns on stray text (56 s for one 35 KB Spanish page),
#: and verifier never uses the date.
_NO_DATE_SEARCH = {"extensive_search": False, "original_date": False}


def _main_text(html: str, url: str | None) -> tuple[str, str | None]:
    """trafilatura's main text (paragraphs on their own lines) and its title; ("", None) when it finds none."""
    try:
        import trafilatura

        doc = trafilatura.bare_extraction(
            _clean_chars(html), url=url, include_comments=False, include_tables=True,
            favor_precision=False, deduplicate=False, with_metadata=True,
            date_extraction_params=_NO_DATE_SEARCH)
    except Exception:  # trafilatura on hostile markup: fall back to the visible text
        return "", None
    if doc is None:
        return "", None
    text = getattr(doc, "text", None) or ""
    title = getattr(doc, "title", None)
    lines = (_HSPACE.sub(" ", line).strip() for line in text.split("\n"))
    return "\n".join(line for line in lines if line), title or None


def extract_html(html: str, url: str | None = None, *, max_main_elements: int = 25_000) -> SourceText:
    """Main text, then "\n\n" and the page's whole visible text (a caption or sidebar quote is still found),
    then the structured data's article bodies the page's text lacks (a paywalled or script-written body).

    Pages over max_main_elements elements skip trafilatura (seconds per MB on huge trees): text is
    then the visible text alone and main_end is None.
    """
    read = _read_html(html)
    full, size, page_title = read.text, read.size, read.title
    if not full and not read.published:
        return SourceText(text="", title=page_title)
    main, title = _main_text(html, url) if full and size <= max_main_elements else ("", None)
    title = title or page_title
    tail = "".join("\n\n" + b for b in _not_on_page(read.published, main + "\n" + full))
    # a paywalled page whose structured data holds nothing beyond its visible text shows only its free part
    # a selector that finds nothing proves little (the site's markup may differ from its claim): a
    # page counts as cut only when the named part is not there and its main text is short as well
    served = bool(read.served) or len((main or full).split()) >= SERVED_PAGE_WORDS
    partial = f"paywalled ({read.paywall}): only the page's free part could be read" \
        if read.paywall and not served and not _not_on_page(read.published, full) else None
    if not main:
        return SourceText(text=(full + tail).lstrip("\n"), title=title, main_end=None, partial=partial)
    return SourceText(text=main + "\n\n" + full + tail, title=title, main_end=len(main), partial=partial)


# ---------------------------------------------------------------- PDF

_DIGITS = re.compile(r"\d+")
_WS = re.compile(r"\s+")
_RUN_PAGES = 3  # consecutive pages that make an edge line a running head
_EDGE_LINES = 3  # lines at each end of a page that may be a running header or footer


def _edge_key(line: str) -> str:
    return _WS.sub(" ", _DIGITS.sub("#", line)).strip().lower()


#: a line that is only a page's number: "12", "Page 12", "- 12 -", "12 of 40", "xiv"
_PAGE_NUMBER = re.compile(r"(?:page\s+)?[-–—(\[]?\s*\d{1,4}\s*[-–—)\]]?(?:\s*(?:of|/)\s*\d{1,4})?"
                          r"|(?=[ivxlc])c{0,3}(?:xc|xl|l?x{0,3})(?:ix|iv|v?i{0,3})", re.I)


def _strip_running(pages: list[list[str]]) -> list[list[str]]:
    """Drop running headers/footers from the first/last three lines of each page (documents of >= 2 pages),
    so that a passage running over a page break reads on as it does on paper.

    Running: digits aside, the line stands at a page edge on >= 40% of the pages (title, page
    numbers), or on >= 3 pages in a row (a section's running head, which changes by chapter). In a
    document of two or three pages: the same line at an edge of every page, when the pages (the
    last aside) are long enough to have a body between their edges. A line that is only a page number is one too.
    """
    n = len(pages)
    if n < 2:
        return pages
    counts: dict[str, int] = {}
    run: dict[str, int] = {}
    best_run: dict[str, int] = {}
    prev: set[str] = set()
    for lines in pages:
        edge = lines[:_EDGE_LINES] + lines[-_EDGE_LINES:]
        for k in {_edge_key(x) for x in edge} - {""}:
            counts[k] = counts.get(k, 0) + 1
        # Runs compare lines as they are: templated body lines differing only in numbers stay.
        exact = {_WS.sub(" ", x).strip().lower() for x in edge} - {""}
        for k in exact:
            run[k] = run.get(k, 0) + 1 if k in prev else 1
            best_run[k] = max(best_run.get(k, 0), run[k])
        prev = exact
    if n >= 4:
        running = {k for k, c in counts.items() if c >= max(2, int(0.4 * n + 0.999))}
        running_exact = {k for k, r in best_run.items() if r >= _RUN_PAGES}
    else:  # few pages: little to tell a heading from a running head by
        running = set()
        bodied = all(len(lines) > 2 * _EDGE_LINES for lines in pages[:-1])  # the last page may be short
        running_exact = {k for k, r in best_run.items() if r == n} if bodied else set()

    def is_running(line: str) -> bool:
        return (_edge_key(line) in running or _WS.sub(" ", line).strip().lower() in running_exact
                or _PAGE_NUMBER.fullmatch(line.strip()) is not None)

    out = []
    for lines in pages:
        lines = list(lines)
        for _ in range(_EDGE_LINES):  # peel from the top while the edge line is a running one
            if lines and is_running(lines[0]):
                lines.pop(0)
        for _ in range(_EDGE_LINES):
            if lines and is_running(lines[-1]):
                lines.pop()
        out.append(lines)
    return out


PdfSource = bytes | str | os.PathLike[str]
#: the OCR hook: (1-based pages, the PDF as given) -> page texts; verifier.documents.ocr.make_ocr builds one
OcrFn = Callable[[list[int], PdfSource], dict[int, str]]

#: a text layer with fewer letters than this on a page is no text layer (a scan with a stamp)
MIN_LAYER_LETTERS = 25
#: or with letters making up less than this share of its visible characters (a broken font map)
MIN_LETTER_SHARE = 0.5
_FUZZY_HEAD = 85.0  # rapidfuzz ratio for two OCR readings of one short running header
_FUZZY_HEAD_LONG = 65.0  # ... of one long one (>= 25 letters: "Atterney-WeorkProduet // May CeAtaiA ...")


def usable_layer(text: str) -> bool:
    """Whether a page's text layer is real text: enough letters, and mostly letters, not
    replacement characters, private-use glyphs or punctuation soup from a broken font."""
    vis = [c for c in text if not c.isspace()]
    letters = sum(1 for c in vis if c.isalpha() and not ("\ue000" <= c <= "\uf8ff"))
    return letters >= MIN_LAYER_LETTERS and letters >= MIN_LETTER_SHARE * len(vis)


@dataclass
class PdfText:
    """What extract_pdf learnt about a PDF, beyond the SourceText."""

    source: SourceText
    page_count: int = 0  # pages read (max_pages caps it)
    no_text: list[int] = field(default_factory=list)  # 1-based pages left without any text
    scanned: list[int] = field(default_factory=list)  # pages without a usable text layer
    ocr_pages: list[int] = field(default_factory=list)  # pages whose text came from OCR
    ocr_error: str | None = None  # the OCR hook raised (tesseract missing, ...)


def scan_note(pdf: PdfText, ocr_ran: bool) -> str | None:
    """A line for the snapshot's error/note when a scanned PDF's pages could not be read."""
    missing = [p for p in pdf.scanned if p not in pdf.ocr_pages]
    if not missing:
        return None
    if not ocr_ran:
        return "scanned PDF: OCR unavailable (install tesseract-ocr)"
    pages = _page_list(missing)
    if pdf.ocr_error:
        return f"scanned PDF: OCR failed ({pdf.ocr_error}); pages without text: {pages}"
    return f"scanned PDF: OCR gave no text for pages {pages}"


def _page_list(pages: list[int], limit: int = 12) -> str:
    runs: list[str] = []
    i = 0
    while i < len(pages):
        j = i
        while j + 1 < len(pages) and pages[j + 1] == pages[j] + 1:
            j += 1
        runs.append(str(pages[i]) if i == j else f"{pages[i]}-{pages[j]}")
        i = j + 1
    return ", ".join(runs[:limit]) + (", ..." if len(runs) > limit else "")


def _strip_running_ocr(pages: list[list[str]], ocr_pages: set[int]) -> list[list[str]]:
    """Running heads of OCR pages, matched loosely: each OCR reading garbles them differently
    ("Atterney-WeorkProduet"), so an edge line whose letters are >= 85% like (65% for lines of 25+
    letters) edge lines on >= 40% of the OCR pages is dropped. On the DOJ release's 448 OCR'd pages
    this drops 844 header lines and no body line (the exact rule alone: 448)."""
    if len(ocr_pages) < 4:
        return pages
    from rapidfuzz import fuzz, process

    def key(line: str) -> str:
        return "".join(c for c in line.casefold() if c.isalpha())

    edge: dict[str, set[int]] = {}
    for no in ocr_pages:
        lines = pages[no - 1]
        for x in lines[:_EDGE_LINES] + lines[-_EDGE_LINES:]:
            k = key(x)
            if len(k) >= 6:
                edge.setdefault(k, set()).add(no)
    keys = list(edge)
    if not keys:
        return pages
    need = max(3, int(0.4 * len(ocr_pages) + 0.999))
    running: set[str] = set()
    for k in keys:
        pgs: set[int] = set()
        cut = _FUZZY_HEAD_LONG if len(k) >= 25 else _FUZZY_HEAD
        for other, _, _ in process.extract(k, keys, scorer=fuzz.ratio, score_cutoff=cut, limit=None):
            pgs |= edge[other]
        if len(pgs) >= need:
            running.add(k)
    if not running:
        return pages
    out = []
    for no, lines in enumerate(pages, 1):
        lines = list(lines)
        if no in ocr_pages:
            for _ in range(_EDGE_LINES):
                if lines and key(lines[0]) in running:
                    lines.pop(0)
            for _ in range(_EDGE_LINES):
                if lines and key(lines[-1]) in running:
                    lines.pop()
        out.append(lines)
    return out


def layer_lines(t: str) -> list[str]:
    # pdfium marks a hyphen where it rejoined a word broken at a line end (U+FFFE, or 0x02): the
    # break goes back as "-\n", so the aligner's hyphenation rule sees it as on paper (a link's own
    # hyphen stays "-"), by the same rule as a PDF brief's (pdflayout.rejoin_breaks)
    t = rejoin_breaks(t.replace("\r\n", "\n").replace("\r", "\n"))
    t = _clean_chars(t)
    return [x.rstrip() for x in t.split("\n") if x.strip()]


def pdf_text(raw_pages: list[list[str]], scanned: list[int], title: str | None,
             got: dict[int, str] | None = None, ocr_error: str | None = None) -> PdfText:
    """A PDF's page lines (and OCR texts of its scanned pages, `got`) as page texts joined by
    "\n\n" with page offsets: an OCR text replaces a layer it beats, running heads and footers go.
    Pure: verifier.documents.pdf reads the pages and runs the OCR."""
    ocr_pages: list[int] = []
    if got:
        for no in scanned:
            lines = layer_lines(got.get(no) or "")
            have = sum(len(x) for x in raw_pages[no - 1])
            if lines and sum(len(x) for x in lines) > have:
                raw_pages[no - 1] = lines
                ocr_pages.append(no)
    pages = _strip_running(raw_pages)
    pages = _strip_running_ocr(pages, set(ocr_pages))
    parts: list[str] = []
    offsets: list[tuple[int, int]] = []
    empty: list[int] = []
    pos = 0
    for no, lines in enumerate(pages, 1):
        if no > 1:
            parts.append("\n\n")
            pos += 2
        offsets.append((pos, no))
        t = "\n".join(lines)
        if not raw_pages[no - 1]:
            empty.append(no)
        parts.append(t)
        pos += len(t)
    text = "".join(parts)
    src = SourceText(text=text if text.strip() else "", title=title, pages=offsets)
    return PdfText(src, len(raw_pages), empty, scanned, ocr_pages, ocr_error)


def extract_markup(data: bytes, kind: str, content_type: str | None, url: str | None = None, *,
                   max_html_elements: int = 25_000) -> SourceText:
    """Text of an HTML or plain-text body (kind from sniff_kind), with its decoding notes."""
    if kind == "html":
        decoded = decode_html_noted(data, content_type)
        src = extract_html(decoded.text, url, max_main_elements=max_html_elements)
        src.notes = list(decoded.notes)
        return src
    if kind == "text":
        decoded = decode_text_noted(data, content_type)
        text = _clean_chars(decoded.text)
        return SourceText(text=text if text.strip() else "", notes=list(decoded.notes))
    return SourceText(text="")
