"""Scanned pages: the text-layer check, the OCR hook in extraction (a fake OCR, no tesseract),
OCR running heads, the note for a scan without OCR, the cache, and bytes-or-path input."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.test_extract import make_pdf
from verifier.core.align import SourceIndex, align
from verifier.core.extract import scan_note, usable_layer
from verifier.core.statuses import Verdict
from verifier.documents import ocr
from verifier.documents.pdf import extract_pdf, read_pdf
from verifier.documents.source import extract, extract_with_note

BODY = ["The committee said the findings were supported by the evidence it had gathered.",
        "Serious incidents fell again, and inspections rose by a quarter in the spring."]


def scan_like(n: int, text_pages: dict[int, list[str]] | None = None) -> bytes:
    """A PDF whose pages have no text layer except those given (a stamp, or real text)."""
    text_pages = text_pages or {}
    return make_pdf([text_pages.get(p, []) for p in range(1, n + 1)])


class FakeOcr:
    """Stands in for tesseract: page texts by number, records what it was asked."""

    def __init__(self, texts: dict[int, str]) -> None:
        self.texts = texts
        self.calls: list[list[int]] = []

    def __call__(self, pages: list[int], src: ocr.PdfSource) -> dict[int, str]:
        self.calls.append(list(pages))
        return {p: self.texts[p] for p in pages if p in self.texts}


@pytest.mark.parametrize(("text", "ok"), [
    ("", False), ("12", False), ("DOJ-000123 Page 4", False),
    ("!\"#$%&'()*+,-./ !\"#$%&'()*+ ab cd ef !\"#$%&'()*+,-./ !\"#$% gh", False),
    ("\ue001\ue002\ue003" * 20, False),
    (" ".join(BODY), True),
])
def test_usable_layer(text: str, ok: bool) -> None:
    assert usable_layer(text) is ok


def test_scanned_pages_go_to_ocr_and_keep_page_numbers() -> None:
    body = scan_like(3, {2: BODY})
    fake = FakeOcr({1: "First scanned page: the Office declined to prosecute anyone.",
                    3: "Third scanned page: the President did not invite Comey to dinner."})
    r = read_pdf(body, ocr=fake)
    assert fake.calls == [[1, 3]]  # the page with a real layer is not OCR'd
    assert r.scanned == [1, 3] and r.ocr_pages == [1, 3] and r.no_text == []
    st = r.source
    assert st.page_at(st.text.index("declined")) == 1
    assert st.page_at(st.text.index("committee")) == 2
    assert st.page_at(st.text.index("Comey")) == 3
    m = align("the President did not invite Comey to dinner", SourceIndex.build(st))
    assert m is not None and m.verdict is Verdict.VERIFIED and m.evidence.page == 3
    assert scan_note(r, ocr_ran=True) is None


def test_stamp_only_page_is_replaced_by_ocr_text() -> None:
    body = scan_like(1, {1: ["DOJ-0001"]})
    r = read_pdf(body, ocr=FakeOcr({1: "DOJ-0001\nThe whole scanned page text is read by OCR here."}))
    assert r.ocr_pages == [1] and "whole scanned page" in r.source.text


def test_without_ocr_the_note_says_so() -> None:
    body = scan_like(2)
    st, note = extract_with_note(body, "application/pdf")
    assert st.text == ""
    assert note == ocr.UNAVAILABLE_NOTE == "scanned PDF: OCR unavailable (install tesseract-ocr)"
    st, empty = extract_pdf(body)
    assert empty == [1, 2]
    assert extract_with_note(make_pdf([BODY]), "application/pdf")[1] is None


def test_failing_ocr_hook_is_reported_not_raised() -> None:
    def broken(pages: list[int], src: ocr.PdfSource) -> dict[int, str]:
        raise RuntimeError("tesseract was killed")

    r = read_pdf(scan_like(2, {1: BODY}), ocr=broken)
    assert r.source.text.startswith("The committee") and r.ocr_pages == []
    assert scan_note(r, ocr_ran=True) == "scanned PDF: OCR failed (tesseract was killed); pages without text: 2"
    _st, note = extract_with_note(scan_like(5), "application/pdf", ocr=FakeOcr({}))
    assert note == "scanned PDF: OCR gave no text for pages 1-5"


BODIES = ["the witness said yes to the question about the meeting in the tower.",
          "counsel for the campaign declined to answer any further questions.",
          "records show two calls that evening, both lasting under a minute.",
          "the transition team had been told about the sanctions in advance.",
          "no documents from that period were produced by the organization.",
          "he later said that he could not recall the conversation at all."]


def test_noisy_ocr_running_heads_are_dropped() -> None:
    heads = ["U.S. Department of Justice", "Attorney Work Product // May Contain Material Protected",
             "Atterney-WeorkProduet // May CeAtaiA Material Protected", "Attorney Werk Product // May Contain Materia1 Protected",
             "U.S. Departmeut of Justice", "Attorney Work Prodnct // May Contain Material Protccted"]
    texts = {}
    for p in range(1, 7):
        texts[p] = "\n".join([heads[0] if p % 2 else heads[4], heads[1 + (p % 5)],
                              f"Body of page {p}: " + BODIES[p - 1], str(p)])
    r = read_pdf(scan_like(6), ocr=FakeOcr(texts))
    assert r.ocr_pages == [1, 2, 3, 4, 5, 6]
    assert "Department" not in r.source.text and "Product" not in r.source.text and "Prodnct" not in r.source.text
    assert r.source.text.count("Body of page") == 6


def test_extract_reads_a_pdf_from_a_path(tmp_path: Path) -> None:
    p = tmp_path / "doc.pdf"
    p.write_bytes(scan_like(2, {1: BODY}))
    fake = FakeOcr({2: "Second page from a file on disk, read by the OCR hook."})
    st = extract(p, "application/pdf", ocr=fake)
    assert "committee" in st.text and "file on disk" in st.text and st.page_at(st.text.index("disk")) == 2
    t = tmp_path / "a.txt"
    t.write_bytes(b"plain text from a path")
    assert extract(t, "text/plain").text == "plain text from a path"
    assert extract(tmp_path / "missing.pdf", "application/pdf").text == ""


def test_cache_round_trip(tmp_path: Path) -> None:
    c = ocr.OcrCache(tmp_path, ocr.content_hash(b"%PDF-1.4 x"), lang="eng", dpi=300, engine="tesseract 5")
    assert c.get(3) is None
    c.put(3, "page three")
    assert c.get(3) == "page three"
    other = ocr.OcrCache(tmp_path, ocr.content_hash(b"%PDF-1.4 x"), lang="eng", dpi=200, engine="tesseract 5")
    assert other.get(3) is None  # another resolution is another reading
    f = tmp_path / "x.pdf"
    f.write_bytes(b"%PDF-1.4 x")
    assert ocr.content_hash(f) == ocr.content_hash(b"%PDF-1.4 x")


def test_unavailable_when_binary_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TESSERACT_CMD", "no-such-tesseract-binary")
    assert ocr.ocr_available() is False
    assert ocr.unavailable_reason() == ocr.UNAVAILABLE_NOTE
    assert ocr.make_ocr() is None
    with pytest.raises(RuntimeError, match="install tesseract-ocr"):
        ocr.ocr_pdf(b"%PDF-1.4", [1])


def test_time_limit_grows_with_pages() -> None:
    assert ocr.time_limit(448, workers=2) > ocr.time_limit(10, workers=2) >= 60
