"""Reading one answer's body: the cap for its type, streaming through the bounded decoder,
spooling a large body to disk, and carrying on a cut download with a Range request.

Why its own step: the size policy (a PDF may be larger than a page; an error page is read only
as far as a challenge is recognisable) and resuming are about the body alone, not the hop.
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from verifier.core.classify import mime_of
from verifier.core.decoding import GENERIC_TYPES, sniff_type
from verifier.core.statuses import LinkStatus
from verifier.net.fetch.answer import CONTENT_RANGE, Answer, Partial, keep_headers
from verifier.net.fetch.decoders import DECODE_ERRORS, PAGE_SCAN_BYTES, BodyTooLarge, BoundedDecoder, Sink
from verifier.net.fetch.failures import Failure, translate
from verifier.net.fetch.redirects import REDIRECT_CODES
from verifier.net.fetch.retry import Retry, parse_retry_after

ERROR_BODY_BYTES = 256_000  # enough of an error page to recognise a challenge


@dataclass(frozen=True)
class Caps:
    """How much of a body is read, and where it goes past the spool threshold."""

    max_bytes: int
    pdf_max_bytes: int
    spool: int | None = None
    tmp_dir: str | None = None

    def for_type(self, content_type: str | None) -> int:
        if mime_of(content_type) == "application/pdf":
            return max(self.max_bytes, self.pdf_max_bytes)
        return self.max_bytes


def range_headers(headers: dict[str, str], partial: Partial | None) -> dict[str, str]:
    """The request headers, with Range/If-Range when a cut download is to carry on."""
    if partial is None:
        return headers
    headers = dict(headers, Range=f"bytes={partial.raw_bytes}-")
    if partial.validator:
        headers["If-Range"] = partial.validator
    return headers


def _resumes(code: int, kept: dict[str, str], partial: Partial) -> bool:
    m = CONTENT_RANGE.match(kept.get("content-range", ""))
    return code == 206 and m is not None and int(m.group(1)) == partial.raw_bytes


def _answer_of(u: httpx.URL, response: httpx.Response) -> Answer:
    kept, cookies, every = keep_headers(response.headers)
    return Answer(url=str(u), status_code=response.status_code, headers=kept,
                  set_cookies=cookies, header_list=every, declared=kept.get("content-type"),
                  retry_after=parse_retry_after(kept.get("retry-after")) if "retry-after" in kept else None)


async def read_answer(u: httpx.URL, response: httpx.Response, partial: Partial | None, reading: list[Partial],
                      caps: Caps) -> Answer:
    """The answer to one request, its body read (or resumed) within the caps."""
    ans = _answer_of(u, response)
    code = ans.status_code
    if partial is not None:
        if _resumes(code, ans.headers, partial):
            reading.append(partial)
            return await read_body(response, partial, caps)  # carry on where it stopped
        partial.discard()  # changed since, or no range support after all: start over
        if code == 206:
            raise Failure(LinkStatus.UNREACHABLE, "the server resumed the download at the wrong offset",
                          Retry.TRANSIENT)
    if (code in REDIRECT_CODES and "location" in ans.headers) or code in (204, 304) or 100 <= code < 200:
        ans.content_type = mime_of(ans.declared)
        return ans
    body = _start_body(ans, caps)
    if body is None:
        return ans
    reading.append(body)
    return await read_body(response, body, caps)


def _start_body(ans: Answer, caps: Caps) -> Partial | None:
    """The download of the answer's body, or None when its Content-Length is over the cap."""
    ok = 200 <= ans.status_code < 300
    cap = caps.for_type(ans.declared) if ok else ERROR_BODY_BYTES
    length = ans.headers.get("content-length", "")
    must_be_pdf = False
    if ok and length.isdigit() and int(length) > cap:
        pdf_cap = caps.for_type("application/pdf")
        if mime_of(ans.declared) in GENERIC_TYPES and int(length) <= pdf_cap:
            cap, must_be_pdf = pdf_cap, True  # a download of unknown type may be a PDF: look first
        else:
            ans.too_large, ans.content_type = True, mime_of(ans.declared)
            return None
    try:
        decoder = BoundedDecoder(ans.headers.get("content-encoding"), cap,
                                 Sink(cap, caps.spool if ok else None, caps.tmp_dir))
    except ValueError as exc:
        raise Failure(LinkStatus.NO_TEXT, str(exc)) from None
    etag = ans.headers.get("etag", "W/")
    validator = ans.headers.get("etag") if not etag.startswith("W/") else ans.headers.get("last-modified")
    return Partial(ans, decoder, validator=validator, must_be_pdf=must_be_pdf)


def _check_first_bytes(body: Partial, caps: Caps) -> None:
    """Once the first bytes are in: a PDF gets the PDF cap; a must-be-PDF that is not one is over."""
    is_pdf = body.decoder.sink.head(5) == b"%PDF-"
    ok = 200 <= body.answer.status_code < 300
    if ok and is_pdf and body.decoder.cap < caps.for_type("application/pdf"):
        body.decoder.cap = caps.for_type("application/pdf")
    elif body.must_be_pdf and not is_pdf:
        raise BodyTooLarge  # over the cap for its type after all


async def _stream(response: httpx.Response, body: Partial, caps: Caps) -> None:
    sink = body.decoder.sink
    sniffed = sink.size > 0
    async for chunk in response.aiter_raw():
        body.raw_bytes += len(chunk)
        body.decoder.feed(chunk)
        if not sniffed and sink.size >= min(5, body.raw_bytes):
            sniffed = True
            _check_first_bytes(body, caps)


async def read_body(response: httpx.Response, body: Partial, caps: Caps) -> Answer:
    """Stream the raw body through the bounded decoder; a cut 2xx download may resume."""
    ans, sink = body.answer, body.decoder.sink
    ok = 200 <= ans.status_code < 300
    try:
        await _stream(response, body, caps)
    except BodyTooLarge:
        if ok:
            ans.too_large, ans.content_type = True, sniff_type(ans.declared, sink.head())
            sink.discard()
            return ans
    except DECODE_ERRORS as exc:
        sink.discard()
        raise Failure(LinkStatus.NO_TEXT,
                      f"could not decode the {ans.headers.get('content-encoding')} body: {exc}"[:200]) from None
    except Exception as exc:  # the transport failed mid-body (a deadline is the attempt's to handle)
        if ok and body.resumable:
            f = translate(exc, httpx.URL(ans.url).host)
            f.partial = body
            raise f from exc
        sink.discard()
        raise
    ans.head = sink.head(PAGE_SCAN_BYTES)
    ans.body_size = sink.size
    ans.body, ans.body_path = sink.finish()
    ans.content_type = sniff_type(ans.declared, ans.head)
    return ans


async def read_small(response: httpx.Response, cap: int) -> bytes:
    """A small body (robots.txt), decoded, cut at the cap rather than refused."""
    decoder = BoundedDecoder(response.headers.get("content-encoding"), cap)
    try:
        async for chunk in response.aiter_raw():
            decoder.feed(chunk)
    except BodyTooLarge:
        pass
    return bytes(decoder.buf)
