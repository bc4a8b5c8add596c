"""``assay stage stats|batches|history|sample|quarantine|query`` and ``stage view create``:
read what the staging store holds (the store is opened read-only where it can be)."""

from __future__ import annotations

import os
from collections.abc import Callable
from contextvars import ContextVar
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from assay.cli import tabular
from assay.cli.app import console, handle_errors, settings
from assay.cli.stage_commands import DbOpt, stage_app
from assay.errors import UsageError
from assay.schema import Schema, from_text
from assay.staging import overview
from assay.staging.connect import open_store
from assay.staging.query import run_query
from assay.staging.schemas import load_schema
from assay.staging.views import render, view_select

FormatOpt = Annotated[str, typer.Option("--format", "-F", help="table, csv or json.")]
PartitionOpt = Annotated[str | None, typer.Option("--partition", help="Only this partition.")]
_RESERVED = {
    "records",
    "current_records",
    "files",
    "file_partitions",
    "batches",
    "quarantine",
    "schemas",
    "pipeline_state",
    "schema_version",
}


Column = tuple[str, Callable[[dict[str, Any]], Any]]


def _show(
    rows: overview.Rows, fmt: str, title: str | None = None, human: list[Column] | None = None
) -> None:
    """``table``: the ``human`` columns (all when None); csv/json: every column."""
    names, data = rows
    if fmt != "table":
        tabular.write_rows(names, data, fmt)
        return
    if human is None:
        tabular.print_table(console, tabular.rich_table(names, data, title))
        return
    records = [dict(zip(names, row, strict=True)) for row in data]
    folder = _common_folder([r["uri"] for r in records if r.get("uri")])
    token = _FOLDER.set(folder)
    try:
        if title and folder:
            title += f" (in {escape(folder)})"
        tabular.print_table(
            console,
            tabular.rich_table(
                [header for header, _ in human],
                ([get(r) for _, get in human] for r in records),
                title,
            ),
        )
    finally:
        _FOLDER.reset(token)


_FOLDER: ContextVar[str] = ContextVar("folder", default="")


def _common_folder(uris: list[str]) -> str:
    """The folder all files share, shown once in the title instead of on every row."""
    if len(set(uris)) < 2 or not all(u.startswith("/") for u in uris):
        return ""
    common = os.path.commonpath(uris)
    if common in uris:  # one file is the whole prefix
        common = os.path.dirname(common)
    try:
        relative = str(Path(common).relative_to(Path.cwd()))
        return "" if relative == "." else common
    except ValueError:
        return common


def _short(uri: str | None) -> str:
    """The path below the common folder, or relative to the working directory."""
    if not uri:
        return ""
    folder = _FOLDER.get()
    if folder and uri.startswith(folder + "/"):
        return uri[len(folder) + 1 :]
    try:
        return str(Path(uri).relative_to(Path.cwd()))
    except ValueError:
        return uri


def _size(n: Any) -> str:
    if n is None:
        return ""
    value = float(n)
    for unit in ("B", "kB", "MB", "GB", "TB"):
        if value < 1000 or unit == "TB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return str(n)


def _when(value: Any) -> str:
    return value.astimezone().strftime("%Y-%m-%d %H:%M:%S") if value is not None else ""


