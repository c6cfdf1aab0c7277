"""OCR of scanned PDF pages with Tesseract: the I/O edge that extract.extract_pdf's `ocr` hook calls.

Why here and not in extract: extraction is pure; this module runs a subprocess per page, reads
and writes a cache directory and watches the clock. extract.extract_pdf(src, ocr=make_ocr(...))
asks it only for the pages that have no usable text layer.

Decisions:
- pages are rendered one at a time with pypdfium2 (pdfium is not thread-safe: rendering stays
  in the calling thread) to 8-bit grey PGM bytes (no Pillow needed; Tesseract's Leptonica reads
  PNM from stdin); at most `workers` images are in flight, so memory stays flat on a 448-page scan;
- each page is one `tesseract stdin stdout` subprocess in a small thread pool, with
  OMP_THREAD_LIMIT=1 (Tesseract's own OpenMP threads fight the pool) and a time limit per page;
  a page that times out or fails is left out of the result (and not cached);
- results are cached by the PDF's SHA-256, page number, language, resolution and Tesseract
  version, as plain text files under the user cache dir (or a directory the caller gives);
- `ocr_available()` says whether the binary and the language data are there; without them
  `make_ocr` returns None and extraction reports the pages as scanned (see extract.scan_note).
"""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from functools import lru_cache
from pathlib import Path

from verifier.documents.pdf import PDFIUM_LOCK

PdfSource = bytes | str | os.PathLike[str]
Progress = Callable[[int, int], None]
OcrFn = Callable[[list[int], PdfSource], dict[int, str]]

UNAVAILABLE_NOTE = "scanned PDF: OCR unavailable (install tesseract-ocr)"
DEFAULT_DPI = 300
DEFAULT_LANG = "eng"
DEFAULT_PAGE_TIMEOUT = 120.0
#: a rendered page larger than this many pixels is scaled down (posters, maps)
MAX_PIXELS = 40_000_000

_lock = PDFIUM_LOCK  # pdfium calls from several threads at once are unsafe


def tesseract_binary() -> str | None:
    return shutil.which(os.environ.get("TESSERACT_CMD", "tesseract"))


@lru_cache(maxsize=8)
def _langs(binary: str) -> frozenset[str]:
    try:
        out = subprocess.run([binary, "--list-langs"], capture_output=True, text=True, timeout=20, check=False)
    except (OSError, subprocess.SubprocessError):
        return frozenset()
    lines = (out.stdout + "\n" + out.stderr).splitlines()
    return frozenset(x.strip() for x in lines if x.strip() and " " not in x.strip() and not x.endswith(":"))


@lru_cache(maxsize=8)
def _version(binary: str) -> str:
    try:
        out = subprocess.run([binary, "--version"], capture_output=True, text=True, timeout=20, check=False)
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    first = (out.stdout or out.stderr).strip().splitlines()
    return first[0].strip() if first else "unknown"


def ocr_available(lang: str = DEFAULT_LANG) -> bool:
    """True when the tesseract binary is on PATH and has data for every language in `lang` ("eng+deu")."""
    binary = tesseract_binary()
    if binary is None:
        return False
    have = _langs(binary)
    return all(x in have for x in lang.split("+"))


def unavailable_reason(lang: str = DEFAULT_LANG) -> str | None:
    """Why OCR cannot run here, in words a user can act on; None when it can."""
    binary = tesseract_binary()
    if binary is None:
        return UNAVAILABLE_NOTE
    missing = [x for x in lang.split("+") if x not in _langs(binary)]
    if missing:
        return f"scanned PDF: OCR unavailable (no Tesseract language data for {'+'.join(missing)}; " \
               f"install tesseract-ocr-{missing[0]})"
    return None


# ---------------------------------------------------------------- rendering


def _open(src: PdfSource) -> object:
    import pypdfium2 as pdfium

    if isinstance(src, bytes | bytearray):
        return pdfium.PdfDocument(bytes(src))
    return pdfium.PdfDocument(os.fspath(src))


def render_pgm(doc: object, page_no: int, dpi: int = DEFAULT_DPI) -> bytes:
    """Page `page_no` (1-based) of an open PdfDocument as binary PGM bytes (8-bit grey)."""
    import pypdfium2 as pdfium

    assert isinstance(doc, pdfium.PdfDocument)
    with _lock:
        page = doc[page_no - 1]
        try:
            w, h = page.get_size()
            scale = dpi / 72.0
            if w * h * scale * scale > MAX_PIXELS:
                scale = (MAX_PIXELS / max(w * h, 1.0)) ** 0.5
            bmp = page.render(scale=scale, grayscale=True, fill_color=(255, 255, 255, 255))
            try:
                width, height, stride = bmp.width, bmp.height, bmp.stride
                raw = bytes(bmp.buffer)
                nch = bmp.n_channels
            finally:
                bmp.close()
        finally:
            page.close()
    if nch == 1:
        rows = raw if stride == width else b"".join(raw[y * stride:y * stride + width] for y in range(height))
    else:  # a colour format came back: keep one channel (the page was rendered grey, so B == G == R)
        rows = b"".join(raw[y * stride:y * stride + width * nch:nch] for y in range(height))
    return b"P5\n%d %d\n255\n" % (width, height) + rows


