"""A paywalled page end to end, against a real local server: the source is `ok` with the paywall
said in its `error`, the partial text is stored as such, and a passage beyond the free part is
unverifiable (not not_found), in the first check and when the stored brief is judged again."""

from __future__ import annotations

import json

from sqlmodel import select

from tests.httpserver import LoopbackServer
from verifier.core.intake import brief_from_bytes
from verifier.service import pipeline
from verifier.service.result import build_result
from verifier.settings import Settings
from verifier.storage import db, store
from verifier.storage.models import SnapshotRow

FREE = "The council's budget row deepened on Tuesday as members traded accusations over the harbour repairs."
LD = json.dumps({"@type": "NewsArticle", "headline": "Budget row", "isAccessibleForFree": "False"})
PAYWALLED = (f'<html><head><title>Budget row</title><script type="application/ld+json">{LD}</script></head>'
             f'<body><article><h1>Budget row</h1><p>{FREE}</p><p>Members met for three days in the capital.</p>'
             '<div class="paywall"><p>Subscribe to continue reading.</p></div></article></body></html>').encode()
BEYOND = "we will not be bullied into cutting the harbour budget by anyone"


def test_a_passage_beyond_a_paywall_is_unverifiable(loopback_settings: Settings) -> None:
    with LoopbackServer() as srv:
        srv.page("/story", PAYWALLED)
        text = (f"Brief\n\nThe paper said “members traded accusations over the harbour repairs” [1]. The leader "
                f"told it “{BEYOND}” [1].\n\n[1] Ledger. {srv.url('/story')}\n")
        with db.session_for(loopback_settings.database_url) as s:
            brief = pipeline.check_brief(s, brief_from_bytes(text.encode(), name="b.md"), loopback_settings,
                                         origin=None)
            doc = build_result(s, brief.id).model_dump(mode="json")
            brief_id = brief.id
    [src] = doc["sources"]
    assert src["status"] == "ok" and src["error"].startswith("paywalled (isAccessibleForFree: false)")
    verdicts = {q["text"]: (q["verdict"], q["note"]) for q in doc["quotes"]}
    assert verdicts["members traded accusations over the harbour repairs"][0] == "verified"
    verdict, note = verdicts[BEYOND]
    assert verdict == "unverifiable" and "only part of its text" in note
    with db.session_for(loopback_settings.database_url) as s:  # stored as partial, read back as partial
        [row] = list(s.exec(select(SnapshotRow)))
        assert row.partial and row.partial.startswith("paywalled")
        assert store.source_text_of(row).partial == row.partial  # type: ignore[union-attr]
        pipeline.judge_brief(s, brief_id, loopback_settings)
        again = build_result(s, brief_id).model_dump(mode="json")
    assert [q["verdict"] for q in again["quotes"]] == [q["verdict"] for q in doc["quotes"]]
