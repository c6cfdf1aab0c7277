"""Response headers stored with a snapshot: all of them, in order, duplicates kept; old rows readable."""

from __future__ import annotations

from pathlib import Path

from sqlmodel import select

from verifier.core.statuses import LinkStatus
from verifier.core.values import Snapshot
from verifier.storage import store
from verifier.storage.db import migrate, session_for
from verifier.storage.models import SnapshotRow


def test_headers_round_trip_in_order_with_duplicates(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'v.db'}"
    migrate(url)
    every = [("Content-Type", "text/html"), ("Link", "<a>; rel=next"), ("X-Trace", "1"), ("Link", "<b>; rel=prev")]
    snap = Snapshot(url="https://example.org/", status=LinkStatus.OK, http_status=200,
                    headers={"content-type": "text/html", "link": "<b>; rel=prev"}, header_list=every)
    with session_for(url) as session:
        source = store.get_or_create_source(session, snap.url)
        store.record_snapshot(session, source, snap, None)
        session.commit()
    with session_for(url) as session:
        row = session.exec(select(SnapshotRow)).one()
        assert store.read_headers(row.headers) == every


def test_rows_stored_as_a_dict_stay_readable() -> None:
    assert store.read_headers({"etag": '"v1"', "server": "x"}) == [("etag", '"v1"'), ("server", "x")]
    assert store.read_headers(None) == []
