"""Hostile briefs, built on demand in small chunks (the bombs are never held whole in memory).

Shared by tests/hostile/test_hostile.py and bench/hostile_bench.py. Each builder writes one file
and returns its path; sizes are parameters so the tests stay quick and the bench can go large.
"""

from __future__ import annotations

import io
import zipfile
import zlib
from pathlib import Path

CHUNK = 1 << 20
QUOTE = "the evidence supported most of the original conclusions"


SOURCE_PAGE = (f"<html><head><title>Committee report</title></head><body><article><h1>Committee report</h1>"
               f"<p>After a year of hearings the committee said {QUOTE}, and that the findings are final.</p>"
               f"<p>The inquiry heard from forty witnesses over eleven months.</p></article></body></html>").encode()


def _docx_base() -> bytes:
    import docx

    d = docx.Document()
    d.add_paragraph(f"The committee said “{QUOTE}” in its report.")
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def zip_bomb_docx(path: Path, inflated: int) -> Path:
    """A real .docx whose word/document.xml inflates to `inflated` bytes (written in chunks)."""
    with zipfile.ZipFile(io.BytesIO(_docx_base())) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            if info.filename != "word/document.xml":
                out.writestr(info, src.read(info))
                continue
            xml = src.read(info)
            cut = xml.index(b"</w:body>")
            part = zipfile.ZipInfo("word/document.xml")
            part.compress_type = zipfile.ZIP_DEFLATED
            with out.open(part, "w", force_zip64=True) as f:
                f.write(xml[:cut])
                pad = b"<!--" + b" " * (CHUNK - 7) + b"-->"
                written = cut
                while written < inflated:
                    f.write(pad)
                    written += len(pad)
                f.write(xml[cut:])
    return path


def nested_zip_docx(path: Path) -> Path:
    """A .docx carrying another zip as one of its parts."""
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("a.txt", b"a" * 1000)
    with zipfile.ZipFile(io.BytesIO(_docx_base())) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            out.writestr(info, src.read(info))
        out.writestr("word/media/inner.bin", inner.getvalue())
    return path


def flate_bomb_pdf(path: Path, inflated: int) -> Path:
    """A one-page PDF whose content stream (FlateDecode) inflates to `inflated` bytes of white space
    after one line of real text; written object by object with a correct xref."""
    text = f"BT /F1 12 Tf 72 720 Td (The committee said {QUOTE}.) Tj ET\n".encode()
    with path.open("wb") as f:
        offsets: list[int] = []

        def obj(body: bytes) -> None:
            offsets.append(f.tell())
            f.write(f"{len(offsets)} 0 obj\n".encode() + body + b"\nendobj\n")

        f.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
        obj(b"<< /Type /Catalog /Pages 2 0 R >>")
        obj(b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>")
        obj(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 5 0 R "
            b"/Resources << /Font << /F1 4 0 R >> >> >>")
        obj(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
        stream = _deflated(text, inflated)
        obj(f"<< /Length {len(stream)} /Filter /FlateDecode >>\nstream\n".encode() + stream + b"\nendstream")
        xref = f.tell()
        f.write(f"xref\n0 {len(offsets) + 1}\n0000000000 65535 f \n".encode())
        for off in offsets:
            f.write(f"{off:010d} 00000 n \n".encode())
        f.write(f"trailer\n<< /Size {len(offsets) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode())
    return path


def pdf_with_bomb_page(path: Path, inflated: int) -> Path:
    """A two-page PDF: page 1's content stream inflates to `inflated` bytes, page 2 is an ordinary
    page whose text carries QUOTE (a reader that skips the bomb page still finds it)."""
    bomb = b"BT /F1 12 Tf 72 720 Td (A page of padding.) Tj ET\n"
    plain = f"BT /F1 12 Tf 72 720 Td (After a year of hearings the committee said {QUOTE}.) Tj ET\n".encode()
    with path.open("wb") as f:
        offsets: list[int] = []

        def obj(body: bytes) -> None:
            offsets.append(f.tell())
            f.write(f"{len(offsets)} 0 obj\n".encode() + body + b"\nendobj\n")

        f.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
        obj(b"<< /Type /Catalog /Pages 2 0 R >>")
        obj(b"<< /Type /Pages /Kids [3 0 R 4 0 R] /Count 2 >>")
        for contents in (6, 7):
            obj(f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents {contents} 0 R "
                f"/Resources << /Font << /F1 5 0 R >> >> >>".encode())
        obj(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
        for stream in (_deflated(bomb, inflated), zlib.compress(plain)):
            obj(f"<< /Length {len(stream)} /Filter /FlateDecode >>\nstream\n".encode() + stream + b"\nendstream")
        xref = f.tell()
        f.write(f"xref\n0 {len(offsets) + 1}\n0000000000 65535 f \n".encode())
        for off in offsets:
            f.write(f"{off:010d} 00000 n \n".encode())
        f.write(f"trailer\n<< /Size {len(offsets) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode())
    return path


def _deflated(head: bytes, inflated: int) -> bytes:
    c = zlib.compressobj(6)
    parts = [c.compress(head)]
    pad = b" " * CHUNK
    for _ in range(max(0, inflated - len(head)) // CHUNK):
        parts.append(c.compress(pad))
    parts.append(c.flush())
    return b"".join(parts)


def deep_html(path: Path, depth: int, source: str = "https://source.example/report") -> Path:
    """A brief nested `depth` divs deep, with one quote inside and one after the nesting closes."""
    with path.open("w", encoding="utf-8") as f:
        f.write("<html><head><title>Deep brief</title></head><body><p>Opening line.</p>")
        for _ in range(depth // 1000):
            f.write("<div>" * 1000)
        f.write("<div>" * (depth % 1000))
        f.write("<p>Deep inside: “the inner quote stands here”.</p>")
        for _ in range(depth // 1000):
            f.write("</div>" * 1000)
        f.write("</div>" * (depth % 1000))
        f.write(f"<p>The <a href='{source}'>committee said</a> “{QUOTE}” on Tuesday.</p></body></html>")
    return path


def mostly_utf8(path: Path, source: str = "https://source.example/report") -> Path:
    """A UTF-8 Markdown brief with curly quotes, and two stray invalid bytes."""
    text = (f"# Brief\n\nThe [committee said]({source}) “{QUOTE}” on Tuesday.\n\nIt added that “the "
            f"findings are final” — and the café was closed.\n")
    data = text.encode("utf-8")
    cut = data.index(b"Tuesday")
    path.write_bytes(data[:cut] + b"\xff" + data[cut:] + b"\xfe\n")
    return path
