"""``assay infer``: read every row and print the inferred schema."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from assay.cli import read_options as ro
from assay.cli.app import app, console, err_console, handle_errors, print_text, settings
from assay.cli.markup import escape, key_label
from assay.errors import UsageError

if TYPE_CHECKING:
    from rich.table import Table as RichTable

    from assay.refinement import RefineResult
    from assay.schema import Field, Schema, Table

OUTPUT_FORMATS = ("table", "json", "yaml", "json-schema")


@app.command(
    epilog="Examples:\n\n  assay infer examples/shop\n\n"
    "  assay infer examples/shop/orders.jsonl --format json-schema --output orders.schema.json\n\n"
    "  assay infer big.csv --sample 100000 --format yaml\n\n"
    "  assay infer --db .assay/staging.duckdb --partition orders"
    "\n\n"
    "  assay infer examples/shop --llm ollama:qwen2.5:7b --format yaml"
)
@handle_errors
def infer(
    paths: Annotated[
        list[str] | None,
        typer.Argument(
            help="Files, directories, globs or URIs (none with --db).",
            metavar="PATH...",
            show_default=False,
        ),
    ] = None,
    output_format: Annotated[
        str, typer.Option("--format", "-F", help="table, json, yaml or json-schema.")
    ] = "table",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to this file.")
    ] = None,
    sample: Annotated[
        int | None,
        typer.Option("--sample", min=1, help="Profile about N rows spread over each input."),
    ] = None,
    tolerance: Annotated[
        float, typer.Option("--tolerance", help="Share of values that must conform to a type.")
    ] = 0.999,
    min_frequency: Annotated[
        float, typer.Option("--min-frequency", help="Drop fields present in fewer records.")
    ] = 0.0,
    max_depth: Annotated[int, typer.Option("--max-depth", help="Nesting depth to profile.")] = 10,
    no_formats: Annotated[
        bool, typer.Option("--no-formats", help="Skip format detection.")
    ] = False,
    group: Annotated[
        bool, typer.Option("--group", help="Group inputs into tables by schema similarity.")
    ] = False,
    threshold: Annotated[float, typer.Option("--threshold", help="Similarity for --group.")] = 0.6,
    on_error: ro.OnErrorOpt = "quarantine",
    encoding: ro.EncodingOpt = None,
    delimiter: ro.DelimiterOpt = None,
    header: ro.HeaderOpt = None,
    skip_rows: ro.SkipOpt = None,
    pattern: ro.PatternOpt = None,
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            help="Infer from the records of a staging store (DuckDB path or postgresql:// "
            "URL) and store the result as a new schema version.",
        ),
    ] = None,
    partition: Annotated[
        str | None, typer.Option("--partition", help="With --db: only this partition.")
    ] = None,
    llm: Annotated[
        str | None,
        typer.Option(
            "--llm",
            metavar="SPEC",
            help="Refine with a model (see `assay refine`); default $ASSAY_LLM or assay.yaml.",
        ),
    ] = None,
    no_refine: Annotated[
        bool, typer.Option("--no-refine", help="Do not refine, even if a model is configured.")
    ] = False,
) -> None:
    """Infer a schema by reading every row: types, formats, nesting, statistics, keys."""
    if output_format not in OUTPUT_FORMATS:
        raise UsageError(
            f"unknown output format {output_format!r}",
            hint=f"valid values are: {', '.join(OUTPUT_FORMATS)}",
        )
    if db is not None or partition is not None:
        if paths:
            raise UsageError("give either PATH... or --db, not both")
        if db is None:
            raise UsageError("--partition needs --db")
        _infer_staged(
            db,
            partition,
            output_format,
            output,
            dict(
                sample=sample,
                tolerance=tolerance,
                min_frequency=min_frequency,
                max_depth=max_depth,
                formats=not no_formats,
            ),
        )
        return
    if not paths:
        raise UsageError("give files, directories, globs or URIs to infer (or --db)")
    read = {
        k: v
        for k, v in dict(
            on_error=on_error,
            encoding=encoding,
            delimiter=delimiter,
            header=header,
            skip_rows=skip_rows,
            pattern=pattern,
        ).items()
        if v is not None
    }
    # The first chunk is parsed (without the GIL) while the inference modules import.
    from assay.sources.ahead import ReadAhead

    ahead = ReadAhead(paths, read)
    from assay.inference.engine import infer_detailed

    result = infer_detailed(
        paths,
        read=read,
        ahead=ahead,
        sample=sample,
        tolerance=tolerance,
        min_frequency=min_frequency,
        max_depth=max_depth,
        formats=not no_formats,
    )
    schema = result.schema
    if group:
        schema = _grouped(schema, threshold)
    refined = None
    if not no_refine and _refine_requested(llm):
        from assay.cli.refine_commands import run_refinement
        from assay.refinement import RefineOptions

        refined = run_refinement(schema, llm, None, RefineOptions(read=read or None))
        schema = refined.schema
    _emit(schema, output_format, output, refined)
    if result.quarantined and not settings.quiet:
        err_console.print(f"[yellow]{result.quarantined} record(s) quarantined while reading[/]")
    if result.errors:
        for error in result.errors:
            err_console.print(f"[bold red]error:[/] {escape(str(error))}")
        raise typer.Exit(1)


def _infer_staged(
    db: str, partition: str | None, output_format: str, output: Path | None, options: dict
) -> None:
    from assay.api import infer_staged
    from assay.staging.connect import describe

    schema, version = infer_staged(db, partition=partition, **options)
    _emit(schema, output_format, output)
    if not settings.quiet:
        err_console.print(f"stored as schema version {version} in {escape(describe(db))}")


def _emit(
    schema: Schema, output_format: str, output: Path | None, refined: RefineResult | None = None
) -> None:
    text = _render(schema, output_format)
    if output is not None:
        output.write_text(text if text is not None else "", encoding="utf-8")
        if not settings.quiet:
            err_console.print(f"wrote {output}")
    elif text is not None:
        print_text(text, end="")
    elif refined is not None:
        from assay.cli.refine_commands import print_refined

        print_refined(refined)
    else:
        _print_tables(schema)


CONFIG_NAMES = ("assay.yaml", "assay.yml")  # as assay.config.load's (tested), unimported


def _refine_requested(llm: str | None) -> bool:
    """``--llm`` given, or a model configured in ``ASSAY_LLM`` / ``assay.yaml``."""
    if llm:
        return True
    import os

    configured = os.environ.get("ASSAY_LLM")
    if (
        not configured
        and not os.environ.get("ASSAY_CONFIG")
        and not any(os.path.isfile(name) for name in CONFIG_NAMES)
    ):
        # No configuration file here: nothing to ask for (and the configuration and
        # model modules, ~0.1 s of imports after the scan, stay unloaded).
        return False
    from assay.llm.providers import load_config

    configured = configured or load_config().get("provider")
    return bool(configured) and str(configured).strip() != "none"


def _render(schema: Schema, output_format: str) -> str | None:
    from assay.schema import to_json, to_yaml

    if output_format == "json":
        return to_json(schema)
    if output_format == "yaml":
        return to_yaml(schema)
    if output_format == "json-schema":
        import orjson

        from assay.codegen.json_schema import schema_json_schema, table_json_schema

        doc = (
            table_json_schema(schema.tables[0])
            if len(schema.tables) == 1
            else schema_json_schema(schema)
        )
        return orjson.dumps(doc, option=orjson.OPT_INDENT_2).decode() + "\n"
    return None


def _grouped(schema: Schema, threshold: float) -> Schema:
    from assay.inference.evolution import group, merge_tables

    clusters = group(list(schema.tables), threshold=threshold)
    tables = []
    for cluster in clusters:
        merged = schema.tables[cluster[0]]
        for index in cluster[1:]:
            merged = merge_tables(merged, schema.tables[index])
        tables.append(merged)
    return schema.model_copy(update={"tables": tuple(tables)})


def _print_tables(schema: Schema) -> None:
    for table in schema.tables:
        console.print(_table_view(table))
    if schema.relationships:
        from rich.table import Table as RichTable

        view = RichTable(title="Relationships", title_justify="left", header_style="bold")
        for column in ("from", "to", "coverage", "confidence"):
            view.add_column(column)
        for r in schema.relationships:
            view.add_row(
                f"{r.from_table}.{', '.join(r.from_fields)}",
                f"{r.to_table}.{', '.join(r.to_fields)}",
                f"{r.coverage:.1%}",
                f"{r.confidence:.2f}",
            )
        console.print(view)


def _table_view(table: Table) -> RichTable:
    key = key_label(table.primary_key)
    title = f"{table.name}  [dim]{table.row_count:,} rows · key: {escape(key)}[/]"
    from rich.table import Table as RichTable

    view = RichTable(title=title, title_justify="left", header_style="bold")
    for column in ("field", "type", "null", "format", "distinct", "examples", "notes"):
        view.add_column(column, overflow="fold")
    for f in _walk(table.fields):
        view.add_row(*_row(f))
    return view


def _walk(fields: tuple[Field, ...], depth: int = 0) -> list[Field]:
    from assay.schema import TypeKind

    out: list[Field] = []
    for f in fields:
        out.append(f)
        t = f.type
        if TypeKind(t.kind) is TypeKind.OBJECT and t.fields:
            out.extend(_walk(t.fields, depth + 1))
        elif TypeKind(t.kind) is TypeKind.ARRAY and t.items is not None and t.items.fields:
            out.extend(_walk(t.items.fields, depth + 1))
    return out


def _row(f: Field) -> list[str]:
    from assay.schema import TypeKind

    stats = f.stats
    distinct = ""
    if (
        stats is not None
        and stats.distinct
        and TypeKind(f.type.kind) not in (TypeKind.OBJECT, TypeKind.ARRAY)
    ):
        distinct = f"{stats.distinct:,}" + ("" if stats.distinct_exact else "≈")
    examples = ", ".join(_short(e) for e in f.examples[:3])
    notes = _notes(f)
    null = "yes" if f.nullable else ""
    if f.frequency < 1:
        null += f" ({f.frequency:.0%} present)"
    return [
        escape(f.path),
        escape(str(f.type)) + (f" [dim]{escape(f.type.pattern)}[/]" if f.type.pattern else ""),
        null,
        escape(f.format.name) if f.format else "",
        distinct,
        escape(examples),
        notes,
    ]


def _notes(f: Field) -> str:
    parts: list[str] = []
    for e in f.evidence:
        if e.decision == "type" and e.violating and e.rule.startswith("tolerance"):
            parts.append(
                f"[yellow]{e.violating} value(s) do not fit: {escape(', '.join(e.examples[:3]))}[/]"
            )
        if e.decision == "type" and e.rule.startswith("below-tolerance"):
            sample = escape(", ".join(e.examples[:2]))
            parts.append(f"[yellow]{e.note}; {e.violating} values, e.g. {sample}[/]")
        if e.decision == "nullable" and e.rule == "null-tokens":
            parts.append(f"null tokens {escape(e.note or '')}")
    parts.extend(escape(h) for h in f.hints)
    if f.constraints is not None and f.constraints.enum:
        parts.append("enum")
    return "; ".join(parts)


def _short(value: Any) -> str:
    text = str(value).replace("\n", "⏎")
    return text if len(text) <= 24 else text[:23] + "…"
