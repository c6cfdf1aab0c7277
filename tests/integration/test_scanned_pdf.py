"""A scanned PDF made here (text pages rendered to bitmaps, wrapped as an image-only PDF) goes
through Tesseract OCR, extraction, alignment and verdicts with page numbers.

Needs the `tesseract` binary and English data (Debian: apt-get install -y tesseract-ocr
tesseract-ocr-eng); skipped without them, except under CI=true where a missing Tesseract fails.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import IN_CI
from tests.unit.test_extract import make_pdf
from verifier.core.align import SourceIndex, align
from verifier.core.statuses import Verdict
from verifier.documents import ocr
from verifier.documents.pdf import read_pdf
from verifier.documents.source import extract_with_note

if not ocr.ocr_available() and not IN_CI:
    pytest.skip(f"{ocr.unavailable_reason()}: apt-get install -y tesseract-ocr tesseract-ocr-eng",
                allow_module_level=True)

PAGES = [
    ["Report on the Investigation", "The Office reviewed travel records and interviewed",
     "several witnesses about the meeting in June.", "Investigators found no record of a second call."],
    ["Report on the Investigation", "The campaign chairman shared internal polling data",
     "with a business associate on several occasions.", "He later said he could not recall the details."],
    ["Report on the Investigation", "Counsel declined to answer questions about the",
     "payments made during the transition period.", "The committee received 14 boxes of documents."],
    ["Report on the Investigation", "The President asked the Attorney General to",
     "reconsider his recusal from the investigation.", "The Attorney General did not do so."],
]


@pytest.fixture(scope="module")
def scan(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("scan") / "scan.pdf"
    path.write_bytes(ocr.rasterize_pdf(make_pdf(PAGES), dpi=200))
    return path


def test_rasterized_pdf_has_no_text_layer(scan: Path) -> None:
    r = read_pdf(scan)  # no OCR hook
    assert r.scanned == [1, 2, 3, 4] and r.source.text == ""
    _st, note = extract_with_note(scan, "application/pdf")
    assert note == ocr.UNAVAILABLE_NOTE


def test_ocr_extract_align_with_pages(scan: Path, tmp_path: Path) -> None:
    ticks: list[tuple[int, int]] = []
    fn = ocr.make_ocr(workers=2, cache_dir=tmp_path / "cache", progress=lambda d, n: ticks.append((d, n)))
    assert fn is not None
    st, note = extract_with_note(scan.read_bytes(), "application/pdf", ocr=fn)
    assert note is None
    assert ticks[-1] == (4, 4) and len(ticks) == 4
    assert "Report on the Investigation" not in st.text  # the running head, read four times, is gone
    index = SourceIndex.build(st)
    cases = [
        ("interviewed several witnesses about the meeting in June", Verdict.VERIFIED, 1),
        ("shared internal polling data with a business associate", Verdict.VERIFIED, 2),
        ("The committee received 14 boxes of documents", Verdict.VERIFIED, 3),
        ("The committee received 41 boxes of documents", Verdict.ALTERED, 3),
        ("The Attorney General did do so", Verdict.ALTERED, 4),
        ("asked the Attorney General to reconsider his recusal", Verdict.VERIFIED, 4),
    ]
    for quote, want, page in cases:
        m = align(quote, index)
        assert m is not None, quote
        assert m.verdict is want or (want is Verdict.VERIFIED and m.verdict is Verdict.MINOR), (quote, m)
        assert m.evidence.page == page, quote
    assert align("The Office found a record of a third call in July", index) is None


def test_cache_serves_the_second_run(scan: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = ocr.ocr_pdf(scan, [2, 3], workers=2, cache_dir=tmp_path)

    def no_tesseract(*a: object, **k: object) -> str:
        raise AssertionError("tesseract ran although the pages are cached")

    monkeypatch.setattr(ocr, "tesseract_image", no_tesseract)
    assert ocr.ocr_pdf(scan, [2, 3], cache_dir=tmp_path) == first
    assert "polling data" in first[2]


def test_page_time_limit(scan: Path, tmp_path: Path) -> None:
    errors: dict[int, str] = {}
    got = ocr.ocr_pdf(scan, [1], page_timeout=0.001, use_cache=False, errors=errors)
    assert got == {} and errors == {1: "timed out"}