def tesseract_image(image: bytes, *, lang: str = DEFAULT_LANG, timeout: float = DEFAULT_PAGE_TIMEOUT,
                    dpi: int = DEFAULT_DPI, psm: int = 3) -> str:
    """Text of one image (PGM/PNG/TIFF bytes) by a `tesseract` subprocess. Raises on failure or timeout."""
    binary = tesseract_binary()
    if binary is None:
        raise RuntimeError(UNAVAILABLE_NOTE)
    env = dict(os.environ, OMP_THREAD_LIMIT="1")
    out = subprocess.run([binary, "stdin", "stdout", "-l", lang, "--psm", str(psm), "--dpi", str(dpi)],
                         input=image, capture_output=True, timeout=timeout, env=env, check=False)
    if out.returncode != 0:
        raise RuntimeError(f"tesseract exited {out.returncode}: {out.stderr.decode('utf-8', 'replace')[-300:]}")
    return out.stdout.decode("utf-8", "replace").replace("\x0c", "").strip()


# ---------------------------------------------------------------- cache


def default_cache_dir() -> Path:
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("verifier", appauthor=False)) / "ocr"


def content_hash(src: PdfSource) -> str:
    """SHA-256 of the PDF, reading a file in 1 MiB chunks (a 137 MB scan is never held whole)."""
    h = hashlib.sha256()
    if isinstance(src, bytes | bytearray):
        h.update(src)
    else:
        with open(os.fspath(src), "rb") as f:
            while chunk := f.read(1 << 20):
                h.update(chunk)
    return h.hexdigest()


class OcrCache:
    """Page texts on disk: DIR/ab/abcdef.../<page>.<lang>.<dpi>.<engine>.txt, written atomically."""

    def __init__(self, root: Path, digest: str, *, lang: str, dpi: int, engine: str) -> None:
        self.dir = root / digest[:2] / digest
        tag = hashlib.sha1(engine.encode()).hexdigest()[:8]
        self.suffix = f".{lang}.{dpi}.{tag}.txt"

    def path(self, page: int) -> Path:
        return self.dir / f"{page}{self.suffix}"

    def get(self, page: int) -> str | None:
        try:
            return self.path(page).read_text("utf-8")
        except OSError:
            return None

    def put(self, page: int, text: str) -> None:
        try:
            self.dir.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.dir, suffix=".tmp")
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(text)
            os.replace(tmp, self.path(page))
        except OSError:
            pass  # a read-only or full cache only costs a rerun


# ---------------------------------------------------------------- the task body


def default_workers() -> int:
    return max(1, min(4, os.cpu_count() or 1))


def ocr_pdf(src: PdfSource, pages: list[int] | None = None, *, workers: int | None = None,
            progress: Progress | None = None, lang: str = DEFAULT_LANG, dpi: int = DEFAULT_DPI,
            page_timeout: float = DEFAULT_PAGE_TIMEOUT, deadline: float | None = None,
            cache_dir: Path | None = None, use_cache: bool = True,
            errors: dict[int, str] | None = None) -> dict[int, str]:
    """OCR text of the given 1-based pages (all pages when None) of a PDF given as bytes or a path.

    Pages run `workers` at a time (tesseract subprocesses); `progress(done, total)` after each page
    (cached pages count at once); a page over `page_timeout` seconds, or not started before
    `deadline` (time.monotonic() value), is left out; reasons go to `errors` when given.
    Raises RuntimeError when tesseract is not installed.
    """
    reason = unavailable_reason(lang)
    if reason:
        raise RuntimeError(reason)
    binary = tesseract_binary()
    assert binary is not None
    with _lock:
        doc = _open(src)
        n = len(doc)  # type: ignore[arg-type]
    try:
        todo = sorted({p for p in (pages if pages is not None else range(1, n + 1)) if 1 <= p <= n})
        cache = OcrCache(cache_dir or default_cache_dir(), content_hash(src), lang=lang, dpi=dpi,
                         engine=_version(binary)) if use_cache else None
        run = _PageRun(len(todo), cache, progress, errors)
        todo = run.take_cached(todo)
        nworkers = max(1, workers or default_workers())
        with ThreadPoolExecutor(max_workers=nworkers, thread_name_prefix="ocr") as pool:
            for p in todo:
                run.wait_below(nworkers)  # flat memory: never more images than workers
                if deadline is not None and time.monotonic() >= deadline:
                    run.fail(p, "deadline passed")
                    continue
                try:
                    img = render_pgm(doc, p, dpi)
                except Exception as e:
                    run.fail(p, f"render failed: {e}"[:200])
                    continue
                run.running[pool.submit(tesseract_image, img, lang=lang, timeout=page_timeout, dpi=dpi)] = p
                del img
            run.wait_below(1)
        return run.out
    finally:
        with _lock:
            doc.close()  # type: ignore[attr-defined]


