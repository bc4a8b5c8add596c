"""``assay load``: a thin shell over :func:`assay.pipeline.load` (check, query: elsewhere)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import orjson
import typer
from rich import box
from rich.markup import escape
from rich.table import Table as RichTable

from assay.cli import read_options as ro
from assay.cli.app import app, console, err_console, handle_errors, settings
from assay.defaults import DEFAULT_TARGET
from assay.errors import InputError, UsageError

if TYPE_CHECKING:
    from assay.pipeline import LoadReport, RuleResult
    from assay.schema import Schema

TargetOpt = Annotated[
    str,
    typer.Option("--to", "--target", "-t", help="Target URI.", metavar="URI"),
]


def schema_file(schema: Path | None, contract: Path | None) -> Schema | None:
    if schema is not None and contract is not None:
        raise UsageError("give --schema or --contract, not both")
    path = schema or contract
    if path is None:
        return None
    if not path.is_file():
        raise InputError("no such file", path=str(path), code="not_found")
    from assay.cli.generate_commands import read_schema

    return read_schema(str(path))


def _keys(values: list[str] | None) -> tuple[str, ...]:
    out: list[str] = []
    for value in values or ():
        out += [v.strip() for v in value.split(",") if v.strip()]
    return tuple(out)


@app.command(
    "load",
    epilog="Examples:\n\n  assay load examples/shop --to duckdb:///shop.duckdb\n\n"
    "  assay load drops/*.csv --to postgresql://etl@db/warehouse?schema=raw --table orders\n\n"
    "  assay load orders.csv --contract orders.odcs.yaml --mode merge --key order_id "
    "--check-before-load\n\n"
    "  assay load events.jsonl --to iceberg:///lake --json",
)
@handle_errors
def load_command(
    sources: Annotated[
        list[str], typer.Argument(help="Files, directories, globs or URIs.", metavar="SOURCE...")
    ],
    to: TargetOpt = DEFAULT_TARGET,
    table: Annotated[
        str | None, typer.Option("--table", help="Load every source into this table.")
    ] = None,
    schema: Annotated[
        Path | None, typer.Option("--schema", help="Schema file (from assay infer).")
    ] = None,
    contract: Annotated[
        Path | None, typer.Option("--contract", help="ODCS contract defining the tables.")
    ] = None,
    mode: Annotated[
        str, typer.Option("--mode", help="create, replace, append or merge.")
    ] = "append",
    key: Annotated[
        list[str] | None,
        typer.Option("--key", help="Merge key column(s), comma-separated (--mode merge)."),
    ] = None,
    naming: Annotated[
        str, typer.Option("--naming", help="Column names: snake (normalised) or keep.")
    ] = "snake",
    on_schema_change: Annotated[
        str,
        typer.Option(
            "--on-schema-change",
            help="compatible (apply compatible changes), fail, evolve or reject-rows.",
        ),
    ] = "compatible",
    on_error: Annotated[
        str,
        typer.Option(
            "--on-error", help="Rows that cannot be loaded: quarantine (rejects table) or fail."
        ),
    ] = "quarantine",
    check_before_load: Annotated[
        bool,
        typer.Option(
            "--check-before-load",
            help="Run the quality rules on each batch first; reject rows failing critical ones.",
        ),
    ] = False,
    no_checks: Annotated[
        bool, typer.Option("--no-checks", help="Skip the quality rules after loading.")
    ] = False,
    partition_by: Annotated[
        list[str] | None, typer.Option("--partition-by", help="Parquet: partition column(s).")
    ] = None,
    sample: Annotated[
        int | None,
        typer.Option("--sample", min=1, help="Infer types from about N spread rows per input."),
    ] = None,
    json_output: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
    encoding: ro.EncodingOpt = None,
    delimiter: ro.DelimiterOpt = None,
    header: ro.HeaderOpt = None,
    skip_rows: ro.SkipOpt = None,
    file_format: ro.FormatOpt = None,
    pattern: ro.PatternOpt = None,
) -> None:
    """Load files into typed tables; every row is loaded, rejected with its reason, or a
    counted duplicate."""
    from assay.pipeline import LoadOptions, load

    read = {
        k: v
        for k, v in dict(
            encoding=encoding,
            delimiter=delimiter,
            header=header,
            skip_rows=skip_rows,
            format=file_format,
            pattern=pattern,
        ).items()
        if v is not None
    }
    show_progress = not settings.quiet and not json_output
    options = LoadOptions(
        target=to,
        table=table,
        schema=schema_file(schema, contract),
        mode=mode,
        key=_keys(key),
        naming=naming,  # type: ignore[arg-type]
        on_schema_change=on_schema_change,
        on_error=on_error,
        check_before_load=check_before_load,
        checks=not no_checks,
        partition_by=_keys(partition_by),
        read=read,
        infer={"sample": sample} if sample else {},
        progress=(lambda text: err_console.print(escape(text))) if show_progress else None,
    )
    report = load(sources, options)
    if json_output:
        print(orjson.dumps(report.to_dict(), option=orjson.OPT_INDENT_2).decode())
    else:
        _print_report(report)
    for error in report.errors:
        err_console.print(f"[bold red]error:[/] {escape(error)}")
    if report.errors or report.critical_failures:
        raise typer.Exit(1)


def number(value: int) -> str:
    return f"{value:,}"


def _print_report(report: LoadReport) -> None:
    grid = RichTable(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    for name, justify in (
        ("table", "left"),
        ("files", "right"),
        ("read", "right"),
        ("loaded", "right"),
        ("rejected", "right"),
        ("duplicates", "right"),
    ):
        grid.add_column(name, justify=justify)  # type: ignore[arg-type]
    for t in report.tables:
        files = number(t.files) + (f" (+{t.files_skipped} done)" if t.files_skipped else "")
        counts = (t.rows_read, t.rows_loaded, t.rows_rejected, t.duplicates_skipped)
        grid.add_row(t.table, files, *map(number, counts))
    total = report.totals()
    keys = ("files", "rows_read", "rows_loaded", "rows_rejected", "duplicates_skipped")
    grid.add_row("total", *(number(total[k]) for k in keys), style="bold")
    console.print(
        f"loaded into {escape(report.target)}  (load {report.load_id}, mode {report.mode})"
    )
    console.print(grid)
    reasons = total["rejected_by_reason"]
    if reasons:
        text = ", ".join(f"{k} {v:,}" for k, v in sorted(reasons.items(), key=lambda i: -i[1]))
        console.print(f"rejected by reason: {text}")
    holds = "[green]✓[/]" if total["invariant_holds"] else "[bold red]✗ (a bug in assay)[/]"
    read, loaded, rejected, duplicates = (
        number(total[k])
        for k in ("rows_read", "rows_loaded", "rows_rejected", "duplicates_skipped")
    )
    console.print(
        f"rows read {read} = loaded {loaded} + rejected {rejected} + duplicates skipped "
        f"{duplicates}  " + holds
    )
    for t in report.tables:
        for change in t.schema_changes:
            console.print(f"schema change {t.table}: {escape(change)}")
        for warning in t.warnings:
            console.print(f"[yellow]warning[/] {t.table}: {escape(warning)}")
    if report.checks:
        print_check_summary(report.checks)
    console.print(
        f"time {total['seconds']:.1f} s · {number(total['rows_per_second'])} rows/s · "
        f"{total['mb_per_second']} MB/s"
    )
    rejected = [t.table for t in report.tables if t.rows_rejected]
    if rejected:
        console.print(
            f"rejected rows: assay query {rejected[0]}__rejects --target {escape(report.target)}"
        )


def print_check_summary(results: list[RuleResult]) -> None:
    failed = [r for r in results if r.status in ("failed", "error")]
    critical = [r for r in failed if r.critical]
    tables = len({r.table for r in results})
    console.print(
        f"checks: {len(results)} rules on {tables} table(s): "
        f"{sum(r.status == 'passed' for r in results)} passed, {len(failed)} failed "
        f"({len(critical)} critical)"
        + (
            f", {sum(r.status == 'skipped' for r in results)} skipped"
            if any(r.status == "skipped" for r in results)
            else ""
        )
    )
    for r in failed:
        mark = "[bold red]critical[/]" if r.critical else "[yellow]warning[/]"
        detail = r.error or f"{r.failed:,} of {r.checked:,} rows fail"
        console.print(f"  {mark} {r.id}: {escape(r.message)} — {escape(detail)}")
