"""The result document's models against the contract: every field the contract names, by path,
with its JSON type and, for vocabularies, its exact values.

The field lists below are copied from /work/shared/CONTRACT.md (sections "The result document",
"Rechecks and drift", "Sources a bot cannot read" and "Claims"), written here as data so the test
runs without the shared folder. A renamed, retyped or missing field, or a value added to or dropped
from a vocabulary, fails here before it reaches a client.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import ValidationError

from verifier.core.document import ResultDocument

BRIEF_STATUSES = ["queued", "running", "done", "failed"]
VERDICTS = ["verified", "minor_differences", "altered", "not_found", "misattributed", "unverifiable"]
LINK_STATUSES = ["ok", "not_found", "soft_404", "blocked", "server_error", "timeout", "unreachable",
                 "too_large", "no_text", "refused"]
DIFF_KINDS = ["replaced", "added", "dropped", "inserted_note", "spelling"]

STR, INT, NUM, ARR, OBJ = "string", "integer", "number", "array", "object"

#: "The result document": path -> JSON type, or the list of values a vocabulary allows
RESULT_DOCUMENT: dict[str, str | list[str]] = {
    "brief_id": STR, "status": BRIEF_STATUSES, "sources": ARR, "quotes": ARR,
    "sources[].ref": STR, "sources[].url": STR, "sources[].final_url": STR, "sources[].status": LINK_STATUSES,
    "sources[].http_status": INT, "sources[].content_type": STR, "sources[].title": STR,
    "sources[].fetched_at": STR, "sources[].text_sha256": STR, "sources[].error": STR,
    "quotes[].id": STR, "quotes[].text": STR, "quotes[].start": INT, "quotes[].end": INT, "quotes[].cites": ARR,
    "quotes[].cites[]": STR, "quotes[].verdict": VERDICTS, "quotes[].score": NUM, "quotes[].source_ref": STR,
    "quotes[].source_url": STR, "quotes[].evidence": OBJ, "quotes[].evidence.text": STR,
    "quotes[].evidence.start": INT, "quotes[].evidence.end": INT, "quotes[].evidence.page": INT,
    "quotes[].evidence.context": STR, "quotes[].differences": ARR, "quotes[].differences[].kind": DIFF_KINDS,
    "quotes[].differences[].quote": STR, "quotes[].differences[].source": STR,
}
#: "Rechecks and drift"
RECHECKS: dict[str, str | list[str]] = {
    "sources[].state": ["live", "failing", "dead"], "sources[].history": ARR,
    "sources[].history[].checked_at": STR, "sources[].history[].status": LINK_STATUSES,
    "sources[].history[].http_status": INT, "sources[].history[].text_sha256": STR,
    "sources[].archive": OBJ, "sources[].archive.url": STR, "sources[].archive.captured_at": STR,
    "quotes[].drift": ["unchanged", "moved", "changed", "removed"], "quotes[].drift_text": STR,
    "quotes[].archive_verdict": VERDICTS,
}
#: "Sources a bot cannot read"
UNREADABLE: dict[str, str | list[str]] = {
    "sources[].provenance": ["fetched", "rendered", "archived", "supplied"],
    "sources[].supplied": OBJ, "sources[].supplied.file_name": STR, "sources[].supplied.sha256": STR,
}
#: "Claims"
CLAIMS: dict[str, str | list[str]] = {
    "claims": ARR, "claims[].id": STR, "claims[].text": STR, "claims[].start": INT, "claims[].end": INT,
    "claims[].cites": ARR, "claims[].cites[]": STR, "claims[].source_ref": STR, "claims[].source_url": STR,
    "claims[].evidence": ARR, "claims[].evidence[].text": STR, "claims[].evidence[].start": INT,
    "claims[].evidence[].end": INT, "claims[].evidence[].page": INT, "claims[].evidence[].score": NUM,
    "claims[].coverage": NUM, "claims[].flags": ARR, "claims[].flags[].kind": ["number", "date", "name", "negation"],
    "claims[].flags[].claim": STR, "claims[].flags[].source": STR,
    "claims[].support": ["unverifiable", "unsupported", "supported", "partly_supported"],
}
#: fields the contract shows as null (or "…, or null")
NULLABLE = {"sources[].error", "quotes[].evidence.page", "quotes[].drift", "quotes[].archive_verdict",
            "claims[].evidence[].page", "claims[].coverage", "claims[].flags[].claim",
            "claims[].flags[].source"}
ALL = {**RESULT_DOCUMENT, **RECHECKS, **UNREADABLE, **CLAIMS}


class Schema:
    """Walks `model_json_schema()` by the contract's paths (`a[].b.c`), following $refs and
    seeing through `anyOf: [X, null]`."""

    def __init__(self, schema: dict[str, Any]) -> None:
        self.root, self.defs = schema, schema.get("$defs", {})

    def _deref(self, node: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in node:
            node = self.defs[node["$ref"].rsplit("/", 1)[-1]]
        return node

    def options(self, node: dict[str, Any]) -> list[dict[str, Any]]:
        """The non-null alternatives of a node, dereferenced."""
        node = self._deref(node)
        alts = [self._deref(a) for a in node.get("anyOf", [node])]
        return [a for a in alts if a.get("type") != "null"]

    def nullable(self, node: dict[str, Any]) -> bool:
        return any(a.get("type") == "null" for a in self._deref(node).get("anyOf", []))

    def at(self, path: str) -> dict[str, Any]:
        node = self.root
        for part in path.split("."):
            name, arrays = part.rstrip("[]"), part.count("[]")
            (obj,) = self.options(node)
            assert obj.get("type") == OBJ, f"{path}: {name!r} is not inside an object"
            assert name in obj["properties"], f"{path}: no field {name!r}"
            node = obj["properties"][name]
            for _ in range(arrays):
                (arr,) = self.options(node)
                assert arr.get("type") == ARR, f"{path}: {name!r} is not an array"
                node = arr["items"]
        return node


@pytest.fixture(scope="module")
def schema() -> Schema:
    return Schema(ResultDocument.model_json_schema())


@pytest.mark.parametrize("path", sorted(ALL))
def test_every_contract_field_is_in_the_schema(schema: Schema, path: str) -> None:
    want = ALL[path]
    node = schema.at(path)
    (got,) = schema.options(node)
    if isinstance(want, list):
        assert got.get("type") == STR and got.get("enum") == want, (path, got)
    else:
        assert got.get("type") == want, (path, got)
    if path in NULLABLE:
        assert schema.nullable(node), f"{path} must allow null"


def test_times_are_marked_as_date_time(schema: Schema) -> None:
    for path in ("sources[].fetched_at", "sources[].history[].checked_at", "sources[].archive.captured_at"):
        (got,) = schema.options(schema.at(path))
        assert got.get("format") == "date-time", path


def test_a_field_off_the_contract_is_caught(schema: Schema) -> None:
    with pytest.raises(AssertionError, match="no field 'verdikt'"):
        schema.at("quotes[].verdikt")
    with pytest.raises(AssertionError, match="not an array"):
        schema.at("quotes[].evidence[].text")


def _minimal(**quote: Any) -> dict[str, Any]:
    return {"brief_id": "b1", "status": "done",
            "sources": [{"ref": "1", "url": "https://example.org/a", "status": "ok"}],
            "quotes": [{"id": "q1", "text": "it rained all day", "start": 3, "end": 20, **quote}]}


def test_values_off_the_vocabularies_are_refused() -> None:
    ResultDocument.model_validate(_minimal(verdict="verified"))
    for bad in (_minimal(verdict="maybe"), _minimal(drift="shifted"),
                {**_minimal(), "status": "paused"}):
        with pytest.raises(ValidationError):
            ResultDocument.model_validate(bad)


def test_later_sections_stay_out_of_the_json_until_filled() -> None:
    doc = ResultDocument.model_validate(_minimal())
    out = json.loads(doc.to_json_bytes())
    assert "claims" not in out and "brief_text" not in out
    assert "history" not in out["sources"][0] and "provenance" not in out["sources"][0]
    assert out["quotes"][0]["drift"] is None and out["sources"][0]["archive"] is None  # contract nulls stay
    doc.sources[0].history = []
    doc.sources[0].provenance = "supplied"
    doc.claims = []
    out = json.loads(doc.to_json_bytes())
    assert out["claims"] == [] and out["sources"][0]["history"] == []
    assert out["sources"][0]["provenance"] == "supplied"
    assert doc.model_dump(mode="json") == out
