"""The command line. Every command is an edge: it reads input, calls the pipeline, prints a result.

Imports of the database, the pipeline and the service stay inside the commands that use them, so
`verifier --help` starts at once (tests/unit/test_cli_imports.py keeps it so).
"""

from __future__ import annotations

import contextlib
import enum
import functools
import os
import sys
import tempfile
from collections.abc import Iterator
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from verifier.core.values import BriefError, BriefText

if TYPE_CHECKING:
    from rich.console import Console
    from sqlmodel import Session

    from verifier.core.document import ResultDocument
    from verifier.settings import Settings

app = typer.Typer(add_completion=False, pretty_exceptions_enable=False, no_args_is_help=True, rich_markup_mode=None,
                  help="Check that quoted passages stand, word for word, in the sources a brief cites.")


@functools.cache
def _err() -> Any:
    """The rich console on standard error, made when progress is first shown (rich loads then)."""
    from rich.console import Console

    return Console(stderr=True, highlight=False)


class Format(StrEnum):
    table = "table"
    json = "json"
    markdown = "markdown"
    html = "html"
    csv = "csv"


class Exit(Exception):
    """A clean stop with a one-line message and an exit status."""

    def __init__(self, message: str, code: int = 2) -> None:
        super().__init__(message)
        self.code = code


def _settings(database_url: str | None = None) -> Settings:
    from verifier.settings import get_settings

    s = get_settings()
    return s.model_copy(update={"database_url": database_url}) if database_url else s


def _session(settings: Settings) -> Session:
    from verifier.storage import db

    try:
        return db.session_for(settings.database_url)
    except Exception as e:
        raise Exit(f"cannot open the database {settings.database_url!r}: {_one_line(e)}") from e


def say(message: str) -> None:
    """One plain line on standard error (rich would wrap it)."""
    sys.stderr.write(message.rstrip() + "\n")
    sys.stderr.flush()


def _one_line(e: object) -> str:
    text = str(e).strip().splitlines()
    return text[0] if text else type(e).__name__


def _read_brief(arg: str, settings: Settings) -> BriefText:
    from verifier.core.intake import brief_from_bytes, read_brief_file
    from verifier.documents.bounded import bounded_pdf_brief as pdf

    if arg == "-":
        data = sys.stdin.buffer.read(settings.max_brief_bytes + 1)
        return brief_from_bytes(data, name="stdin", max_bytes=settings.max_brief_bytes, read_pdf=pdf)
    if arg.startswith(("http://", "https://")):
        from verifier.core.statuses import LinkStatus
        from verifier.net.fetch import fetch_one

        snap = fetch_one(arg, settings.for_briefs())
        if snap.status != LinkStatus.OK:
            raise BriefError(f"cannot fetch the brief at {arg}: {snap.status}"
                             + (f" ({snap.error})" if snap.error else ""))
        return brief_from_bytes(snap.body, name=arg, content_type=snap.content_type,
                                base_url=snap.final_url or arg, max_bytes=settings.max_brief_bytes, read_pdf=pdf)
    return read_brief_file(arg, max_bytes=settings.max_brief_bytes, read_pdf=pdf)


def _out() -> Console:
    """Standard output: colour only on a terminal; a comfortable width when piped."""
    from rich.console import Console

    probe = Console()
    return Console(highlight=False, width=None if probe.is_terminal else 140)


def _emit(doc: ResultDocument, fmt: Format) -> None:
    from verifier.present import report

    if fmt == Format.json:
        sys.stdout.write(report.render_json(doc) + "\n")
    elif fmt == Format.markdown:
        sys.stdout.write(report.render_markdown(doc))
    elif fmt == Format.csv:
        sys.stdout.write(report.render_csv(doc))
    elif fmt == Format.html:
        from verifier.present.html import render_html

        sys.stdout.write(render_html(doc))
    else:
        report.render_table(doc, _out())
    sys.stdout.flush()


