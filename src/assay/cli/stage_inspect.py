"""``assay stage stats|batches|history|sample|quarantine|query``: read what the staging
store holds (the store is opened read-only)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from assay.cli import tabular
from assay.cli.app import console, handle_errors, settings
from assay.cli.stage_commands import DbOpt, stage_app
from assay.cli.stage_tables import (
    BATCHES,
    FILES,
    HISTORY,
    PARTITIONS,
    QUARANTINE,
    SAMPLE,
    show,
)

FormatOpt = Annotated[str, typer.Option("--format", "-F", help="table, csv or json.")]
PartitionOpt = Annotated[str | None, typer.Option("--partition", help="Only this partition.")]


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
    from assay.staging import overview
    from assay.staging.connect import open_store

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
    show(parts, fmt, "Partitions", PARTITIONS)
    show(files, fmt, "Files", FILES)


@stage_app.command("batches", epilog="Examples:\n\n  assay stage batches --limit 5")
@handle_errors
def batches(
    db: DbOpt = None,
    limit: Annotated[int, typer.Option("--limit", min=1, help="Newest N batches.")] = 20,
    fmt: FormatOpt = "table",
) -> None:
    """Ingest batches, newest first: status, times, file and record counts."""
    from assay.staging import overview
    from assay.staging.connect import open_store

    tabular.check_format(fmt)
    with open_store(db, read_only=True) as store:
        show(overview.batches(store, limit), fmt, "Batches", BATCHES)


@stage_app.command("history", epilog="Examples:\n\n  assay stage history --format csv")
@handle_errors
def history(db: DbOpt = None, fmt: FormatOpt = "table") -> None:
    """The batch timeline, oldest first, with the current records after each batch."""
    from assay.staging import overview
    from assay.staging.connect import open_store

    tabular.check_format(fmt)
    with open_store(db, read_only=True) as store:
        show(overview.history(store), fmt, "History", HISTORY)


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
    from assay.staging import overview
    from assay.staging.connect import open_store

    tabular.check_format(fmt)
    with open_store(db, read_only=True) as store:
        show(overview.sample(store, partition, limit), fmt, "Sample", SAMPLE)


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
    from assay.staging import overview
    from assay.staging.connect import open_store

    tabular.check_format(fmt)
    with open_store(db, read_only=True) as store:
        show(overview.quarantine(store, partition, limit, batch), fmt, "Quarantine", QUARANTINE)


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
    from assay.staging.connect import open_store
    from assay.staging.query import run_query

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
