"""The CLI starts at once: `verifier --help` loads no service, database or extraction library, and a
brief with no sources loads no network, Alembic, API or worker library (checked in a fresh interpreter)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

#: what `--help` must never load: the API, the workers, extraction, rendering, ranking, WARC, the ORM
HEAVY = ["fastapi", "celery", "trafilatura", "sqlalchemy", "sqlmodel", "alembic", "playwright", "bm25s",
         "warcio", "aiohttp", "uvicorn", "pydantic_settings"]
#: what a brief without sources needs no more than the database: no network, no migration tooling
NOT_FOR_A_SOURCELESS_BRIEF = ["fastapi", "celery", "trafilatura", "alembic", "playwright", "bm25s", "warcio",
                              "aiohttp", "uvicorn", "pypdfium2", "httpx", "redis", "kombu", "starlette"]

RUN = """
import json, runpy, sys
sys.argv = ["verifier", *{args!r}]
{before}
try:
    runpy.run_module("verifier", run_name="__main__")
except SystemExit:
    pass
sys.stderr.write("\\nLOADED " + json.dumps(sorted({{m.split(".")[0] for m in sys.modules}})) + "\\n")
"""


def loaded(*args: str, before: str = "") -> set[str]:
    """Top-level packages loaded by `verifier ARGS` in a fresh interpreter."""
    p = subprocess.run([sys.executable, "-c", RUN.format(args=list(args), before=before)],
                       capture_output=True, text=True, timeout=120)
    line = next(x for x in p.stderr.splitlines() if x.startswith("LOADED "))
    return set(json.loads(line.removeprefix("LOADED ")))


def test_importing_the_cli_loads_nothing_heavy() -> None:
    code = ("import sys, json, verifier.cli.main; "
            "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert set(json.loads(out.stdout)).isdisjoint(HEAVY), set(json.loads(out.stdout)) & set(HEAVY)


def test_help_loads_nothing_heavy() -> None:
    got = loaded("--help")
    assert "typer" in got  # it did run
    assert got.isdisjoint(HEAVY), got & set(HEAVY)
    assert "rich" not in got  # plain help: rich's panels cost more than the rest of start-up together


def test_a_sourceless_brief_loads_only_the_database(tmp_path: Path) -> None:
    brief = tmp_path / "b.md"
    brief.write_text("A brief.\n\nThe minister said it was “ready for a vote next week” on Monday.\n")
    loaded("check", str(brief))  # the first run makes the database (Alembic may load then)
    got = loaded("check", str(brief), "--format", "json")
    assert "sqlalchemy" in got  # it did store the brief
    assert got.isdisjoint(NOT_FOR_A_SOURCELESS_BRIEF), got & set(NOT_FOR_A_SOURCELESS_BRIEF)


def test_the_cheap_head_is_alembics_head() -> None:
    from alembic.script import ScriptDirectory

    from verifier.storage import db

    alembics_head = ScriptDirectory.from_config(db.alembic_config("sqlite://")).get_current_head()
    assert db.script_head() == alembics_head