class _PageRun:
    """The pages of one OCR run: cached ones taken at once, the others collected as they finish,
    progress reported after each, and a failed page's reason kept (that page stays without text)."""

    def __init__(self, total: int, cache: OcrCache | None, progress: Progress | None,
                 errors: dict[int, str] | None) -> None:
        self.total, self.cache, self.progress, self.errors = total, cache, progress, errors
        self.out: dict[int, str] = {}
        self.running: dict[Future[str], int] = {}
        self.done = 0

    def take_cached(self, todo: list[int]) -> list[int]:
        if self.cache is not None:
            for p in todo:
                got = self.cache.get(p)
                if got is not None:
                    self.out[p] = got
        self.done = len(self.out)
        if self.progress and self.done:
            self.progress(self.done, self.total)
        return [p for p in todo if p not in self.out]

    def fail(self, page: int, reason: str) -> None:
        if self.errors is not None:
            self.errors[page] = reason

    def wait_below(self, limit: int) -> None:
        while len(self.running) >= limit:
            fin, _ = wait(self.running, return_when=FIRST_COMPLETED)
            for f in fin:
                self._finish(f, self.running.pop(f))

    def _finish(self, fut: Future[str], page: int) -> None:
        try:
            text = fut.result()
        except Exception as e:  # timeout, crash, unreadable image
            self.fail(page, "timed out" if isinstance(e, subprocess.TimeoutExpired) else str(e)[:200])
        else:
            self.out[page] = text
            if self.cache is not None:
                self.cache.put(page, text)
        self.done += 1
        if self.progress:
            self.progress(self.done, self.total)


def make_ocr(*, workers: int | None = None, lang: str = DEFAULT_LANG, dpi: int = DEFAULT_DPI,
             page_timeout: float = DEFAULT_PAGE_TIMEOUT, cache_dir: Path | None = None,
             use_cache: bool = True, progress: Progress | None = None,
             deadline: float | None = None) -> OcrFn | None:
    """The `ocr` hook for extract.extract_pdf / extract.extract, or None when OCR is not available."""
    if not ocr_available(lang):
        return None

    def run(pages: list[int], src: PdfSource) -> dict[int, str]:
        return ocr_pdf(src, pages, workers=workers, progress=progress, lang=lang, dpi=dpi,
                       page_timeout=page_timeout, cache_dir=cache_dir, use_cache=use_cache, deadline=deadline)

    return run


def time_limit(pages: int, *, workers: int | None = None, per_page: float = 6.0, base: float = 60.0) -> float:
    """A task time limit fitted to the page count: `per_page` seconds of one core per page, shared by workers."""
    return base + per_page * pages / max(1, workers or default_workers())


def rasterize_pdf(src: PdfSource, *, dpi: int = 150, pages: list[int] | None = None) -> bytes:
    """An image-only copy of a PDF (each page rendered to a grey bitmap and placed as an image):
    what a scanner produces, for tests and benchmarks. Pages 1-based, all when None."""

    with _lock:
        return _rasterize(src, dpi, pages)


def _rasterize(src: PdfSource, dpi: int, pages: list[int] | None) -> bytes:
    import pypdfium2 as pdfium

    doc = _open(src)
    out = pdfium.PdfDocument.new()
    try:
        assert isinstance(doc, pdfium.PdfDocument)
        for p in pages or range(1, len(doc) + 1):
            with _lock:
                page = doc[p - 1]
                w, h = page.get_size()
                bmp = page.render(scale=dpi / 72.0, grayscale=True, fill_color=(255, 255, 255, 255))
                page.close()
                new = out.new_page(w, h)
                img = pdfium.PdfImage.new(out)
                img.set_bitmap(bmp)
                img.set_matrix(pdfium.PdfMatrix().scale(w, h))
                new.insert_obj(img)
                new.gen_content()
                bmp.close()
                new.close()
        buf = io.BytesIO()
        out.save(buf)
        return buf.getvalue()
    finally:
        out.close()
        doc.close()  # type: ignore[attr-defined]