_PARTITIONS: list[Column] = [
    ("partition", lambda r: r["partition"]),
    ("files", lambda r: r["files"]),
    ("records", lambda r: r["records_staged"]),
    ("dup", lambda r: r["duplicates"]),
    ("quar", lambda r: r["quarantined"]),
    ("size", lambda r: _size(r["bytes"])),
    (
        "batches",
        lambda r: (
            f"{r['first_batch']}–{r['last_batch']}"
            if r["first_batch"] != r["last_batch"]
            else r["first_batch"]
        ),
    ),
]
_FILES: list[Column] = [
    ("file", lambda r: _short(r["uri"])),
    ("v", lambda r: r["version"]),
    ("status", lambda r: r["status"] + (f" → {r['superseded_by']}" if r["superseded_by"] else "")),
    ("partition", lambda r: r["partitions"]),
    ("format", lambda r: r["format"]),
    ("size", lambda r: _size(r["bytes"])),
    ("records", lambda r: r["records_staged"]),
    ("dup", lambda r: r["duplicates"]),
    ("quar", lambda r: r["quarantined"]),
    ("batch", lambda r: r["batch"]),
]
_BATCHES: list[Column] = [
    ("batch", lambda r: r["batch"]),
    ("status", lambda r: r["status"]),
    ("started", lambda r: _when(r["started_at"])),
    (
        "seconds",
        lambda r: (
            f"{(r['finished_at'] - r['started_at']).total_seconds():.1f}"
            if r["finished_at"] and r["started_at"]
            else ""
        ),
    ),
    ("files", lambda r: f"{r['files_staged']}/{r['files_total']}"),
    ("skipped", lambda r: r["files_skipped"]),
    ("failed", lambda r: r["files_failed"]),
    ("records", lambda r: r["records_staged"]),
    ("dup", lambda r: r["duplicates"]),
    ("quar", lambda r: r["quarantined"]),
    ("note", lambda r: r["error"]),
]
_HISTORY: list[Column] = [
    ("batch", lambda r: r["batch"]),
    ("started", lambda r: _when(r["started_at"])),
    ("status", lambda r: r["status"]),
    ("files", lambda r: r["files_staged"]),
    ("changed", lambda r: r["files_replaced"]),
    ("skipped", lambda r: r["files_skipped"]),
    ("records", lambda r: r["records_staged"]),
    ("dup", lambda r: r["duplicates"]),
    ("quar", lambda r: r["quarantined"]),
    ("current records", lambda r: r["current_records"]),
]
_QUARANTINE: list[Column] = [
    ("partition", lambda r: r["partition"]),
    ("file", lambda r: _short(r["uri"]) + (f"!{r['member']}" if r["member"] else "")),
    ("line", lambda r: r["line"]),
    ("code", lambda r: r["code"]),
    ("reason", lambda r: r["reason"]),
    ("raw", lambda r: r["raw"]),
]
_SAMPLE: list[Column] = [
    ("partition", lambda r: r["partition"]),
    ("file:line", lambda r: f"{_short(r['uri']).rsplit('/', 1)[-1]}:{r['line_no'] or '?'}"),
    ("raw", lambda r: r["raw"]),
]


@stage_app.command(
    "stats",
    epilog="Examples:\n\n  assay stage stats\n\n"
    "  assay stage stats --partition orders --format json",
)
@handle_errors
def stats(
    db: DbOpt = None,
    partition: PartitionOpt = None,
    all_versions: Annotated[
        bool, typer.Option("--all-versions", help="Also list superseded file versions.")
    ] = False,
    fmt: FormatOpt = "table",
) -> None:
    """Counts per partition and per file: records, duplicates, quarantined, sizes."""
    tabular.check_format(fmt)
    with open_store(db, read_only=True) as store:
        parts = overview.partition_stats(store)
        if partition is not None:
            parts = (parts[0], [r for r in parts[1] if r[0] == partition])
        files = overview.file_stats(store, partition, history=all_versions)
        totals = overview.totals(store)
    if fmt == "json":
        import orjson

        payload: dict[str, Any] = {
            "totals": totals,
            "partitions": [dict(zip(parts[0], r, strict=True)) for r in parts[1]],
            "files": [dict(zip(files[0], r, strict=True)) for r in files[1]],
        }
        console.print_json(orjson.dumps(payload, default=str).decode())
        return
    if fmt == "csv":
        tabular.write_rows(*files, "csv")
        return
    console.print(
        f"{totals['files']:,} file(s), {totals['records']:,} record(s) staged, "
        f"{totals['duplicates']:,} duplicate(s), {totals['quarantined']:,} quarantined, "
        f"{totals['bytes']:,} bytes, {totals['batches']} batch(es)"
        + (f", {totals['failed_files']} file(s) failed" if totals["failed_files"] else "")
    )
    _show(parts, fmt, "Partitions", _PARTITIONS)
    _show(files, fmt, "Files", _FILES)


