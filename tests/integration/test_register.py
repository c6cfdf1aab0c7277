"""Registering a brief in bulk: shared Source rows by URL, citations and quotes in order, past one chunk."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from sqlmodel import col, select

from verifier.core.values import BriefText
from verifier.service import pipeline
from verifier.storage import db, store
from verifier.storage.models import Source

N = 1_200  # more than one chunk of rows per INSERT / ids per IN (…)


def _url(run: str, i: int) -> str:
    return f"http://127.0.0.1:9/{run}/{i}"


def _brief(run: str, n: int, offset: int = 0) -> BriefText:
    refs = "".join(f"[{i + 1}] {_url(run, i + offset)}\n" for i in range(n))
    quotes = "“the first quoted sentence stands here” [1]\n\n“a second sentence is cited twice” [2][1]\n\n"
    return BriefText(text=quotes + refs, fmt="md")


def _registers_in_bulk(url: str) -> None:
    run = uuid.uuid4().hex[:8]
    session = db.session_for(url)
    first = pipeline.register_brief(session, _brief(run, N), origin=None)
    second = pipeline.register_brief(session, _brief(run, N, offset=N // 2), origin=None)  # half the URLs shared
    mine = session.exec(select(Source).where(col(Source.url).startswith(f"http://127.0.0.1:9/{run}/"))).all()
    assert sorted(s.url for s in mine) == sorted(_url(run, i) for i in range(N + N // 2))  # one Source per URL
    assert all(s.state == "live" and s.strikes == 0 and s.created_at is not None for s in mine)
    for row, offset in ((first, 0), (second, N // 2)):
        cits = store.citations_of(session, row.id)
        assert [c.url for c in cits] == [_url(run, i + offset) for i in range(N)]
        by_url = {s.url: s.id for s in session.exec(select(Source).where(col(Source.url).in_([c.url for c in cits])))}
        assert all(by_url[c.url] == c.source_id for c in cits)
        quotes = store.quotes_of(session, row.id)
        assert [(q.qid, q.cites, q.differences) for q in quotes] == [("q1", ["1"], []), ("q2", ["2", "1"], [])]
        assert (row.sources_total, row.quotes_total) == (N, 2)


def test_bulk_registration_on_sqlite(tmp_path: Path) -> None:
    _registers_in_bulk(f"sqlite:///{tmp_path}/r.sqlite")


def test_bulk_registration_on_postgresql(pg_url: str) -> None:
    _registers_in_bulk(pg_url)


def test_a_brief_over_the_limits_is_refused_and_nothing_is_stored(tmp_path: Path) -> None:
    from verifier.core.values import BriefTooLarge
    from verifier.settings import Settings
    from verifier.storage.models import Brief

    session = db.session_for(f"sqlite:///{tmp_path / 'limits.sqlite'}")
    brief = _brief("limits", 3)  # 2 quotes, 3 citations
    with pytest.raises(BriefTooLarge, match=r"^the brief has 3 citations, more than the 2 .*VERIFIER_MAX_CITATIONS"):
        pipeline.register_brief(session, brief, origin=None, settings=Settings(max_citations=2))
    with pytest.raises(BriefTooLarge, match=r"^the brief has 2 quotes, more than the 1 .*VERIFIER_MAX_QUOTES"):
        pipeline.register_brief(session, brief, origin=None, settings=Settings(max_quotes=1))
    assert session.exec(select(Brief)).all() == []
    row = pipeline.register_brief(session, brief, origin=None, settings=Settings(max_quotes=2, max_citations=3))
    assert (row.quotes_total, row.sources_total) == (2, 3)
