"""Claims end to end through the CLI: a brief with quotes and cited claims, checked against the demo
site on 127.0.0.1, in every output format, with the exit status VERIFIER_CLAIMS_EXIT chooses."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from tests.e2e.test_cli import run, site  # noqa: F401  (the demo site fixture)
from verifier.cli.demo import DemoSite

pytestmark = pytest.mark.slow

BRIEF = """# Harbour notes

Council leader Anwen Pascoe admitted: “We underestimated how much of the stonework had been
undermined by the winter storms” [1].

Fishing boats can still use the inner harbour while the repairs go on [1].
{changed}
Local businesses asked for a temporary <b>footpath</b> along the quay to reach the lighthouse café [1].

## References

[1] Harbour wall repairs to take longer than planned. {base}/news/harbour-wall
"""
CHANGED = "The council has set aside £4.2 million for the work, which will be carried out in three phases [1].\n"


def write(tmp_path: Path, site: DemoSite, changed: bool = True) -> Path:  # noqa: F811
    p = tmp_path / "brief.md"
    p.write_text(BRIEF.format(base=site.base_url, changed=CHANGED if changed else ""))
    return p


def check(brief: Path, env: dict[str, str], fmt: str = "json", **extra: str) -> tuple[int, str]:
    p = run("check", str(brief), "--format", fmt, env={**env, **extra})
    assert not p.stderr.decode().count("Traceback"), p.stderr.decode()
    return p.returncode, p.stdout.decode()


def test_claims_in_the_json_and_the_exit_status(site: DemoSite, tmp_path: Path,  # noqa: F811
                                                loopback_env: dict[str, str]) -> None:
    env = {**loopback_env, "VERIFIER_DATABASE_URL": f"sqlite:///{tmp_path}/v.sqlite"}
    code, out = check(write(tmp_path, site), env)
    doc = json.loads(out)
    assert [q["verdict"] for q in doc["quotes"]] == ["verified"]
    by_word = {c["text"].split()[0]: c for c in doc["claims"]}
    boats, money = by_word["Fishing"], by_word["The"]
    assert boats["support"] == "supported" and boats["flags"] == [] and boats["cites"] == ["1"]
    assert boats["evidence"][0]["text"].startswith("Fishing boats will still be able to use the inner harbour")
    assert money["flags"] == [{"kind": "number", "claim": "£4.2 million", "source": "£2.4 million"}]
    assert money["support"] == "partly_supported" and money["source_ref"] == "1"
    assert all(c["id"].startswith("c") and c["start"] < c["end"] for c in doc["claims"])
    assert code == 1  # a contradiction, as an altered quote would
    assert check(write(tmp_path, site), env, VERIFIER_CLAIMS_EXIT="never")[0] == 0
    assert check(write(tmp_path, site, changed=False), env)[0] == 0
    assert check(write(tmp_path, site, changed=False), env, VERIFIER_CLAIMS_EXIT="flag")[0] in (0, 1)


def test_a_brief_without_claims_prints_an_empty_list(site: DemoSite, tmp_path: Path,  # noqa: F811
                                                     loopback_env: dict[str, str]) -> None:
    p = tmp_path / "quotes.md"
    p.write_text(f"“We underestimated how much of the stonework had been undermined by the winter storms” [1].\n\n"
                 f"[1] Harbour. {site.base_url}/news/harbour-wall\n")
    code, out = check(p, {**loopback_env, "VERIFIER_DATABASE_URL": f"sqlite:///{tmp_path}/e.sqlite"})
    assert code == 0 and json.loads(out)["claims"] == []


def test_claims_in_every_report_escaped_like_quotes(site: DemoSite, tmp_path: Path,  # noqa: F811
                                                    loopback_env: dict[str, str]) -> None:
    env = {**loopback_env, "VERIFIER_DATABASE_URL": f"sqlite:///{tmp_path}/r.sqlite"}
    brief = write(tmp_path, site)
    _, html = check(brief, env, "html")
    assert 'id="claim-c' in html and '<mark class="flag">£2.4 million</mark>' in html
    assert "&lt;b&gt;footpath&lt;/b&gt;" in html and "<b>footpath" not in html
    assert '<span class="shared">' in html and "#:~:text=" in html.split('id="claims"')[1]
    _, md = check(brief, env, "markdown")
    assert "## Claims" in md and "**£4.2 million**" in md and "&lt;b&gt;footpath&lt;/b&gt;" in md
    _, table = check(brief, env, "table")
    assert "Claims" in table and "{!£4.2 million!}" in table and "number £4.2 million (source:" in table
    _, out = check(brief, env, "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    claims = [r for r in rows if r["kind"] == "claim"]
    assert [r["kind"] for r in rows].count("quote") == 1 and len(claims) >= 2
    assert any(r["differences"] == "number £4.2 million (source: £2.4 million)" for r in claims)
