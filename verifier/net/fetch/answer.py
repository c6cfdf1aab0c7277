"""One HTTP answer as the fetcher reads it, the body being downloaded, and the headers kept.

Why: the redirect loop, the retry loop and the classifier all look at the same few facts of an
answer (code, kept headers, cookies, the body's first bytes); this is that value.
"""

from __future__ import annotations

import contextlib
import os
import re
from dataclasses import dataclass, field

import httpx

from verifier.core.classify import NOT_FOUND_CODES, Page, is_html, is_wall_header, read_page, text_page
from verifier.net.fetch.decoders import PAGE_SCAN_BYTES, BoundedDecoder

#: a download cut after at least this many raw bytes resumes with a Range request when it can
RESUME_MIN_BYTES = 1_000_000
KEPT_HEADERS = frozenset({
    "content-type", "content-length", "content-encoding", "content-language", "content-disposition",
    "etag", "last-modified", "location", "retry-after", "server", "date", "cache-control", "expires",
    "age", "x-robots-tag", "link", "refresh", "cf-mitigated", "www-authenticate", "accept-ranges",
    "content-range",
})
_KEPT_RAW = {k.encode(): k for k in KEPT_HEADERS}
CONTENT_RANGE = re.compile(r"^\s*bytes\s+(\d+)-(\d+)/(\d+|\*)\s*$", re.I)


@dataclass
class Answer:
    url: str
    status_code: int
    headers: dict[str, str]
    set_cookies: list[str]
    header_list: list[tuple[str, str]] = field(default_factory=list)  # every header, in order, as sent
    body: bytes = b""
    body_path: str | None = None
    head: bytes = b""  # the first PAGE_SCAN_BYTES of the body, wherever the body is
    body_size: int = 0
    too_large: bool = False
    content_type: str = ""
    declared: str | None = None
    retry_after: float | None = None
    _page: Page | None = field(default=None, repr=False)
    _read: bool = field(default=False, repr=False)

    def page(self) -> Page | None:
        """The page as the classifier reads it (read once, on demand), or None where it cannot
        change the status: a 404/410 is not_found whatever it says, and a type with no text."""
        if not self._read:
            page: Page | None = None
            ok = 200 <= self.status_code < 300
            if self.status_code in NOT_FOUND_CODES:
                page = None  # 404/410 are not_found whatever they say
            elif is_html(self.content_type) or (not ok and b"<" in self.head[:2048]):
                page = read_page(self.head, self.declared)
                page.complete = self.body_size <= PAGE_SCAN_BYTES
            elif self.content_type.startswith("text/"):
                page = text_page(self.head, self.declared)
            self._page, self._read = page, True
        return self._page

    def discard(self) -> None:
        if self.body_path:
            with contextlib.suppress(OSError):
                os.unlink(self.body_path)
            self.body_path = None


@dataclass
class Partial:
    """A 2xx body being downloaded: what a Range request needs to carry on where it stopped."""

    answer: Answer
    decoder: BoundedDecoder
    raw_bytes: int = 0  # bytes received as sent (before decoding): the Range offset
    validator: str | None = None  # for If-Range: a strong ETag, else Last-Modified
    must_be_pdf: bool = False  # over the cap of its declared (generic) type unless it is a PDF

    @property
    def resumable(self) -> bool:
        return self.answer.headers.get("accept-ranges", "").strip().lower() == "bytes" \
            and self.raw_bytes >= RESUME_MIN_BYTES

    def discard(self) -> None:
        self.decoder.sink.discard()




def _header_value(name: bytes, raw: bytes) -> str:
    """A header's value as text: bytes as Latin-1 (RFC 9110's historical reading), except a Location
    written in UTF-8, which every browser reads as UTF-8 ("/news/café" goes to /news/caf%C3%A9)."""
    if name.lower() == b"location":
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            pass
    return raw.decode("latin-1")


def keep_headers(headers: httpx.Headers) -> tuple[dict[str, str], list[str], list[tuple[str, str]]]:
    """From the raw list: the headers worth looking up (lower-cased names), the Set-Cookie values,
    and every header in order with duplicates (names as sent), the evidence a WARC record needs."""
    kept: dict[str, str] = {}
    cookies: list[str] = []
    every: list[tuple[str, str]] = []
    for k, v in headers.raw:
        value = _header_value(k, v)
        every.append((k.decode("latin-1"), value))
        name = _KEPT_RAW.get(k) or _KEPT_RAW.get(k.lower())
        if name is None and is_wall_header(k.decode("latin-1")):
            name = k.decode("latin-1").lower()  # a bot-wall vendor's header: evidence for the classifier
        if name is not None:
            kept[name] = value
        elif k.lower() == b"set-cookie":
            cookies.append(value)
    return kept, cookies, every
