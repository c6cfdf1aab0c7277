"""Run a document parser in a child process under a memory and time budget.

Why: pypdfium2 inflates a page's content streams whole, in the calling process: a 1.5 MB PDF
whose FlateDecode stream inflates to 1 GiB costs over 2 GB, and no pdfium option caps it. A
child process with RLIMIT_AS set before it imports the parser cannot take more than its budget,
and a deadline ends it; the caller gets the result, or a one-line refusal naming the budget that
was exceeded. The child answers in JSON (never pickle: it has read hostile input).

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
import subprocess
import sys
import types
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from verifier.core.values import BriefError, BriefText, BriefTooLarge, BriefUnreadable

PDF_MEMORY_BYTES = 448 * 1024 * 1024  # address space of the child, pdfium and Python included: peak under 500 MB
PDF_SECONDS = 60.0


class BudgetExceeded(Exception):
    """The child ran out of memory or time (the message says which, in one line)."""


def run_bounded(target: str, data: bytes, *, memory_bytes: int, seconds: float) -> Any:
    """Call `target(data)` in a child process limited to `memory_bytes` of address space and
    `seconds` of wall time; its JSON result, a re-raised BriefError, or BudgetExceeded."""
    cmd = [sys.executable, "-m", "verifier.documents.bounded", target, str(memory_bytes), str(int(seconds) + 1)]
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    try:
        done = subprocess.run(cmd, input=data, capture_output=True, timeout=seconds, env=env, check=False)
    except subprocess.TimeoutExpired:
        raise BudgetExceeded(f"took longer than {seconds:.0f} s") from None
    return _answer(done, memory_bytes)


def _answer(done: subprocess.CompletedProcess[bytes], memory_bytes: int) -> Any:
    try:
        reply = json.loads(done.stdout or b"null")
    except ValueError:
        reply = None
    if done.returncode == 0 and isinstance(reply, dict) and "ok" in reply:
        return reply["ok"]
    if isinstance(reply, dict) and reply.get("error") in _ERRORS:
        raise _ERRORS[reply["error"]](str(reply.get("message", ""))[:300])
    limit = f"{memory_bytes / 1024 / 1024:.0f} MB"
    if isinstance(reply, dict) and reply.get("error") == "memory":
        raise BudgetExceeded(f"needs more than {limit} of memory")
    if done.returncode == -resource.RLIMIT_CPU or done.returncode in (-9, -24):
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
    cmd = [sys.executable, "-m", "verifier.documents.bounded", target, str(memory_bytes), str(int(seconds) + 1)]
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    try:
        done = subprocess.run(cmd, input=data, capture_output=True, timeout=max(1.0, seconds), env=env, check=False)
        out, late = done.stdout or b"", None
    except subprocess.TimeoutExpired as e:
        out, late = (e.stdout or b""), f"took longer than {seconds:.0f} s"
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
    return {"text": brief.text, "title": brief.title, "notes": brief.notes}


def bounded_pdf_brief(data: bytes, *, memory_bytes: int = PDF_MEMORY_BYTES,
                      seconds: float = PDF_SECONDS) -> BriefText:
    """A PDF brief read under the budget; over it, BriefTooLarge naming what ran out."""
    try:
        got = run_bounded("verifier.documents.bounded:pdf_brief", data, memory_bytes=memory_bytes, seconds=seconds)
    except BudgetExceeded as e:
        raise BriefTooLarge(f"the PDF {e}; refused") from None
    return BriefText(text=got["text"], title=got["title"], fmt="pdf", notes=list(got["notes"]))


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
