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
