"""The WHATWG "prescan a byte stream to determine its encoding" algorithm (HTML §13.2.3.2).

Why the spec's byte-level algorithm and not a regex: it knows where comments, other tags and
attribute values end, so a `charset=` inside a comment, a script string or another attribute
is not taken for the page's charset, and `<meta http-equiv=content-type content=...>` counts
only with its pragma. Returns the label as found (lower-cased); mapping the label to a codec is
the charset table's job (verifier.core.decoding). Pure.
"""

from __future__ import annotations

#: how far into a body the prescan looks (the spec's 1024, widened as the old sniff did)
PRESCAN_BYTES = 4096
_WS = b"\t\n\x0c\r "
_LETTERS = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


class _Cursor:
    """The position pointer over the bytes, as the algorithm moves it."""

    def __init__(self, data: bytes) -> None:
        self.data, self.pos = data, 0

    def byte(self, offset: int = 0) -> bytes:
        return self.data[self.pos + offset:self.pos + offset + 1]

    def skip(self, chars: bytes) -> None:
        while self.byte() and self.byte() in chars:
            self.pos += 1


def _attribute_value(c: _Cursor) -> bytes:
    c.skip(_WS)
    quote = c.byte()
    if quote in (b'"', b"'"):
        c.pos += 1
        end = c.data.find(quote, c.pos)
        end = len(c.data) if end < 0 else end
        value, c.pos = c.data[c.pos:end], end + 1
        return value.lower()
    if quote == b">":
        return b""
    start = c.pos
    while c.byte() and c.byte() not in _WS + b">":
        c.pos += 1
    return c.data[start:c.pos].lower()


def _attribute(c: _Cursor) -> tuple[bytes, bytes] | None:
    """'Get an attribute': (name, value) lower-cased, or None at the tag's end."""
    c.skip(_WS + b"/")
    if not c.byte() or c.byte() == b">":
        return None
    start = c.pos
    c.pos += 1  # the first byte belongs to the name, even a '='
    while c.byte() and c.byte() not in _WS + b"/>=":
        c.pos += 1
    name = c.data[start:c.pos].lower()
    c.skip(_WS)
    if c.byte() != b"=":
        return name, b""
    c.pos += 1
    return name, _attribute_value(c)


def charset_in_content(value: bytes) -> bytes | None:
    """'Extract a character encoding from a meta element' (the content attribute's charset=)."""
    pos = 0
    while True:
        i = value.find(b"charset", pos)
        if i < 0:
            return None
        c = _Cursor(value)
        c.pos = i + 7
        c.skip(_WS)
        if c.byte() != b"=":
            pos = c.pos
            continue
        c.pos += 1
        c.skip(_WS)
        quote = c.byte()
        if quote in (b'"', b"'"):
            end = value.find(quote, c.pos + 1)
            return value[c.pos + 1:end] if end >= 0 else None
        start = c.pos
        while c.byte() and c.byte() not in _WS + b";":
            c.pos += 1
        return value[start:c.pos] or None


def _meta_charset(c: _Cursor) -> bytes | None:
    """The charset a <meta> states, the cursor after its name; None when it states none."""
    seen: set[bytes] = set()
    got_pragma, need_pragma, charset = False, None, None
    while (attr := _attribute(c)) is not None:
        name, value = attr
        if name in seen:
            continue
        seen.add(name)
        if name == b"http-equiv" and value == b"content-type":
            got_pragma = True
        elif name == b"content" and charset is None and (found := charset_in_content(value)):
            charset, need_pragma = found, True
        elif name == b"charset":
            charset, need_pragma = value, False
    if need_pragma is None or (need_pragma and not got_pragma):
        return None
    return charset


def _skip_tag(c: _Cursor) -> None:
    """Past an ordinary tag's name and attributes."""
    while c.byte() and c.byte() not in _WS + b"/>":
        c.pos += 1
    while _attribute(c) is not None:
        pass


def prescan_charset(data: bytes) -> str | None:
    """The charset label a document's first bytes declare in a <meta>, or None."""
    c = _Cursor(data[:PRESCAN_BYTES])
    while c.pos < len(c.data):
        rest = c.data[c.pos:c.pos + 6]
        if rest.startswith(b"<!--"):
            end = c.data.find(b"-->", c.pos + 2)
            c.pos = len(c.data) if end < 0 else end + 3
            continue
        if rest[:5].lower() == b"<meta" and rest[5:6] and rest[5:6] in _WS + b"/":
            c.pos += 6
            found = _meta_charset(c)
            if found and found.strip(_WS):
                return found.strip(_WS).decode("latin-1")
        elif rest[:1] == b"<" and ((rest[1:2] in _LETTERS and rest[1:2])
                                   or (rest[1:2] == b"/" and rest[2:3] and rest[2:3] in _LETTERS)):
            c.pos += 2
            _skip_tag(c)
        elif rest[:2] in (b"<!", b"</", b"<?"):
            end = c.data.find(b">", c.pos + 2)
            c.pos = len(c.data) if end < 0 else end + 1
            continue
        c.pos += 1
    return None