class _Progress:
    """Live progress per source on standard error: a rich display on a terminal, plain lines otherwise."""

    def __init__(self) -> None:
        self.live = _err().is_terminal
        self._progress: Any = None
        self._task: Any = None

    def __call__(self, event: str, info: dict[str, object]) -> None:
        if event == "parsed":
            msg = f"{info['quotes']} quotes, {info['sources']} sources"
            if self.live:
                from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

                self._progress = Progress(TextColumn("[bold]{task.description}"), BarColumn(),
                                          MofNCompleteColumn(), TextColumn("{task.fields[last]}"),
                                          console=_err(), transient=True)
                self._progress.start()
                self._task = self._progress.add_task("fetching", total=int(str(info["sources"])) or 1,
                                                     last=msg)
            else:
                say(f"verifier: {msg}")
        elif event == "source":
            line = f"{info['status']:<12} {info['url']}"
            if self._progress is not None:
                self._progress.update(self._task, advance=1, last=line[:80])
                self._progress.console.print(f"  {line}", markup=False, highlight=False)
            else:
                say(f"  {line}")
        elif event == "ocr":
            line = f"OCR {info['done']}/{info['total']} pages of {info['url']}"
            if self._progress is not None:
                self._progress.update(self._task, description="OCR", last=line[:80])
            elif info["done"] == info["total"] or int(str(info["done"])) % 10 == 0:
                say(f"  {line}")
        elif event == "quote" and self._progress is not None:
            self._progress.update(self._task, description="judging")

    def close(self) -> None:
        if self._progress is not None:
            self._progress.stop()


def _raised_by(e: BaseException, module: str, name: str) -> bool:
    """`e` is a module.name, checked without importing the module (a command that never loaded
    pydantic or SQLAlchemy cannot have raised their errors; --help loads neither)."""
    mod = sys.modules.get(module)
    return mod is not None and isinstance(e, getattr(mod, name))


@contextlib.contextmanager
def _guard() -> Iterator[None]:
    """Turn every failure into one line on standard error and the contract's exit status."""
    try:
        yield
    except Exit as e:
        say(f"verifier: {e}")
        raise typer.Exit(e.code) from None
    except BriefError as e:
        say(f"verifier: {e}")
        raise typer.Exit(2) from None
    except KeyboardInterrupt:
        say("verifier: interrupted")
        raise typer.Exit(130) from None
    except (typer.Exit, typer.Abort):
        raise
    except Exception as e:
        if _raised_by(e, "pydantic", "ValidationError"):  # a VERIFIER_ setting that cannot be used
            err = e.errors()[0] if e.errors() else {"loc": (), "msg": str(e)}  # type: ignore[attr-defined]
            name = "VERIFIER_" + "_".join(str(x) for x in err["loc"]).upper()
            say(f"verifier: setting {name}: {_one_line(err['msg'])}")
            raise typer.Exit(2) from None
        if _raised_by(e, "sqlalchemy.exc", "DBAPIError"):
            orig = getattr(e, "orig", None)
            say(f"verifier: database error: {_one_line(orig) if orig else _one_line(e)} "
                "(is VERIFIER_DATABASE_URL a database made by another version of verifier?)")
            raise typer.Exit(2) from None
        if os.environ.get("VERIFIER_DEBUG"):
            raise
        say(f"verifier: internal error: {type(e).__name__}: {_one_line(e)} (set VERIFIER_DEBUG=1 for details)")
        raise typer.Exit(3) from None


FormatOpt = Annotated[Format, typer.Option("--format", "-f", help="output format")]


class RenderMode(enum.StrEnum):
    auto = "auto"
    always = "always"
    never = "never"


DbOpt = Annotated[str | None, typer.Option("--database-url", help="SQLAlchemy URL (default: settings)")]


@app.command()
def check(
    brief: Annotated[str, typer.Argument(help="a .md/.txt/.html/.pdf/.docx file, - for stdin, or a URL")],
    fmt: FormatOpt = Format.table,
    database_url: DbOpt = None,
    no_store: Annotated[bool, typer.Option("--no-store", help="keep nothing: use a throwaway database")] = False,
    refresh: Annotated[bool, typer.Option("--refresh", help="refetch sources even if fetched recently")] = False,
    render: Annotated[RenderMode | None, typer.Option(
        "--render", help="headless Chromium for script-written pages and JavaScript challenges "
                         "(default: VERIFIER_RENDER, auto)")] = None,
    source: Annotated[list[str] | None, typer.Option(
        "--source", metavar="REF=FILE", help="judge source REF (its ref in the result) on your own copy, "
                                             "e.g. 3=saved-page.html; repeatable")] = None,
) -> None:
    """Check every quoted passage of a brief against the sources it cites."""
    with _guard():
        settings = _settings(database_url)
        if render is not None:
            settings = settings.model_copy(update={"render": render.value})
        copies = _supplied_files(source or [], settings)
        text = _read_brief(brief, settings)
        for note in text.notes:
            say(f"warning: the brief: {note}")
        with contextlib.ExitStack() as stack:
            if no_store:
                tmp = stack.enter_context(tempfile.TemporaryDirectory(prefix="verifier-"))
                settings = settings.model_copy(update={"database_url": f"sqlite:///{tmp}/run.sqlite"})
            code = _run_check(text, settings, fmt, origin=brief, refresh=refresh, supplied=copies)
        raise typer.Exit(code)