@stage_app.command("batches", epilog="Examples:\n\n  assay stage batches --limit 5")
@handle_errors
def batches(
    db: DbOpt = None,
    limit: Annotated[int, typer.Option("--limit", min=1, help="Newest N batches.")] = 20,
    fmt: FormatOpt = "table",
) -> None:
    """Ingest batches, newest first: status, times, file and record counts."""
    tabular.check_format(fmt)
    with open_store(db, read_only=True) as store:
        _show(overview.batches(store, limit), fmt, "Batches", _BATCHES)


@stage_app.command("history", epilog="Examples:\n\n  assay stage history --format csv")
@handle_errors
def history(db: DbOpt = None, fmt: FormatOpt = "table") -> None:
    """The batch timeline, oldest first, with the current records after each batch."""
    tabular.check_format(fmt)
    with open_store(db, read_only=True) as store:
        _show(overview.history(store), fmt, "History", _HISTORY)


@stage_app.command(
    "sample",
    epilog="Examples:\n\n  assay stage sample --partition orders --limit 5\n\n"
    "  assay stage sample --format json | jq .raw",
)
@handle_errors
def sample(
    db: DbOpt = None,
    partition: PartitionOpt = None,
    limit: Annotated[int, typer.Option("--limit", min=1, help="Number of records.")] = 10,
    fmt: FormatOpt = "table",
) -> None:
    """Staged records spread over the data, with the file and line each came from."""
    tabular.check_format(fmt)
    with open_store(db, read_only=True) as store:
        _show(overview.sample(store, partition, limit), fmt, "Sample", _SAMPLE)


@stage_app.command(
    "quarantine",
    epilog="Examples:\n\n  assay stage quarantine\n\n  assay stage quarantine --partition payments",
)
@handle_errors
def quarantine(
    db: DbOpt = None,
    partition: PartitionOpt = None,
    batch: Annotated[int | None, typer.Option("--batch", help="Only this batch.")] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, help="At most N records.")] = 100,
    fmt: FormatOpt = "table",
) -> None:
    """Records set aside while staging: file, line, reason and the raw text."""
    tabular.check_format(fmt)
    with open_store(db, read_only=True) as store:
        _show(overview.quarantine(store, partition, limit, batch), fmt, "Quarantine", _QUARANTINE)


@stage_app.command(
    "query",
    epilog="Examples:\n\n"
    '  assay stage query "SELECT partition_key, count(*) FROM records GROUP BY 1"\n\n'
    "  assay stage query \"SELECT raw->>'status' AS status, count(*) FROM current_records "
    'GROUP BY 1" --format csv\n\n'
    '  assay stage query "SELECT count(*) FROM current_records" --as-of-batch 2',
)
@handle_errors
def query(
    sql: Annotated[str, typer.Argument(help="One SELECT statement.", metavar="SQL")],
    db: DbOpt = None,
    fmt: FormatOpt = "table",
    as_of_batch: Annotated[
        int | None,
        typer.Option("--as-of-batch", min=1, help="Query the store as it was after batch N."),
    ] = None,
    max_rows: Annotated[
        int, typer.Option("--max-rows", min=1, help="Rows shown by --format table.")
    ] = 1000,
) -> None:
    """Run a read-only SQL query over the staging tables (records, current_records,
    files, batches, quarantine, your typed views)."""
    tabular.check_format(fmt)
    with open_store(db, read_only=True) as store:
        names, rows = tabular.batch_rows(run_query(store, sql, as_of_batch=as_of_batch))
        if fmt != "table":
            tabular.write_rows(names, rows, fmt)
            return
        shown = []
        more = 0
        for row in rows:
            if len(shown) < max_rows:
                shown.append(row)
            else:
                more += 1
        tabular.print_table(console, tabular.rich_table(names, shown, group_digits=False))
        if more and not settings.quiet:
            console.print(f"… {more:,} more row(s); use --format csv or json for all of them")


