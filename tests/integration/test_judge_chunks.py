"""Judging a brief in chunks of quotes (the service's bounded tasks) stores what judging it at once does."""

from __future__ import annotations

from pathlib import Path

from sqlmodel import Session

from verifier.core.statuses import LinkStatus
from verifier.core.values import BriefText, Snapshot, SourceText
from verifier.service import pipeline
from verifier.settings import Settings
from verifier.storage import db, store
from verifier.storage.models import Brief

PAGES = {
    "http://127.0.0.1:9/harbour": "The harbour wall will be repaired over the winter. Fishing boats will still be able "
                                  "to use the inner harbour throughout the repairs, the council said.",
    "http://127.0.0.1:9/library": "The council approved the budget for the new library by nine votes to four. The "
                                  "library will open in the spring.",
}
BRIEF = ("The council said “Fishing boats will still be able to use the inner harbour” [1]. It added that "
         "“the library will open in the spring” [1], and that “the library will close in the spring” [2]. "
         "Nobody said “the mayor promised a tram line by the summer” [2]. “The harbour wall will be "
         "repaired over the winter” [2]. An aide said “nine votes to four” [2].\n\n"
         "[1] Harbour. http://127.0.0.1:9/harbour\n[2] Library. http://127.0.0.1:9/library\n")
SETTINGS = Settings(archive_on_failure=False)


def _stored_brief(session: Session) -> str:
    row = pipeline.register_brief(session, BriefText(BRIEF, fmt="md"), origin=None, settings=SETTINGS)
    for url, text in PAGES.items():
        src = store.get_or_create_source(session, url)
        store.record_snapshot(session, src, Snapshot(url=url, status=LinkStatus.OK, http_status=200,
                                                     content_type="text/plain", body=text.encode()),
                              SourceText(text))
    session.commit()
    return row.id


def _verdicts(session: Session, brief_id: str) -> list[tuple[object, ...]]:
    return [(q.qid, q.verdict, q.source_ref, q.score, q.snapshot_id, q.evidence, q.differences, q.note)
            for q in store.quotes_of(session, brief_id)]


def test_chunks_store_the_verdicts_of_one_pass(tmp_path: Path) -> None:
    session = db.session_for(f"sqlite:///{tmp_path / 'chunks.sqlite'}")
    whole, chunked = _stored_brief(session), _stored_brief(session)
    pipeline.judge_brief(session, whole, SETTINGS)
    total = session.get(Brief, chunked).quotes_total  # type: ignore[union-attr]
    assert total == 6
    for start in (4, 0, 2):  # chunk tasks finish in any order
        assert pipeline.judge_quotes(session, chunked, start, start + 2) == 2
    assert pipeline.judge_quotes(session, chunked, 2, 4) == 2  # a chunk run twice counts once
    row = session.get(Brief, chunked)
    assert row is not None and row.quotes_done == 6 and row.status != "done"
    pipeline.finish_judging(session, chunked, SETTINGS)
    assert _verdicts(session, chunked) == _verdicts(session, whole)
    verdicts = [v[1] for v in _verdicts(session, whole)]
    assert verdicts == ["verified", "misattributed", "altered", "not_found", "misattributed", "verified"]
    for bid in (whole, chunked):
        row = session.get(Brief, bid)
        assert row is not None and row.status == "done" and row.quotes_done == row.quotes_total == 6
        assert row.sources_done == 2 and row.finished_at is not None