def _supplied_files(options: list[str], settings: Settings) -> list[Any]:
    """`--source REF=FILE` options as the files to supply (read whole, refused past the brief limit)."""
    if not options:
        return []
    from verifier.documents.supplied import read_capped_file
    from verifier.service.supplied import SuppliedFile, parse_source_option

    files = []
    for opt in options:
        ref, path = parse_source_option(opt)
        files.append(SuppliedFile(ref, Path(path).name, read_capped_file(path, settings.max_brief_bytes)))
    return files


def _run_check(text: BriefText, settings: Settings, fmt: Format, *, origin: str, refresh: bool = False,
               supplied: list[Any] | None = None) -> int:
    from verifier.service.pipeline import check_brief
    from verifier.service.result import build_result, needs_attention

    session = _session(settings)
    progress = _Progress()
    try:
        row = check_brief(session, text, settings, origin=origin, progress=progress, refresh=refresh,
                          supplied_files=supplied)
    finally:
        progress.close()
    doc = build_result(session, row.id, with_text=fmt == Format.html)
    session.close()
    _emit(doc, fmt)
    if not doc.quotes and not doc.claims:
        say("verifier: no quoted passages found in the brief")
    elif not doc.sources:
        say("verifier: the brief cites no sources, so its quotes are unverifiable")
    return 1 if needs_attention(doc, settings.claims_exit) else 0


def _find_brief(session: Session, brief_id: str) -> Any:
    """A stored brief by its id or a unique prefix of it; a one-line error otherwise."""
    from sqlmodel import col, select

    from verifier.storage.models import Brief

    row = session.get(Brief, brief_id)
    if row is None:
        matches = list(session.exec(select(Brief).where(col(Brief.id).startswith(brief_id)).limit(2)))
        if len(matches) != 1:
            raise Exit(f"no brief with id {brief_id!r}")
        row = matches[0]
    return row


@app.command()
def export(
    brief_id: Annotated[str, typer.Argument(metavar="ID", help="a brief id from `verifier check` or `list`")],
    warc: Annotated[Path, typer.Option("--warc", help="write the brief's evidence to this .warc.gz file")],
    database_url: DbOpt = None,
) -> None:
    """Export the evidence a brief was judged on as a WARC file (request, response, resource and
    metadata records)."""
    with _guard():
        from verifier.service.warc import export_warc

        settings = _settings(database_url)
        session = _session(settings)
        row = _find_brief(session, brief_id)
        if not warc.parent.exists():
            raise Exit(f"no such directory: {warc.parent}")
        n = export_warc(session, row.id, warc, settings)
        print(f"verifier: {n} WARC records written to {warc}", file=sys.stderr)


@app.command()
def show(
    brief_id: Annotated[str, typer.Argument(metavar="ID", help="a brief id from `verifier check` or `list`")],
    fmt: FormatOpt = Format.table,
    history: Annotated[bool, typer.Option("--history", help="include every check of every source (JSON otherwise lists the latest 20)")] = False,
    database_url: DbOpt = None,
) -> None:
    """Print a stored result again."""
    with _guard():
        from verifier.service.result import DOCUMENT_HISTORY, build_result

        session = _session(_settings(database_url))
        row = _find_brief(session, brief_id)
        doc = build_result(session, row.id, history=True, history_limit=None if history else DOCUMENT_HISTORY,
                           with_text=fmt == Format.html)
        if not history and fmt != Format.json:
            for s in doc.sources:
                s.history = s.history_total = None
        _emit(doc, fmt)
        if history and fmt == Format.table:
            _print_history(doc)


