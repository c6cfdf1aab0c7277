"""Bytes → text, and what kind of content bytes are: ONE charset table, ONE content sniffer.

Why one module: intake (briefs), classify (the fetcher's page reading) and extract (sources)
must agree on what a charset label means and what a body is; three sniffers drifted apart.
Encodings are decided by evidence: a BOM, then valid UTF-8, then a declared charset the bytes
do not contradict (the HTTP header, then the <meta> found by the WHATWG prescan), then
detection only when UTF-8 clearly fails; a body that is UTF-8 but for a few stray bytes is read
as UTF-8 with those replaced, and `decode_with_notes` says so. Pure: bytes in, values out.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

from verifier.core.prescan import PRESCAN_BYTES, prescan_charset

# ---------------------------------------------------------------- the charset table

# Labels browsers map to a superset (WHATWG encoding standard), or Python spells differently.
_LABEL_ALIASES = {
    "latin1": "cp1252", "latin-1": "cp1252", "iso-8859-1": "cp1252", "iso8859-1": "cp1252",
    "iso_8859-1": "cp1252", "l1": "cp1252", "ascii": "cp1252", "us-ascii": "cp1252",
    "x-user-defined": "cp1252", "iso-8859-9": "cp1254", "iso8859-9": "cp1254",
    "tis-620": "cp874", "iso-8859-11": "cp874", "gb2312": "gb18030", "gbk": "gb18030",
    "x-gbk": "gb18030", "shift_jis": "cp932", "shift-jis": "cp932", "sjis": "cp932",
    "x-sjis": "cp932", "windows-31j": "cp932", "euc-kr": "cp949", "ks_c_5601-1987": "cp949",
    "big5": "big5hkscs", "utf8": "utf-8", "unicode-1-1-utf-8": "utf-8", "x-cp1251": "cp1251",
    "x-cp1250": "cp1250",
}
_BOMS = [(codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF32_LE, "utf-32-le"),
         (codecs.BOM_UTF32_BE, "utf-32-be"), (codecs.BOM_UTF16_LE, "utf-16-le"),
         (codecs.BOM_UTF16_BE, "utf-16-be")]
_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?\s*([^\s\"';,]+)", re.I)
_DETECT_PREFIX = 64_000


def _codec(label: str | None) -> str | None:
    """A Python codec name for a charset label, or None when the label is unknown or bogus."""
    if not label:
        return None
    label = label.strip().strip("\"'").lower()
    label = _LABEL_ALIASES.get(label, label)
    try:
        info = codecs.lookup(label)
    except (LookupError, ValueError):
        return None
    # Not text encodings (base64, rot13...) are bogus as a page charset.
    if not getattr(info, "_is_text_encoding", True):
        return None
    return info.name


def _header_codec(content_type: str | None) -> str | None:
    if not content_type:
        return None
    m = _HEADER_CHARSET.search(content_type)
    return _codec(m.group(1)) if m else None


def _bom(body: bytes) -> tuple[str, int] | None:
    for bom, name in _BOMS:
        if body.startswith(bom):
            return name, len(bom)
    return None


def _utf8_fits(body: bytes) -> bool:
    """True when the body is UTF-8 (a sequence cut at the end of a truncated body is forgiven)."""
    try:
        body.decode("utf-8")
        return True
    except UnicodeDecodeError as e:
        return e.start >= len(body) - 3 and e.reason == "unexpected end of data"


def _declared_ok(body: bytes, codec: str) -> bool:
    """A declared UTF-8 that the bytes contradict is a lie (common on CMS pages); others are trusted."""
    if codec != "utf-8":
        return True
    return _utf8_fits(body) or body.decode("utf-8", "replace").count("\ufffd") <= max(2, len(body) // 2000)


# Single-byte Latin codecs that detection confuses on short text; windows-1252 (the web's
# Western default) is taken instead whenever it decodes the bytes cleanly.
_LATIN_FAMILY = frozenset({"cp1250", "cp1252", "cp1254", "cp1257", "iso8859-1", "iso8859-2", "iso8859-3",
                           "iso8859-4", "iso8859-9", "iso8859-10", "iso8859-13", "iso8859-14",
                           "iso8859-15", "iso8859-16", "mac-latin2", "mac-roman", "cp850", "cp775"})


def _detect(body: bytes) -> str | None:
    try:
        from charset_normalizer import from_bytes

        best = from_bytes(body[:_DETECT_PREFIX]).best()
    except Exception:  # detection is a guess; never let it raise
        return None
    codec = _codec(best.encoding) if best is not None else None
    if codec in _LATIN_FAMILY:
        try:
            body[:_DETECT_PREFIX].decode("cp1252")
            return "cp1252"
        except UnicodeDecodeError:
            pass
    return codec


def _decode(body: bytes, codec: str) -> str:
    try:
        return body.decode(codec, "replace")
    except Exception:  # a codec that cannot even decode with replacement
        return body.decode("utf-8", "replace")


@dataclass(frozen=True)
class Decoded:
    """Decoded text, and the warnings its decoding earned (bytes replaced, a guessed charset)."""

    text: str
    notes: tuple[str, ...] = ()


def _replaced_note(count: int) -> str:
    return f"{count} byte sequence{'s' if count != 1 else ''} not valid UTF-8 replaced with U+FFFD"


def _as_utf8(body: bytes) -> Decoded:
    """UTF-8 with replacement, noting how many sequences were replaced."""
    text = body.decode("utf-8", "replace")
    bad = text.count("\ufffd") - body.count("\ufffd".encode())
    return Decoded(text, (_replaced_note(bad),) if bad > 0 else ())


def _mostly_utf8(body: bytes) -> bool:
    """UTF-8 but for a few stray bytes: few invalid sequences, and more valid multi-byte
    characters than invalid ones (a legacy single-byte text has none valid)."""
    text = body.decode("utf-8", "replace")
    bad = text.count("\ufffd")
    non_ascii = len(text) - len(text.encode("ascii", "ignore"))
    return 0 < bad <= max(3, len(body) // 1000) and non_ascii - bad >= bad


def _declared(body: bytes, content_type: str | None, meta: bool) -> str | None:
    """The charset the HTTP header (then, for HTML, the <meta>) declares, if the bytes agree."""
    codec = _header_codec(content_type)
    if codec and _declared_ok(body, codec):
        return codec
    if meta:
        label = prescan_charset(body[:PRESCAN_BYTES])
        codec = _codec(label) if label else None
        if codec and codec.startswith("utf-16"):
            codec = "utf-8"  # a meta tag readable as ASCII cannot be UTF-16
        if codec and _declared_ok(body, codec):
            return codec
    return None


def _decode_chain(body: bytes, content_type: str | None, meta: bool) -> Decoded:
    bom = _bom(body)
    if bom:  # a BOM is the strongest statement a body can make (browsers put it first too)
        return Decoded(_decode(body[bom[1]:], bom[0]))
    if _utf8_fits(body) and not body.isascii():
        # Valid multi-byte UTF-8 is almost never an accident: it beats a declared legacy charset,
        # the usual mislabel being "iso-8859-1" on a UTF-8 page.
        return Decoded(body.decode("utf-8", "replace"))
    codec = _declared(body, content_type, meta)
    if codec == "utf-8":
        return _as_utf8(body)
    if codec:
        return Decoded(_decode(body, codec))
    if body.isascii():
        return Decoded(body.decode("ascii"))
    if _mostly_utf8(body):  # evidence first: a detector only when UTF-8 clearly fails
        return _as_utf8(body)
    codec = _detect(body)
    if codec:
        return Decoded(_decode(body, codec), (f"no charset declared; read as {codec} by detection",))
    return _as_utf8(body)


def decode_html_noted(body: bytes, content_type: str | None) -> Decoded:
    """HTML bytes as text with notes: BOM, UTF-8, header charset, <meta> charset (WHATWG prescan),
    UTF-8 but for a few bytes, detection, UTF-8 with replacement."""
    return _decode_chain(body or b"", content_type, meta=True)


def decode_text_noted(body: bytes, content_type: str | None) -> Decoded:
    """Plain-text bytes as text with notes: as decode_html_noted, without the <meta>."""
    return _decode_chain(body or b"", content_type, meta=False)


def decode_html(body: bytes, content_type: str | None) -> str:
    """HTML bytes as text (decode_html_noted without its notes)."""
    return decode_html_noted(body, content_type).text


def decode_text(body: bytes, content_type: str | None) -> str:
    """Plain-text bytes as text (decode_text_noted without its notes)."""
    return decode_text_noted(body, content_type).text


# ---------------------------------------------------------------- the content sniffer

GENERIC_TYPES = frozenset({
    "", "application/octet-stream", "binary/octet-stream", "application/unknown", "application/x-unknown",
    "application/download", "application/force-download", "application/x-download", "text/plain",
})
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"PK\x03\x04", "application/zip"),
    (b"\x1f\x8b", "application/gzip"),
    (b"OggS", "audio/ogg"),
    (b"ID3", "audio/mpeg"),
    (b"\x1aE\xdf\xa3", "video/webm"),
)
_HTML_START = re.compile(rb"^\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body|title|meta)\b", re.I | re.S)
_HTML_TAG = re.compile(rb"<(?:!doctype\s+html|html|head|body|title|meta|p|div|article)[\s>/]", re.I)
_HTML_TYPES = ("text/html", "application/xhtml+xml", "application/vnd.wap.xhtml+xml")
_PDF_TYPES = ("application/pdf", "application/x-pdf", "application/acrobat")
_XML_TYPES = ("text/xml", "application/xml")
_TEXT_SUFFIXES = ("+json", "+xml")
_TEXT_TYPES = ("application/json", "application/xml", "application/javascript", "application/x-javascript",
               "application/ld+json", "application/rtf")
_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


def _head(body: bytes) -> bytes:
    return body[:1024].lstrip(b"\xef\xbb\xbf \t\r\n\x00")


def _looks_html(head: bytes) -> bool:
    """Markup at the start (after comments), or an <html> tag near it."""
    if _HTML_START.match(head) or b"<html" in head.lower():
        return True
    return head.startswith(b"<") and bool(_HTML_TAG.search(head[:512]))


def _is_pdf(body: bytes, head: bytes) -> bool:
    """PDF magic at the start, or within the first KB (readers accept leading junk) of a body that
    is not a page of markup (an HTML page may mention "%PDF-" in its text)."""
    return head.startswith(b"%PDF-") or (b"%PDF-" in body[:1024] and not _looks_html(head))


def sniff_type(declared: str | None, body: bytes) -> str:
    """The effective MIME type: the declared one unless it is missing, generic or plainly wrong
    (PDF magic wins over any label: servers mislabel PDFs as HTML, octet streams, even images)."""
    mime = _mime_of(declared)
    head = _head(body)
    if _is_pdf(body, head):
        return "application/pdf"
    if mime not in GENERIC_TYPES:
        return mime
    raw = body[:1024].lstrip(b"\xef\xbb\xbf")
    for magic, kind in _MAGIC:
        if raw.startswith(magic):
            return kind
    if raw[:4] == b"RIFF" and raw[8:12] == b"WEBP":
        return "image/webp"
    if raw[4:8] == b"ftyp":
        return "video/mp4"
    if _looks_html(head):
        return "text/html"
    if body.startswith(_UTF16_BOMS):
        return "text/plain"
    if mime == "text/plain" or (raw.strip() and b"\x00" not in raw):
        return "text/plain"
    return mime or "application/octet-stream"


def _mime_of(content_type: str | None) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()


def sniff_kind(body: bytes, content_type: str | None) -> str:
    """"html", "pdf", "text" or "binary": how to read a body, from the one sniffer's MIME type."""
    mime = sniff_type(content_type, body)
    if mime in _PDF_TYPES:
        return "pdf"
    if mime in _HTML_TYPES or (mime in _XML_TYPES and _looks_html(_head(body))):
        return "html"  # XHTML served as XML
    if mime.startswith("text/") or mime in _TEXT_TYPES or mime.endswith(_TEXT_SUFFIXES):
        return "text"
    if mime in GENERIC_TYPES:  # what the sniffer left generic: empty, or bytes with NULs
        return "binary" if b"\x00" in body[:1024] else "text"
    return "binary"  # image/*, audio/*, video/*, fonts, archives, office files


