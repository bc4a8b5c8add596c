"""``assay check`` and ``assay query``: a contract's rules, and reading loaded tables."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import orjson
import typer
from rich import box
from rich.markup import escape
from rich.table import Table as RichTable

from assay.cli.app import app, console, err_console, handle_errors
from assay.cli.load_commands import TargetOpt, number, print_check_summary, schema_file
from assay.defaults import DEFAULT_TARGET
from assay.errors import UsageError

if TYPE_CHECKING:
    from assay.pipeline import TableReport


@app.command(
    "check",
    epilog="Examples:\n\n  assay check orders --contract shop.odcs.yaml --target duckdb:///shop.duckdb"
    "\n\n  assay check --contract shop.odcs.yaml --target postgresql://etl@db/dw --json",
)
@handle_errors
def check_command(
    tables: Annotated[
        list[str] | None,
        typer.Argument(
            help="Tables to check (default: every table of the contract).", metavar="[TABLE]..."
        ),
    ] = None,
    contract: Annotated[
        Path | None, typer.Option("--contract", help="ODCS contract (or assay schema) with rules.")
    ] = None,
    to: TargetOpt = DEFAULT_TARGET,
    json_output: Annotated[bool, typer.Option("--json", help="Print the results as JSON.")] = False,
) -> None:
    """Run a contract's quality rules against tables in a target; exit 1 when a critical
    rule fails."""
    from assay.pipeline import check

    schema = schema_file(None, contract) if contract is not None else None
    if schema is None:
        raise UsageError("assay check needs --contract FILE (an ODCS contract or assay schema)")
    reports = check(to, schema, list(tables or ()) or None)
    results = [r for t in reports for r in t.checks]
    critical = [r for r in results if r.critical and r.status in ("failed", "error")]
    if json_output:
        doc = {
            "target": open_target_display(to),
            "tables": {t.table: [r.to_dict() for r in t.checks] for t in reports},
            "passed": sum(r.status == "passed" for r in results),
            "failed": sum(r.status in ("failed", "error") for r in results),
            "critical_failed": len(critical),
        }
        print(orjson.dumps(doc, option=orjson.OPT_INDENT_2).decode())
    else:
        _print_checks(reports)
    if critical:
        raise typer.Exit(1)


def open_target_display(uri: str) -> str:
    from assay.targets import parse_target

    return parse_target(uri).display


def _print_checks(reports: list[TableReport]) -> None:
    for t in reports:
        grid = RichTable(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, title=None)
        for name, justify in (
            ("status", "left"),
            ("rule", "left"),
            ("severity", "left"),
            ("checked", "right"),
            ("failed", "right"),
        ):
            grid.add_column(name, justify=justify)  # type: ignore[arg-type]
        for r in t.checks:
            style = {"passed": "green", "failed": "red", "error": "red"}.get(r.status, "yellow")
            severity = "critical" if r.critical else "warning"
            status = f"[{style}]{r.status}[/]"
            grid.add_row(status, escape(r.id), severity, number(r.checked), number(r.failed))
        console.print(f"[bold]{escape(t.table)}[/]")
        console.print(grid)
        for r in t.checks:
            if r.error:
                console.print(f"  {escape(r.id)}: {escape(r.error)}")
            for row in r.sample:
                console.print(f"  {escape(r.id)} fails: {escape(_row_text(row))}", soft_wrap=True)
    results = [r for t in reports for r in t.checks]
    print_check_summary(results)


def _row_text(row: dict[str, Any]) -> str:
    return orjson.dumps(row, default=str).decode()[:300]


@app.command(
    "query",
    epilog="Examples:\n\n  assay query orders --target duckdb:///shop.duckdb --limit 5\n\n"
    "  assay query customers__rejects --target duckdb:///shop.duckdb --format json\n\n"
    "  assay query orders --target iceberg:///shop --as-of 2024-05-01T12:00:00",
)
@handle_errors
def query_command(
    table: Annotated[str, typer.Argument(help="Table to read.")],
    to: TargetOpt = DEFAULT_TARGET,
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help="Snapshot id, version or ISO time (Iceberg, Delta)."),
    ] = None,
    limit: Annotated[int, typer.Option("--limit", "-n", min=0, help="Rows to show.")] = 20,
    output_format: Annotated[
        str, typer.Option("--format", "-F", help="table, csv or json.")
    ] = "table",
) -> None:
    """Read a table from a target (time-travelled with --as-of)."""
    from assay.targets import open_target

    if output_format not in ("table", "csv", "json"):
        raise UsageError(
            f"unknown format {output_format!r}", hint="valid values are: table, csv, json"
        )
    with open_target(to) as target:
        data = target.scan(table, as_of=as_of, limit=limit)
    if output_format == "json":
        rows = data.to_pylist()
        print(orjson.dumps(rows, default=str, option=orjson.OPT_INDENT_2).decode())
        return
    if output_format == "csv":
        import io

        import pyarrow.csv as pacsv

        buffer = io.BytesIO()
        pacsv.write_csv(_printable(data), buffer)
        print(buffer.getvalue().decode(), end="")
        return
    grid = RichTable(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    for name in data.column_names:
        grid.add_column(escape(name), overflow="fold")
    for row in data.to_pylist():
        grid.add_row(*(escape("" if v is None else _cell(v)) for v in row.values()))
    console.print(grid)
    err_console.print(f"{data.num_rows} row(s)")


def _cell(value: Any) -> str:
    if isinstance(value, dict | list):
        return orjson.dumps(value, default=str).decode()
    return str(value)


def _printable(data: Any) -> Any:
    import pyarrow as pa

    columns = []
    for column in data.columns:
        if pa.types.is_nested(column.type):
            column = pa.array([_cell(v) if v is not None else None for v in column.to_pylist()])
        columns.append(column)
    return pa.table(columns, names=data.column_names)