def _print_history(doc: ResultDocument) -> None:
    from rich.table import Table

    from verifier.present.report import printable

    t = Table(title="Source history")
    for c in ("Ref", "State", "Checked at", "Status", "HTTP", "Text hash"):
        t.add_column(c)
    for s in doc.sources:
        for h in s.history or []:
            t.add_row(printable(s.ref), s.state, h.checked_at or "", h.status or "",
                      str(h.http_status or ""), (h.text_sha256 or "")[:12])
    _out().print(t)


@app.command()
def snapshot(
    snapshot_id: Annotated[int, typer.Argument(metavar="SNAPSHOT_ID",
                                               help="a source's snapshot_id from `show --format json`")],
    raw: Annotated[bool, typer.Option("--raw", help="the body as the server sent it, not the extracted text")] = False,
    database_url: DbOpt = None,
) -> None:
    """Print a stored copy of a source: the text verdicts were judged on, or the raw body."""
    with _guard():
        from verifier.storage.models import SnapshotRow

        row = _session(_settings(database_url)).get(SnapshotRow, snapshot_id)
        if row is None:
            raise Exit(f"no snapshot {snapshot_id}")
        say(f"verifier: snapshot {row.id} of {row.final_url or ''} fetched {row.fetched_at:%Y-%m-%d %H:%M} UTC, "
            f"{row.status}")
        if raw:
            from verifier.storage.store import write_body

            write_body(row, sys.stdout.buffer, _settings(database_url).blob_path)
        else:
            sys.stdout.write((row.text or "") + "\n")
        sys.stdout.flush()


@app.command("list")
def list_briefs(
    limit: Annotated[int, typer.Option("--limit", "-n", help="how many, newest first")] = 20,
    database_url: DbOpt = None,
) -> None:
    """List stored briefs, newest first."""
    with _guard():
        from rich.table import Table
        from sqlmodel import col, select

        from verifier.storage.models import Brief

        session = _session(_settings(database_url))
        rows = session.exec(select(Brief).order_by(col(Brief.created_at).desc()).limit(limit)).all()
        if not rows:
            say("verifier: no briefs stored yet")
            return
        t = Table()
        for c in ("ID", "Created", "Status", "Quotes", "Sources", "Title / origin"):
            t.add_column(c, no_wrap=c == "ID")
        for b in rows:
            t.add_row(b.id, b.created_at.strftime("%Y-%m-%d %H:%M"), b.status, str(b.quotes_total),
                      str(b.sources_total), (b.title or b.origin or "")[:60])
        _out().print(t)


@app.command()
def demo(
    fmt: FormatOpt = Format.table,
    database_url: DbOpt = None,
) -> None:
    """Serve a small sample site on 127.0.0.1 and check a sample brief against it."""
    with _guard():
        from verifier.cli.demo import DemoSite

        settings = _settings(database_url)
        with DemoSite() as site:
            settings = settings.model_copy(update={
                "allow_private_hosts": True, "host_interval": 0.0, "respect_robots": True,
                "fetch_timeout": 5.0, "archive_url": f"{site.base_url}/wayback/available"})  # no real archive
            say(f"verifier demo: sample site at {site.base_url} (loopback allowed for this run only)")
            _demo_chromium_note(settings)
            say("verifier demo: source [7] is judged on a saved copy, as `--source 7=newsletter-saved.html` would")
            _run_check(site.demo_brief(), settings, fmt, origin="demo brief", refresh=True, supplied=site.supplied())
        say("verifier demo: done. Try `verifier list` and `verifier show ID --format markdown`.")


def _demo_chromium_note(settings: Settings) -> None:
    from verifier.net.render import chromium_path

    if settings.render == "never":
        say("verifier demo: rendering is off (VERIFIER_RENDER=never): source [6] stays no_text")
    elif chromium_path() is None:
        say("verifier demo: Chromium is not installed (apt-get install chromium, or set VERIFIER_CHROMIUM): "
            "source [6], written by scripts, stays no_text")


@app.command()
def recheck(
    due: Annotated[bool, typer.Option("--due", help="only sources whose next check is due (default)")] = False,
    all_: Annotated[bool, typer.Option("--all", help="every stored source, due or not")] = False,
    database_url: DbOpt = None,
) -> None:
    """Recheck stored links now, in-process: link rot, content drift per quote, archive fallback."""
    with _guard():
        if due and all_:
            raise Exit("give --due or --all, not both")
        from verifier.service.recheck import recheck_sources

        settings = _settings(database_url)
        session = _session(settings)
        summary = recheck_sources(session, settings, due_only=not all_,
                                  progress=_Progress() if _err().is_terminal else None)
        say(f"verifier: {summary}")


