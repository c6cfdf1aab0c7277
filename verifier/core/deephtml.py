"""HTML nested deeper than libxml2 allows, read whole.

Why: libxml2 stops building the tree at 256 levels (2,048 with its "huge" option) and drops
everything after that point, including what follows once the nesting closes: a brief nested
too deep loses its quotes without a word. When lxml reports that limit, the brief is parsed
again here with the standard library's tokenizer (which has no depth limit and builds no tree
of its own) into an lxml tree whose depth is capped: an element below the cap is not created,
its text flows into the deepest element that was, in document order. Elements that hide their
content (script, style…) stay hidden at any depth. Memory stays proportional to the output
tree, not to the nesting: the stack of open elements holds names only below the cap.
"""

from __future__ import annotations

import contextlib
import html.parser

import lxml.html
from lxml import etree

DEPTH_CAP = 400  # below the renderer's recursion budget, far above any real brief
_VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
                   "track", "wbr", "param", "keygen"})
_HIDDEN = frozenset({"script", "style", "noscript", "template", "head", "iframe", "object", "svg", "textarea"})
_CLOSES_P = frozenset({"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "ul", "ol", "dl", "table",
                       "section", "article", "header", "footer", "main", "aside", "pre", "figure", "hr", "form",
                       "address", "details", "fieldset", "center", "li", "dt", "dd", "tr", "td", "th"})
_SELF_CLOSING = frozenset({"li", "dt", "dd", "tr", "td", "th", "option"})  # a new one closes the open one
END_SEARCH = 1000  # how far down the open stack an end tag looks for its element


class _Open:
    __slots__ = ("el", "hidden", "name")

    def __init__(self, name: str, el: etree._Element | None, hidden: bool) -> None:
        self.name, self.el, self.hidden = name, el, hidden


class _CappedBuilder(html.parser.HTMLParser):
    """Tokens in, an lxml tree out, no element deeper than `cap`."""

    def __init__(self, cap: int) -> None:
        super().__init__(convert_charrefs=True)
        self.root = lxml.html.Element("html")
        self.cap = cap
        self.stack: list[_Open] = []
        self.targets: list[etree._Element] = [self.root]  # where the next child or text goes
        self.hidden = 0  # open flattened elements that hide their content
        self.pending: list[str] = []
        self.flattened = 0
        self.deepest = 0

    def _flush(self) -> None:
        if not self.pending:
            return
        s, self.pending = "".join(self.pending), []
        target = self.targets[-1]
        if len(target):
            last = target[-1]
            last.tail = (last.tail or "") + s
        else:
            target.text = (target.text or "") + s

    def _element(self, tag: str, attrs: list[tuple[str, str | None]]) -> etree._Element | None:
        if tag == "html" or len(self.targets) > self.cap:
            self.flattened += tag != "html"
            return None
        self._flush()
        try:
            el = etree.SubElement(self.targets[-1], tag)
        except ValueError:  # a name lxml cannot hold
            return None
        for k, v in attrs:
            with contextlib.suppress(ValueError):
                el.set(k, v or "")
        return el

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.stack and ((tag in _CLOSES_P and self.stack[-1].name == "p") or
                           (tag in _SELF_CLOSING and self.stack[-1].name == tag)):
            self._pop()
        el = self._element(tag, attrs)
        if tag in _VOID:
            return
        hidden = tag in _HIDDEN and el is None  # a created one is dropped by the renderer itself
        self.stack.append(_Open(tag, el, hidden))
        self.hidden += hidden
        if el is not None:
            self.targets.append(el)
        self.deepest = max(self.deepest, len(self.stack))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._element(tag, attrs)

    def _pop(self) -> None:
        top = self.stack.pop()
        self.hidden -= top.hidden
        if top.el is not None:
            self._flush()
            self.targets.pop()

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self.stack) - 1, max(-1, len(self.stack) - 1 - END_SEARCH), -1):
            if self.stack[i].name == tag:
                while len(self.stack) > i:
                    self._pop()
                return

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.pending.append(data)

    def finish(self) -> etree._Element:
        self.close()
        while self.stack:
            self._pop()
        self._flush()
        return self.root


def parse_capped(text: str, cap: int = DEPTH_CAP) -> tuple[etree._Element, str | None]:
    """An lxml tree of `text` at most `cap` elements deep, and a note when elements were flattened."""
    b = _CappedBuilder(cap)
    b.feed(text)
    root = b.finish()
    note = None
    if b.flattened:
        note = (f"the HTML was nested {b.deepest} levels deep; {b.flattened} elements below level {cap} were "
                f"read as plain text of the element above them")
    return root, note
