"""VERIFIER_RENDER's rule: which stored snapshots are worth rendering (verifier/service/rendering.py)."""

from __future__ import annotations

import pytest

from verifier.service.rendering import has_scripts, needs_render
from verifier.storage.models import SnapshotRow


def row(status: str, ctype: str = "text/html", provenance: str = "fetched") -> SnapshotRow:
    return SnapshotRow(source_id=1, status=status, content_type=ctype, provenance=provenance)


@pytest.mark.parametrize(("mode", "status", "body", "want"), [
    ("auto", "no_text", b"<html><body><div id=root></div><script src=app.js></script></body></html>", True),
    ("auto", "no_text", b"<html><body><p>hi</p></body></html>", False),  # no scripts: nothing to run
    ("auto", "no_text", b"", True),  # the body was not kept: find out
    ("auto", "blocked", b"", True),
    ("auto", "ok", b"<html><script></script></html>", False),
    ("always", "ok", b"", True),
    ("never", "no_text", b"<script></script>", False),
    ("never", "blocked", b"", False),
    ("auto", "not_found", b"", False),
    # a script shell read from its structured data: the rendered page may hold more than the articleBody
    ("auto", "ok", b"<html><head><script type='application/ld+json'>{\"articleBody\": \"The text.\"}</script>"
                   b"</head><body><div id=root></div><script src=app.js></script></body></html>", True),
    ("auto", "ok", b"<html><head><script type='application/ld+json'>{\"articleBody\": \"The text.\"}</script>"
                   b"</head><body><p>" + b"The page shows its article too. " * 20 + b"</p></body></html>", False),
])
def test_rule(mode: str, status: str, body: bytes, want: bool) -> None:
    assert needs_render(mode, row(status), body) is want


def test_a_rendered_snapshot_is_never_rendered_again() -> None:
    assert not needs_render("always", row("ok", provenance="rendered"), b"")


def test_pdf_is_not_rendered() -> None:
    assert not needs_render("always", row("ok", ctype="application/pdf"), b"")


def test_scripts_found_by_the_parser_not_by_words() -> None:
    assert not has_scripts(b"<html><body><p>The word &lt;script&gt; in a sentence.</p></body></html>")
    assert has_scripts(b"<html><head><script>1</script></head></html>")