view_app = typer.Typer(
    name="view",
    help="Typed views over staged records.\n\nExample: assay stage view create --name orders",
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)
stage_app.add_typer(view_app, name="view")


@view_app.command(
    "create",
    epilog="Examples:\n\n"
    "  assay infer --db .assay/staging.duckdb && assay stage view create --name orders\n\n"
    "  assay stage view create --schema shop.schema.json --name payments_typed "
    "--source-table payments --print",
)
@handle_errors
def view_create(
    name: Annotated[str, typer.Option("--name", help="Name of the view to create.")],
    db: DbOpt = None,
    schema_file: Annotated[
        Path | None,
        typer.Option(
            "--schema",
            help="Schema file (JSON/YAML); default: the latest schema inferred "
            "from the store (assay infer --db).",
        ),
    ] = None,
    source_table: Annotated[
        str | None,
        typer.Option(
            "--source-table",
            help="Partition whose records the view reads (default: the schema table's name).",
        ),
    ] = None,
    table: Annotated[
        str | None,
        typer.Option(
            "--table",
            help="Table of the schema to use (default: the "
            "one named like --source-table or --name, or the only one).",
        ),
    ] = None,
    print_sql: Annotated[bool, typer.Option("--print", help="Print the generated SQL.")] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print the SQL without creating the view.")
    ] = False,
    replace: Annotated[
        bool, typer.Option("--replace/--no-replace", help="Replace a view of that name.")
    ] = True,
) -> None:
    """Create a view that types each inferred field of the raw records (nested objects
    flattened to parent_child columns, arrays kept as JSON, bad values NULL)."""
    if not name.strip() or name.lower() in _RESERVED:
        raise UsageError(f"{name!r} cannot be a view name", hint="it is a staging table name")
    with open_store(db, read_only=dry_run) as store:
        schema = _schema(store, schema_file)
        chosen = _table(schema, table, source_table, name)
        partition = source_table or chosen.name
        sql = render(view_select(chosen, partition=partition, dialect=store.dialect), store.dialect)
        if print_sql or dry_run:
            console.print(sql, markup=False, highlight=False, soft_wrap=True)
        if dry_run:
            return
        store.create_view(name, sql, replace=replace)
    if not settings.quiet:
        console.print(
            f"created view {escape(name)} ({len(chosen.fields)} field(s) of "
            f"{escape(chosen.name)}, partition {escape(partition)}): "
            f'assay stage query "SELECT * FROM {escape(name)} LIMIT 5"',
            soft_wrap=True,
        )


def _schema(store: Any, path: Path | None) -> Schema:
    if path is None:
        return load_schema(store)[1]
    resolved = path.expanduser().resolve()
    if not resolved.is_file():
        raise UsageError(f"{resolved}: no such schema file")
    return from_text(resolved.read_text(encoding="utf-8"))


def _table(schema: Schema, table: str | None, source: str | None, name: str) -> Any:
    names = [t.name for t in schema.tables]
    for wanted in (table, source, name):
        if wanted is not None and wanted in names:
            return schema.table(wanted)
        if wanted is not None and wanted is table:
            raise UsageError(
                f"the schema has no table {table!r}", hint=f"its tables are: {', '.join(names)}"
            )
    if len(schema.tables) == 1:
        return schema.tables[0]
    raise UsageError(
        "the schema has several tables; say which with --table or --source-table",
        hint=f"its tables are: {', '.join(names)}",
    )
