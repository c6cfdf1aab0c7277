"""A minimal text-PDF writer, so the demo, the tests and the benchmarks make real PDFs with no extra
dependency. One Type1 font, one line per string, pages as given."""

from __future__ import annotations

import re
import zlib
from collections.abc import Sequence


def _esc(s: str) -> str:
    return s.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


#: a superscript in a line: "…next week.”^{1}" shows a raised, smaller "1", as a footnote mark
_SUP = re.compile(r"\^\{([^}]*)\}")


def _line(line: str, size: float) -> str:
    """One line's operators: the next line, then its runs (superscripts raised and smaller)."""
    parts = _SUP.split(line)
    ops = [f"({_esc(parts[0])}) '"]
    for k, part in enumerate(parts[1:]):
        if k % 2 == 0:
            ops.append(f"/F1 {0.6 * size:g} Tf {0.35 * size:g} Ts ({_esc(part)}) Tj /F1 {size:g} Tf 0 Ts")
        elif part:
            ops.append(f"({_esc(part)}) Tj")
    return " ".join(ops)


def text_pdf(pages: list[list[str]], *, font_size: float = 11, leading: float = 14,
             page_size: tuple[int, int] = (612, 842), font: str = "Helvetica", compress: bool = False,
             padding: bytes = b"", links: Sequence[tuple[int, int, str]] = ()) -> bytes:
    """A PDF whose page i shows the lines pages[i] (WinAnsi text: Windows-1252 characters only;
    `^{1}` in a line is a superscript).

    `padding` goes into an unused stream object: a large file for size tests with the same text.
    `links`: (page, line, URI) link annotations, each over that whole line, as a word processor
    keeps a hyperlink when it prints to PDF.
    """
    width, height = page_size
    objects: list[bytes] = [b"<< /Type /Catalog /Pages 2 0 R >>", b""]
    font_id = 3
    objects.append(f"<< /Type /Font /Subtype /Type1 /BaseFont /{font} /Encoding /WinAnsiEncoding >>".encode())
    kids: list[str] = []
    for lines in pages:
        stream = (f"BT /F1 {font_size:g} Tf 50 {height - 60} Td {leading:g} TL "
                  + " ".join(_line(x, font_size) for x in lines) + " ET").encode("cp1252", "replace")
        if compress:
            stream = zlib.compress(stream)
        flt = b" /Filter /FlateDecode" if compress else b""
        objects.append(b"<< /Length %d%s >>\nstream\n" % (len(stream), flt) + stream + b"\nendstream")
        content_id = len(objects)
        annots = []
        for pg, line, uri in links:
            if pg == len(kids):
                base = height - 60 - (line + 1) * leading  # each line opens with a move to the next
                objects.append(f"<< /Type /Annot /Subtype /Link /Rect [45 {base - 3:g} {width - 45} {base + font_size:g}] "
                               f"/Border [0 0 0] /A << /S /URI /URI ({_esc(uri)}) >> >>".encode())
                annots.append(f"{len(objects)} 0 R")
        annot = f" /Annots [{' '.join(annots)}]" if annots else ""
        objects.append(f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {width} {height}] /Contents {content_id} 0 R "
                       f"/Resources << /Font << /F1 {font_id} 0 R >> >>{annot} >>".encode())
        kids.append(f"{len(objects)} 0 R")
    if padding:
        objects.append(b"<< /Length %d >>\nstream\n" % len(padding) + padding + b"\nendstream")
    objects[1] = f"<< /Type /Pages /Kids [{' '.join(kids)}] /Count {len(kids)} >>".encode()
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for n, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)
