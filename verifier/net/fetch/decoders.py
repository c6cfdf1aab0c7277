"""Streaming Content-Encoding decoders with a bound, and the sink a decoded body goes to.

Why: a body is read raw and decoded here, piece by piece, so neither a huge body nor a gzip
bomb can grow memory past the cap; a body past the spool threshold goes to a temporary file.
Supported: gzip/x-gzip, deflate (zlib-wrapped or raw), br. (zstd would need a library that is
not installed.)
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import zlib
from collections.abc import Iterator
from typing import IO, Any

import brotli

#: the prefix of a body the classifier reads (classify.PAGE_SCAN_BYTES)
PAGE_SCAN_BYTES = 200_000
#: the largest piece a decoder hands on at once, so that memory stays flat whatever the size
PIECE_BYTES = 1 << 20
#: errors a corrupt encoded body raises while decoding
DECODE_ERRORS: tuple[type[Exception], ...] = (zlib.error, brotli.error)



class BodyTooLarge(Exception):
    """The (decompressed) body grew past the cap."""


class _Stage:
    """One Content-Encoding layer, handing on its output in pieces of at most PIECE_BYTES."""

    def __init__(self, coding: str) -> None:
        self.coding = coding
        self._z: Any = None
        self._br: Any = None
        self._first = True
        if coding in ("gzip", "x-gzip"):
            self._z = zlib.decompressobj(zlib.MAX_WBITS | 16)
        elif coding == "br":
            self._br = brotli.Decompressor()
        elif coding != "deflate":
            raise ValueError(f"unsupported content-encoding: {coding}")

    def feed(self, data: bytes) -> Iterator[bytes]:
        if self._br is not None:
            br = self._br
            out = br.process(data, output_buffer_limit=PIECE_BYTES)
            while True:
                if out:
                    yield bytes(out)
                # a full piece may leave more output pending, even with all the input taken
                if (br.can_accept_more_data() and len(out) < PIECE_BYTES) or br.is_finished():
                    return
                out = br.process(b"", output_buffer_limit=PIECE_BYTES)
        if self._first and self.coding == "deflate" and data:
            zlib_wrapped = len(data) >= 2 and (data[0] & 0x0F) == 8 and ((data[0] << 8) | data[1]) % 31 == 0
            self._z = zlib.decompressobj(zlib.MAX_WBITS if zlib_wrapped else -zlib.MAX_WBITS)
        if self._z is None:
            return
        self._first = False
        while data:
            z = self._z
            yield z.decompress(data, PIECE_BYTES)
            while z.unconsumed_tail:
                yield z.decompress(z.unconsumed_tail, PIECE_BYTES)
            data = b""
            if z.eof and z.unused_data and self.coding != "deflate":  # another gzip member follows
                data = z.unused_data
                self._z = zlib.decompressobj(zlib.MAX_WBITS | 16)


class BoundedDecoder:
    """Undo Content-Encoding while capping the output: a bomb stops at cap + 1 bytes.

    The decoded bytes go to `sink` (a Sink; by default one kept in memory, `buf`)."""

    def __init__(self, content_encoding: str | None, cap: int, sink: Sink | None = None) -> None:
        codings = [c.strip().lower() for c in content_encoding.split(",")] if content_encoding else []
        self.stages = [_Stage(c) for c in reversed(codings) if c and c != "identity"]
        self.sink = sink if sink is not None else Sink(cap)
        self.sink.cap = cap

    @property
    def cap(self) -> int:
        return self.sink.cap

    @cap.setter
    def cap(self, value: int) -> None:
        self.sink.cap = value

    @property
    def buf(self) -> bytearray:
        return self.sink.buf

    def feed(self, data: bytes) -> None:
        if not self.stages:
            self.sink.write(data)
            return
        for piece in self._through(data, 0):
            self.sink.write(piece)

    def _through(self, data: bytes, i: int) -> Iterator[bytes]:
        if i == len(self.stages):
            yield data
            return
        for piece in self.stages[i].feed(data):
            if piece:
                yield from self._through(piece, i + 1)


class Sink:
    """A decoded body: in memory up to `spool` bytes, then in a temporary file (never past `cap`)."""

    def __init__(self, cap: int, spool: int | None = None, tmp_dir: str | None = None) -> None:
        self.cap = cap
        self.spool = spool
        self.tmp_dir = tmp_dir
        self.buf = bytearray()
        self.file: IO[bytes] | None = None
        self.path: str | None = None
        self.size = 0
        self._head = b""

    def write(self, data: bytes) -> None:
        if self.size + len(data) > self.cap:
            raise BodyTooLarge
        self.size += len(data)
        if self.file is not None:
            self.file.write(data)
            return
        self.buf += data
        if self.spool is not None and len(self.buf) > self.spool:
            fd, self.path = tempfile.mkstemp(prefix="verifier-", suffix=".body", dir=self.tmp_dir)
            self.file = os.fdopen(fd, "wb")
            self._head = bytes(self.buf[:PAGE_SCAN_BYTES])
            self.file.write(self.buf)
            self.buf = bytearray()

    def head(self, n: int = 1024) -> bytes:
        """The first n bytes (n up to PAGE_SCAN_BYTES once the body is on disk)."""
        return self._head[:n] if self.file is not None else bytes(self.buf[:n])

    @property
    def spooled(self) -> bool:
        return self.file is not None

    def finish(self) -> tuple[bytes, str | None]:
        """The body in memory, or b"" and the path of the closed file that now holds it."""
        if self.file is None:
            return bytes(self.buf), None
        self.file.close()
        return b"", self.path

    def reset(self) -> None:
        """Forget everything written (a restarted download)."""
        self.discard()
        self.size = 0

    def discard(self) -> None:
        self.buf = bytearray()
        if self.file is not None:
            self.file.close()
            self.file = None
        if self.path is not None:
            with contextlib.suppress(OSError):
                os.unlink(self.path)
            self.path = None
