"""Run a document parser in a child process under a memory and time budget.

Why: pypdfium2 inflates a page's content streams whole, in the calling process: a 1.5 MB PDF
whose FlateDecode stream inflates to 1 GiB costs over 2 GB, and no pdfium option caps it. A
child process with RLIMIT_AS set before it imports the parser cannot take more than its budget,
and a deadline ends it; the caller gets the result, or a one-line refusal naming the budget that
was exceeded. The child answers in JSON (never pickle: it has read hostile input).

The child is forked from a warm zygote (documents.zygote) when one can be had: a fresh process
per document as before, without an interpreter's start-up and the parser's import on every read
(about 70 ms of CPU, against under 1 ms to read a short PDF); otherwise it is started as
`python -m verifier.documents.bounded`. Both run the same `_child`.

    text = run_bounded("verifier.documents.bounded:pdf_brief", data, memory_bytes=..., seconds=...)

The target is "module:function", a function of bytes returning a JSON-able value; a BriefError
it raises comes back as the same class with the same message. A target that is a generator is
run with `run_bounded_lines`: each value it yields is one line the parent keeps even when the
child is stopped half-way, so a reader can skip the one page that broke the budget and go on.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import resource
import selectors
import signal
import subprocess
import sys
import threading
import time
import types
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from verifier.core.values import BriefError, BriefText, BriefTooLarge, BriefUnreadable, Link
from verifier.documents import zygote

PDF_MEMORY_BYTES = 448 * 1024 * 1024  # address space of the child, pdfium and Python included: peak under 500 MB
PDF_SECONDS = 60.0


class BudgetExceeded(Exception):
    """The child ran out of memory or time (the message says which, in one line)."""


def run_bounded(target: str, data: bytes, *, memory_bytes: int, seconds: float) -> Any:
    """Call `target(data)` in a child process limited to `memory_bytes` of address space and
    `seconds` of wall time; its JSON result, a re-raised BriefError, or BudgetExceeded."""
    code, out, late = _run_child(target, data, memory_bytes, seconds)
    if late:
        raise BudgetExceeded(f"took longer than {seconds:.0f} s")
    return _answer(code, out, memory_bytes)


def _run_child(target: str, data: bytes, memory_bytes: int, seconds: float) -> tuple[int | None, bytes, bool]:
    """Run the bounded child on `data`: its exit status (None when the zygote forked it, which
    reaps it), what it wrote, and whether it was stopped at the deadline."""
    argv = [target, str(memory_bytes), str(int(seconds) + 1)]
    child = zygote.shared().spawn(argv)
    if child is None:
        return _run_started(argv, data, seconds)
    return None, *_run_forked(child, data, seconds)


def _run_started(argv: list[str], data: bytes, seconds: float) -> tuple[int | None, bytes, bool]:
    """The child as a new interpreter (when no zygote can be had)."""
    cmd = [sys.executable, "-m", "verifier.documents.bounded", *argv]
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    try:
        done = subprocess.run(cmd, input=data, capture_output=True, timeout=seconds, env=env, check=False)
    except subprocess.TimeoutExpired as e:
        return None, e.stdout or b"", True
    return done.returncode, done.stdout or b"", False


def _run_forked(child: zygote.Child, data: bytes, seconds: float) -> tuple[bytes, bool]:
    """Feed the forked child `data` (from a thread, so a child that writes first cannot block us),
    read its output until it closes it or the deadline passes; then the child is stopped."""
    feeder = threading.Thread(target=_feed, args=(child.stdin, data), daemon=True)
    feeder.start()
    out, late = bytearray(), False
    deadline = time.monotonic() + seconds
    try:
        with selectors.DefaultSelector() as sel:
            sel.register(child.stdout, selectors.EVENT_READ)
            while True:
                left = deadline - time.monotonic()
                if left <= 0 or not sel.select(left):
                    late = True
                    break
                chunk = os.read(child.stdout, 1 << 16)
                if not chunk:
                    break
                out += chunk
    finally:
        if late:
            with contextlib.suppress(ProcessLookupError):
                os.kill(child.pid, signal.SIGKILL)  # its stdout is still open: it is still running
        os.close(child.stdout)
        feeder.join()
    return bytes(out), late


def _feed(fd: int, data: bytes) -> None:
    try:
        with open(fd, "wb", closefd=True) as f:
            f.write(data)
    except OSError:  # the child stopped before it read everything: its output says why
        pass


def _answer(code: int | None, out: bytes, memory_bytes: int) -> Any:
    try:
        reply = json.loads(out or b"null")
    except ValueError:
        reply = None
    if code in (0, None) and isinstance(reply, dict) and "ok" in reply:
        return reply["ok"]
    if isinstance(reply, dict) and reply.get("error") in _ERRORS:
        raise _ERRORS[reply["error"]](str(reply.get("message", ""))[:300])
    limit = f"{memory_bytes / 1024 / 1024:.0f} MB"
    if isinstance(reply, dict) and reply.get("error") == "memory":
        raise BudgetExceeded(f"needs more than {limit} of memory")
    if code in (-signal.SIGXCPU, -signal.SIGKILL):
        raise BudgetExceeded("took too long")
    raise BudgetExceeded(f"needs more than {limit} of memory (the reader was stopped)")


_ERRORS: dict[str, type[BriefError]] = {c.__name__: c for c in (BriefError, BriefTooLarge, BriefUnreadable)}


@dataclass
class Lines:
    """What a generator target yielded before it finished or was stopped (then `stopped` says why)."""

    items: list[Any] = field(default_factory=list)
    stopped: str | None = None


def run_bounded_lines(target: str, data: bytes, *, memory_bytes: int, seconds: float) -> Lines:
    """Run a generator `target(data)` in a bounded child; every value it yielded, and why it
    stopped early (memory, time) or None when it ran to its end. Never raises for the budget."""
    _, out, late_now = _run_child(target, data, memory_bytes, max(1.0, seconds))
    late = f"took longer than {seconds:.0f} s" if late_now else None
    got = Lines()
    for line in out.splitlines():
        try:
            item = json.loads(line)
        except ValueError:
            break  # a line cut short when the child was stopped
        if isinstance(item, dict) and item.get("end") is True:
            return got
        if isinstance(item, dict) and "error" in item:
            if item["error"] == "failed":
                got.stopped = f"failed ({item.get('message', '')})"
                return got
            break
        got.items.append(item)
    got.stopped = late or f"needs more than {memory_bytes / 1024 / 1024:.0f} MB of memory"
    return got


# ------------------------------------------------------------------ the PDF brief reader


def pdf_brief(data: bytes) -> dict[str, Any]:
    """Child side: the brief's text from the PDF (intake's reader), as JSON-able values."""
    from verifier.core.intake import read_pdf_brief

    brief = read_pdf_brief(data)
    return {"text": brief.text, "title": brief.title, "notes": brief.notes,
            "links": [[lk.url, lk.start, lk.end, lk.text] for lk in brief.links]}


def bounded_pdf_brief(data: bytes, *, memory_bytes: int = PDF_MEMORY_BYTES,
                      seconds: float = PDF_SECONDS) -> BriefText:
    """A PDF brief read under the budget; over it, BriefTooLarge naming what ran out."""
    try:
        got = run_bounded("verifier.documents.bounded:pdf_brief", data, memory_bytes=memory_bytes, seconds=seconds)
    except BudgetExceeded as e:
        raise BriefTooLarge(f"the PDF {e}; refused") from None
    return BriefText(text=got["text"], title=got["title"], fmt="pdf", notes=list(got["notes"]),
                     links=[Link(url, start, end, text) for url, start, end, text in got.get("links", [])])


# ------------------------------------------------------------------ the child


def _child(target: str, memory_bytes: int, cpu_seconds: int) -> int:
    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds))
    data = sys.stdin.buffer.read()
    module, _, name = target.partition(":")
    out = sys.stdout
    try:
        result = getattr(importlib.import_module(module), name)(data)
        if isinstance(result, types.GeneratorType):
            return _child_lines(result)
        reply: dict[str, Any] = {"ok": result}
    except MemoryError:
        reply = {"error": "memory"}
    except BriefError as e:
        reply = {"error": type(e).__name__ if type(e).__name__ in _ERRORS else "BriefError", "message": str(e)}
    with contextlib.suppress(MemoryError):
        out.write(json.dumps(reply))
        out.flush()
        return 0 if "ok" in reply else 3
    return 4


def _child_lines(items: Iterator[Any]) -> int:
    """Write each yielded value as one JSON line, flushed at once, then {"end": true}."""
    out = sys.stdout
    try:
        for item in items:
            out.write(json.dumps(item) + "\n")
            out.flush()
        out.write('{"end": true}\n')
        out.flush()
        return 0
    except MemoryError:
        with contextlib.suppress(MemoryError):
            out.write('\n{"error": "memory"}\n')
            out.flush()
        return 4
    except Exception as e:  # the reader broke on this input: say so rather than blame the budget
        out.write("\n" + json.dumps({"error": "failed", "message": f"{type(e).__name__}: {e}"[:200]}) + "\n")
        out.flush()
        return 3


# ------------------------------------------------------------------ a fetched PDF source's text layer


def pdf_source_pages(data: bytes) -> Iterator[Any]:
    """Child side: a PDF source's text layer page by page (verifier.documents.pdf.iter_layer).

    `data` is a JSON header line ({"path": file or null, "first": page, "max_pages": n}) and,
    when no path is given, the PDF's bytes."""
    from verifier.documents.pdf import iter_layer

    head, _, rest = data.partition(b"\n")
    opts = json.loads(head)
    yield from iter_layer(opts.get("path") or rest, int(opts.get("first", 0)), int(opts["max_pages"]))


if __name__ == "__main__":
    raise SystemExit(_child(sys.argv[1], int(sys.argv[2]), int(sys.argv[3])))