keys_app = typer.Typer(help="API keys for the service.", no_args_is_help=True)
app.add_typer(keys_app, name="keys")


@keys_app.command("create")
def keys_create(org: Annotated[str, typer.Argument(help="the organisation the key belongs to")],
                database_url: DbOpt = None) -> None:
    """Print a new API key for ORG (alone on the last line). Only its hash is stored."""
    with _guard():
        from verifier.storage.keys import create_key

        key = create_key(_session(_settings(database_url)), org)
        say(f"verifier: new key for {org}; it is shown only once:")
        sys.stdout.write(key + "\n")


webhook_app = typer.Typer(help="An organisation's webhook for recheck events.", no_args_is_help=True)
app.add_typer(webhook_app, name="webhook")


def _org_named(session: Any, name: str) -> Any:
    from sqlmodel import select

    from verifier.storage.models import Organization

    org = session.exec(select(Organization).where(Organization.name == name)).first()
    if org is None:
        raise Exit(f"no organisation named {name!r}")
    return org


@webhook_app.command("set")
def webhook_set(org: Annotated[str, typer.Argument(help="the organisation")],
                url: Annotated[str, typer.Argument(help="an http(s) URL on a public address")],
                secret: Annotated[str | None, typer.Option(help="the HMAC key; one is made if absent")] = None,
                database_url: DbOpt = None) -> None:
    """Set ORG's webhook URL (refused for private targets); prints the signing secret once."""
    with _guard():
        import asyncio

        from verifier.service import webhooks

        settings = _settings(database_url)
        session = _session(settings)
        try:
            made = asyncio.run(webhooks.configure(session, _org_named(session, org), url, secret, settings))
        except webhooks.WebhookRefused as e:
            raise Exit(f"webhook URL refused: {e}") from None
        say(f"verifier: webhook set for {org}; its signing secret is shown only once:")
        sys.stdout.write(made + "\n")


@webhook_app.command("test")
def webhook_test(org: Annotated[str, typer.Argument(help="the organisation")], database_url: DbOpt = None) -> None:
    """POST one signed `ping` event to ORG's webhook now and say what the receiver answered."""
    with _guard():
        import asyncio

        from verifier.service import webhooks

        settings = _settings(database_url)
        got = asyncio.run(webhooks.send_test(_org_named(_session(settings), org), settings))
        if not got.ok:
            raise Exit(f"not delivered: {got.error or f'the receiver answered {got.status}'}")
        say(f"verifier: delivered; the receiver answered {got.status}")


@keys_app.command("revoke")
def keys_revoke(key: Annotated[str, typer.Argument(help="the key, or the prefix shown when it was made")],
                database_url: DbOpt = None) -> None:
    """Revoke a key; calls with it answer 401 from now on."""
    with _guard():
        from verifier.storage.keys import revoke

        n = revoke(_session(_settings(database_url)), key)
        if not n:
            raise Exit("no such key")
        say(f"verifier: revoked {n} key(s)")


@app.command()
def serve(host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
          port: Annotated[int, typer.Option(help="port to listen on")] = 8000,
          workers: Annotated[int, typer.Option(help="API processes")] = 1) -> None:
    """Run the HTTP API (uvicorn)."""
    with _guard():
        import uvicorn

        _session(_settings()).close()  # migrate before accepting requests
        uvicorn.run("verifier.api.app:app", host=host, port=port, workers=workers, log_level="info")


@app.command()
def worker(concurrency: Annotated[int, typer.Option("--concurrency", "-c", help="worker processes")] = 2,
           queues: Annotated[str, typer.Option(help="queues to consume")] = "fetch,match,recheck,ocr,render") -> None:
    """Run a Celery worker for the fetch, match, recheck, ocr and render queues."""
    with _guard():
        _session(_settings()).close()
        from workers.celery_app import app as celery_app

        celery_app.worker_main(["worker", f"--concurrency={concurrency}", "-Q", queues,
                                "--loglevel=INFO", "-E"])


@app.command()
def beat() -> None:
    """Run the one Celery beat scheduler (rechecks, recovery of stalled briefs)."""
    with _guard():
        _session(_settings()).close()
        from workers.celery_app import app as celery_app

        celery_app.start(["beat", "--loglevel=INFO"])


def main() -> None:
    app()


if __name__ == "__main__":
    main()
