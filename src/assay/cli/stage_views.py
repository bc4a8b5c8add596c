"""``assay stage view create``: a typed view over staged records, from an inferred
schema (a file, or the latest version stored by ``assay infer --db``)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape

from assay.cli.app import console, handle_errors, print_text, settings
from assay.cli.stage_commands import DbOpt, stage_app
from assay.errors import UsageError

if TYPE_CHECKING:
    from assay.schema import Schema

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
    from assay.staging.connect import open_store
    from assay.staging.views import render, view_select

    if not name.strip() or name.lower() in _RESERVED:
        raise UsageError(f"{name!r} cannot be a view name", hint="it is a staging table name")
    with open_store(db, read_only=dry_run) as store:
        schema = _schema(store, schema_file)
        chosen = _table(schema, table, source_table, name)
        partition = source_table or chosen.name
        sql = render(view_select(chosen, partition=partition, dialect=store.dialect), store.dialect)
        if print_sql or dry_run:
            print_text(sql)
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
    from assay.schema import from_text
    from assay.staging.schemas import load_schema

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
