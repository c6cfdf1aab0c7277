"""The one charset table and sniffer: the WHATWG meta prescan, decoding by evidence."""

from __future__ import annotations

import pytest

from verifier.core.decoding import decode_html, sniff_type
from verifier.core.prescan import prescan_charset

CYRILLIC = "Привет, мир: проверка кодировки страницы".encode("windows-1251")


@pytest.mark.parametrize("head,label", [
    (b'<meta charset="windows-1251">', "windows-1251"),
    (b"<META CHARSET=Shift_JIS>", "shift_jis"),
    (b'<meta http-equiv="Content-Type" content="text/html; charset=ISO-8859-2">', "iso-8859-2"),
    (b'<meta content="text/html; charset=iso-8859-2">', None),  # no pragma: not a declaration
    (b"<!-- <meta charset=koi8-r> --><meta charset=utf-8>", "utf-8"),
    (b'<p title="<meta charset=koi8-r>">x</p>', None),  # inside another tag's attribute
    (b'<meta name=x content="charset=koi8-r">', None),
    (b"<meta charset=koi8-r charset=utf-8>", "koi8-r"),  # the first attribute of a name counts
])
def test_prescan_finds_only_a_real_declaration(head: bytes, label: str | None) -> None:
    assert prescan_charset(b"<html><head>" + head + b"</head>") == label


def test_meta_charset_decides_the_page_but_not_a_commented_one() -> None:
    page = b'<html><head><meta charset="windows-1251"></head><body>' + CYRILLIC + b"</body></html>"
    assert "Привет, мир" in decode_html(page, "text/html")
    commented = page.replace(b'<meta charset="windows-1251">', b'<!-- <meta charset="koi8-r"> -->'
                             b'<meta charset="windows-1251">')
    assert "Привет, мир" in decode_html(commented, "text/html")


@pytest.mark.parametrize("declared,body,mime", [
    ("application/octet-stream", b"%PDF-1.7\n", "application/pdf"),
    ("text/html", b"%PDF-1.4\n", "application/pdf"),
    (None, b"<!doctype html><html>", "text/html"),
    (None, b"\x89PNG\r\n\x1a\n....", "image/png"),
    ("image/jpeg", b"<html>", "image/jpeg"),
])
def test_sniff_type(declared: str | None, body: bytes, mime: str) -> None:
    assert sniff_type(declared, body) == mime


QUOTES = ["«Le marché a reculé de 3 % cette année», a-t-il déclaré",
          "the committee “found no evidence of wrongdoing” in its report",
          "Zürich’s council voted 7–2 to approve the plan"]


def _brief_with_stray_bytes() -> bytes:
    lines = [f"Claim {i}: \"{q}\" [source](https://example.org/{i})" for i, q in enumerate(QUOTES)]
    body = "\n\n".join(lines).encode("utf-8")
    # three stray bytes that are not UTF-8 (a cp1252 é, a lone continuation byte, an 0xff), none in a quote
    return body.replace(b"Claim 0", b"Claim\xe9 0").replace(b"Claim 1", b"Claim\x80 1").replace(b"Claim 2",
                                                                                                b"Claim\xff 2")


def test_utf8_brief_with_three_stray_bytes_is_read_as_utf8_with_a_warning() -> None:
    from verifier.core.intake import brief_from_bytes
    from verifier.core.parse import parse_brief

    brief = brief_from_bytes(_brief_with_stray_bytes(), name="brief.md")
    assert all(q in brief.text for q in QUOTES)  # not mojibake from a guessed legacy charset
    assert brief.text.count("\ufffd") == 3
    assert brief.notes == ["3 byte sequences not valid UTF-8 replaced with U+FFFD"]
    found = [q.text for q in parse_brief(brief).quotes]
    assert all(any(q in f or f in q for f in found) for q in QUOTES), found


def test_a_legacy_text_is_not_taken_for_utf8() -> None:
    from verifier.core.decoding import decode_text_noted

    latin = ("Le marché a reculé: déjà vu, à côté, où ça? " * 20).encode("cp1252")
    decoded = decode_text_noted(latin, None)
    assert "marché a reculé" in decoded.text and "\ufffd" not in decoded.text
    assert not any("UTF-8" in n for n in decoded.notes)


def test_source_without_charset_keeps_the_note() -> None:
    from verifier.documents.source import extract

    page = b"<html><body><p>" + "Zürich’s council voted “yes” to the plan, après débat. ".encode() * 30 \
        + b"\x92</p></body></html>"
    src = extract(page, "text/html")
    assert "Zürich’s council voted “yes”" in src.text
    assert src.notes == ["1 byte sequence not valid UTF-8 replaced with U+FFFD"]


@pytest.mark.parametrize("head,title", [
    (b"<title>Real &amp; true</title>", "Real & true"),
    (b"<!-- <title>Commented</title> --><title>Shown</title>", "Shown"),
    (b"<script>var t='<title>In script</title>'</script><title>Page</title>", "Page"),
])
def test_titles_read_from_the_parsed_document(head: bytes, title: str) -> None:
    from verifier.documents.source import extract

    page = b"<html><head>" + head + b"</head><body><p>Some text of the page body.</p></body></html>"
    assert extract(page, "text/html").title == title


def test_an_svg_title_is_not_the_page_title() -> None:
    from verifier.documents.source import extract

    page = (b"<html><head></head><body><svg><title>Icon</title></svg><title>Page</title>"
            b"<p>Some text of the page body.</p></body></html>")
    assert extract(page, "text/html").title == "Page"


@pytest.mark.parametrize("declared,body,kind", [
    ("text/html", b"<html><body><p>Save as %PDF-1.4 to print.</p></body></html>", "html"),  # a page about PDFs
    (None, b"\r\n\r\n<junk>\n%PDF-1.7\n1 0 obj", "pdf"),  # leading junk before the magic
    ("image/jpeg", b"%PDF-1.5\n", "pdf"),  # a mislabelled PDF
    ("text/plain", b"<!doctype html><html><p>served as text</p>", "html"),
    ("application/xml", b'<html xmlns="http://www.w3.org/1999/xhtml"><body><p>x</p>', "html"),
    ("application/octet-stream", "a plain note".encode("utf-16"), "text"),
    (None, b"\x00\x01\x02binary", "binary"),
    (None, b"", "text"),
    ("image/png", b"<html>", "binary"),
])
def test_one_sniffer_for_type_and_kind(declared: str | None, body: bytes, kind: str) -> None:
    from verifier.core.decoding import sniff_kind

    assert sniff_kind(body, declared) == kind
    mime = sniff_type(declared, body)
    assert (mime == "application/pdf") == (kind == "pdf")
