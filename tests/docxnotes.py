"""A Word file with footnotes and endnotes, written as OOXML by hand (python-docx cannot add notes).

The parts are what Word writes: the notes in word/footnotes.xml and word/endnotes.xml with their
separator notes (ids -1 and 0), each note's hyperlinks in that part's own relationships, and a
run holding a w:footnoteReference / w:endnoteReference where the text refers to a note.
"""

from __future__ import annotations

import io
import zipfile
from xml.sax.saxutils import escape

_NS = ('xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
       'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"')
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'


def run(text: str) -> str:
    return f'<w:r><w:t xml:space="preserve">{escape(text)}</w:t></w:r>'


def ref(kind: str, note_id: int) -> str:
    """A reference to footnote or endnote `note_id` (kind "footnote" or "endnote")."""
    return f'<w:r><w:rPr><w:rStyle w:val="{kind.capitalize()}Reference"/></w:rPr><w:{kind}Reference w:id="{note_id}"/></w:r>'


def link(rid: str, text: str) -> str:
    return f'<w:hyperlink r:id="{rid}">{run(text)}</w:hyperlink>'


def note(kind: str, note_id: int, *body: str) -> str:
    return f'<w:{kind} w:id="{note_id}"><w:p><w:r><w:{kind}Ref/></w:r>{"".join(body)}</w:p></w:{kind}>'


def _notes_part(kind: str, notes: list[str]) -> str:
    seps = (f'<w:{kind} w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:{kind}>'
            f'<w:{kind} w:type="continuationSeparator" w:id="0"><w:p><w:r><w:continuationSeparator/></w:r></w:p></w:{kind}>')
    return f"{_HEAD}<w:{kind}s {_NS}>{seps}{''.join(notes)}</w:{kind}s>"


def _rels(rows: list[tuple[str, str, str, bool]]) -> str:
    external = ' TargetMode="External"'
    out = "".join(f'<Relationship Id="{i}" Type="{_REL}/{t}" Target="{escape(target)}"'
                  f'{external if ext else ""}/>' for i, t, target, ext in rows)
    return f'{_HEAD}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{out}</Relationships>'


def docx_with_notes(paragraphs: list[str], footnotes: list[str], endnotes: list[str],
                    note_links: dict[str, str], *, body: str | None = None,
                    doc_links: dict[str, str] | None = None) -> bytes:
    """A .docx: `paragraphs` of runs (or a whole `body` of block XML), the notes, the notes'
    hyperlinks (r:id -> URL) and the document's own (`doc_links`)."""
    body = body if body is not None else "".join(f"<w:p>{p}</w:p>" for p in paragraphs)
    types = ('<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
             '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
             '<Default Extension="xml" ContentType="application/xml"/>'
             '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
             '<Override PartName="/word/footnotes.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"/>'
             '<Override PartName="/word/endnotes.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.endnotes+xml"/>'
             '</Types>')
    links = [(rid, "hyperlink", url, True) for rid, url in note_links.items()]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", _HEAD + types)
        z.writestr("_rels/.rels", _rels([("rId1", "officeDocument", "word/document.xml", False)]))
        z.writestr("word/document.xml", f"{_HEAD}<w:document {_NS}><w:body>{body}</w:body></w:document>")
        z.writestr("word/_rels/document.xml.rels", _rels([("rId8", "footnotes", "footnotes.xml", False),
                                                          ("rId9", "endnotes", "endnotes.xml", False)]
                                                         + [(rid, "hyperlink", url, True)
                                                            for rid, url in (doc_links or {}).items()]))
        z.writestr("word/footnotes.xml", _notes_part("footnote", footnotes))
        z.writestr("word/_rels/footnotes.xml.rels", _rels(links))
        z.writestr("word/endnotes.xml", _notes_part("endnote", endnotes))
        z.writestr("word/_rels/endnotes.xml.rels", _rels(links))
    return buf.getvalue()
