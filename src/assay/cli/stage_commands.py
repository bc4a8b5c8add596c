"""``assay stage ingest``: land raw records in the staging store (the other ``stage``
commands, which read it, are in :mod:`assay.cli.stage_inspect`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)

from assay.cli import read_options as ro
from assay.cli.app import app, console, err_console, handle_errors, settings
from assay.staging.defaults import DEFAULT_DB, ENV_VAR

if TYPE_CHECKING:
    from assay.staging.ingestion import IngestReport

stage_app = typer.Typer(
    name="stage",
    help="Land raw records in a staging database (DuckDB or PostgreSQL) and inspect them.\n\n"
    "Example: assay stage ingest examples/shop && assay stage stats",
    no_args_is_help=True,
    rich_markup_mode="rich",
    context_settings={"help_option_names": ["-h", "--help"]},
)
app.add_typer(stage_app, name="stage")

DbOpt = Annotated[
    str | None,
    typer.Option(
        "--db",
        envvar=ENV_VAR,
        help=f"Staging database: a DuckDB file (default {DEFAULT_DB}), :memory: or a "
        "postgresql:// URL.",
        show_default=False,
    ),
]


@stage_app.command(
    "ingest",
    epilog="Examples:\n\n  assay stage ingest examples/shop\n\n"
    "  assay stage ingest 'drop/**/*.jsonl' --partition events --dedup content\n\n"
    "  assay stage ingest s3://bucket/exports/ --db postgresql://user@host/db\n\n"
    "  assay stage ingest --resume",
)
@handle_errors
def ingest_command(
    sources: Annotated[
        list[str] | None,
        typer.Argument(
            help="Files, directories, globs or URIs (none with --resume: the batch's own).",
            metavar="SOURCE...",
            show_default=False,
        ),
    ] = None,
    db: DbOpt = None,
    partition: Annotated[
        str | None,
        typer.Option(
            "--partition", help="Partition key for every record (default: each file's table name)."
        ),
    ] = None,
    batch_size: Annotated[
        int, typer.Option("--batch-size", min=1, help="Records per bulk insert.")
    ] = 100_000,
    dedup: Annotated[
        str,
        typer.Option(
            "--dedup",
            help="none | path (skip unchanged files) | content (skip identical records) | both.",
        ),
    ] = "path",
    resume: Annotated[
        bool, typer.Option("--resume", help="Continue the last unfinished batch.")
    ] = False,
    pattern: ro.PatternOpt = None,
    on_error: ro.OnErrorOpt = "quarantine",
    format: ro.FormatOpt = None,
    encoding: ro.EncodingOpt = None,
    delimiter: ro.DelimiterOpt = None,
    header: ro.HeaderOpt = None,
    skip_rows: ro.SkipOpt = None,
    sheet: ro.SheetOpt = None,
    record_path: ro.RecordPathOpt = None,
    compression: ro.CompressionOpt = None,
) -> None:
    """Stage raw records: every record exactly once, with the file and line it came from.

    Each file is committed on its own (all of its records or none), so an interrupted
    run loses at most the file in progress: continue it with --resume.
    """
    from assay.staging.connect import describe, open_store
    from assay.staging.ingestion import ingest
    from assay.staging.options import IngestOptions

    read = {
        k: v
        for k, v in dict(
            pattern=pattern,
            on_error=on_error,
            format=format,
            encoding=encoding,
            delimiter=delimiter,
            header=header,
            skip_rows=skip_rows,
            sheet=sheet,
            record_path=record_path,
            compression=compression,
        ).items()
        if v is not None
    }
    ro.read_options(**read)  # check the values before anything is written
    options = IngestOptions(
        dedup=dedup, partition=partition, batch_size=batch_size, resume=resume, read=read
    )
    with open_store(db) as store:
        if settings.quiet or not err_console.is_terminal:
            report = ingest(store, sources, options)
        else:
            report = _with_progress(store, sources, options)
    _print_report(report, describe(db))
    if report.errors:
        for error in report.errors:
            err_console.print(f"[bold red]error:[/] {escape(str(error))}")
        raise typer.Exit(1)


def _with_progress(store, sources, options) -> IngestReport:  # type: ignore[no-untyped-def]
    from assay.staging.ingestion import Progress as IngestProgress
    from assay.staging.ingestion import ingest

    columns = (
        TextColumn("[bold]{task.fields[name]}", justify="left"),
        BarColumn(),
        TextColumn("{task.fields[files]}"),
        TextColumn("{task.fields[records]} records"),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=err_console, transient=True) as bar:
        task = bar.add_task("stage", total=None, name="staging", files="", records="0")

        def update(p: IngestProgress) -> None:
            name = p.current.rsplit("/", 1)[-1] if p.current else "staging"
            bar.update(
                task,
                total=p.bytes_total or None,
                completed=p.bytes_done,
                name=escape(name[:40]),
                files=f"{p.files_done}/{p.files_total} files",
                records=f"{p.records:,}",
            )

        return ingest(store, sources, options, progress=update)


def _print_report(report: IngestReport, where: str) -> None:
    for note in report.notes:
        err_console.print(f"[yellow]note:[/] {escape(note)}")
    if settings.quiet:
        return
    c = report.counts
    staged = report.count("staged") + report.count("replaced")
    parts = [f"{staged} file(s) staged"]
    if report.count("replaced"):
        parts[0] += f" ({report.count('replaced')} changed, staged as new versions)"
    parts.append(f"{report.count('skipped')} unchanged and skipped")
    if report.count("failed"):
        parts.append(f"{report.count('failed')} failed")
    verb = "resumed" if report.resumed else "batch"
    console.print(
        f"{verb} {report.batch_id}: " + ", ".join(parts) + f"; {c.records_staged:,} record(s) "
        f"staged, {c.duplicates:,} duplicate(s), {c.quarantined:,} quarantined → "
        f"{escape(where)}",
        soft_wrap=True,
    )
    if c.quarantined:
        console.print("see them with: assay stage quarantine", soft_wrap=True)
