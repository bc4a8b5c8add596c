"""``assay refine``: descriptions, semantic types, keys and tighter types from a model,
each checked against the data; also the ``--llm`` step of ``assay infer``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table as RichTable

from assay.cli.app import app, console, err_console, handle_errors, print_text, settings
from assay.cli.markup import key_label
from assay.errors import UsageError

if TYPE_CHECKING:
    from assay.refinement import RefineOptions, RefineResult
    from assay.schema import Schema

RefineLLMOpt = Annotated[
    str | None,
    typer.Option(
        "--llm",
        metavar="SPEC",
        help="Model: none, ollama:MODEL\\[@URL], openai:MODEL\\[@URL], gguf:PATH "
        "(default: $ASSAY_LLM, then assay.yaml, then none = heuristics only).",
    ),
]
DocsOpt = Annotated[
    list[Path] | None,
    typer.Option(
        "--docs", metavar="PATH", help="Documentation (.txt .md .html .docx .pdf, or a folder)."
    ),
]
MaxRetriesOpt = Annotated[
    int,
    typer.Option("--max-retries", min=0, help="Re-asks after a rejected answer or failed call."),
]
TimeoutOpt = Annotated[
    float | None,
    typer.Option(
        "--timeout", min=0.1, help="Seconds per answer (default 120 for servers, none for gguf)."
    ),
]
OUTPUT_FORMATS = ("table", "json", "yaml", "json-schema")
SHORT = {
    "description": "desc",
    "semantic_type": "semantic",
    "classification": "class",
    "allowed_values": "enum",
    "primary_key": "key",
}


@app.command(
    epilog="Examples:\n\n  assay refine examples/shop --llm ollama:qwen2.5:7b\n\n"
    "  assay refine shop.schema.yaml --llm openai:gpt-4o-mini@http://localhost:8000/v1 "
    "--docs docs/data-dictionary.md --out shop.refined.yaml\n\n"
    "  assay refine examples/shop/customers.csv --llm gguf:/models/gemma.gguf --show-prompt"
)
@handle_errors
def refine(
    target: Annotated[
        str,
        typer.Argument(
            help="A schema file from `assay infer` (JSON/YAML), or data to infer one from.",
            metavar="SCHEMA_OR_DATA",
        ),
    ],
    llm: RefineLLMOpt = None,
    docs: DocsOpt = None,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write the refined schema here.")
    ] = None,
    output_format: Annotated[
        str,
        typer.Option(
            "--format", "-F", help="table, json, yaml or json-schema (default: by --out suffix)."
        ),
    ] = "",
    max_retries: MaxRetriesOpt = 2,
    timeout: TimeoutOpt = None,
    concurrency: Annotated[
        int, typer.Option("--concurrency", min=1, help="Chunks asked at the same time.")
    ] = 2,
    detail: Annotated[
        str,
        typer.Option("--detail", help="full, or brief (descriptions and semantic types only)."),
    ] = "full",
    sample_rows: Annotated[
        int, typer.Option("--sample-rows", min=1, help="Rows re-read to check suggestions.")
    ] = 50_000,
    show_prompt: Annotated[
        bool,
        typer.Option("--show-prompt", help="Print the exact prompts and stop (nothing is sent)."),
    ] = False,
    no_cache: Annotated[
        bool, typer.Option("--no-cache", help="Neither read nor write .assay/llm-cache.")
    ] = False,
    offline: Annotated[
        bool, typer.Option("--offline", help="Answer only from the cache; never call the model.")
    ] = False,
) -> None:
    """Document a schema with a language model; keep only what the data confirms."""
    from assay.cli.schema_commands import load_schema
    from assay.refinement import RefineOptions

    fmt = _output_format(output_format, out)
    schema = load_schema(target)
    options = RefineOptions(
        max_retries=max_retries,
        concurrency=concurrency,
        detail=detail,
        sample_rows=sample_rows,
    )
    if show_prompt:
        print_prompts(schema, docs, options)
        return
    result = run_refinement(
        schema, llm, docs, options, timeout=timeout, cache=not no_cache, offline=offline
    )
    emit(result, fmt, out)
    if not settings.quiet:
        err_console.print(summary(result))


def _output_format(value: str, out: Path | None) -> str:
    if not value:
        if out is None:
            return "table"
        return "json" if out.suffix.lower() == ".json" else "yaml"
    if value not in OUTPUT_FORMATS:
        raise UsageError(
            f"unknown output format {value!r}",
            hint=f"valid values are: {', '.join(OUTPUT_FORMATS)}",
        )
    return value


def print_prompts(schema: Schema, docs: list[Path] | None, options: RefineOptions) -> None:
    from assay.refinement import plan, read_documents

    passages = read_documents(list(docs)) if docs else []
    jobs = plan(schema, passages, options)
    for job in jobs:
        columns = ", ".join(f.path for f in job.fields)
        console.print(f"=== {job.table.name}: {columns} ===", markup=False, highlight=False)
        print_text(job.prompt.render(), end="")


def run_refinement(
    schema: Schema,
    llm: str | None,
    docs: list[Path] | None,
    options: RefineOptions,
    *,
    timeout: float | None = None,
    cache: bool = True,
    offline: bool = False,
) -> RefineResult:
    """Resolve the provider, wrap it in the cache, refine, print warnings and a summary."""
    from assay.refinement.session import refine_with

    def progress(report) -> None:  # type: ignore[no-untyped-def]
        if settings.verbose and not settings.quiet:
            err_console.print(
                f"[dim]{escape(report.table)}: {len(report.columns)} column(s), "
                f"{report.attempts} attempt(s), {report.elapsed:.1f}s, {report.outcome}[/]"
            )

    result = refine_with(
        schema,
        llm,
        docs=[str(d) for d in docs] if docs else None,
        cache=cache,
        offline=offline,
        timeout=timeout,
        options=options,
        progress=progress,
    )
    if not settings.quiet:
        for warning in result.warnings:
            err_console.print(f"[yellow]warning:[/] {escape(warning)}")
    return result


def summary(result: RefineResult) -> str:
    model = sum(1 for c in result.changes if c.source == "llm")
    rules = len(result.changes) - model
    rejected = sum(1 for r in result.rejections if r.source == "llm")
    cached = sum(c.cached for c in result.chunks)
    parts = [f"refined with {escape(result.spec)}"]
    if result.chunks:
        parts.append(f"template {result.template}, {len(result.chunks)} chunk(s)")
    parts.append(f"{model} change(s) from the model, {rules} from heuristics")
    if result.chunks:
        parts.append(f"{rejected} model suggestion(s) rejected by checks")
    if cached:
        parts.append(f"{cached} answer(s) from the cache")
    parts.append(f"{result.elapsed:.1f}s")
    return "[dim]" + "; ".join(parts) + "[/]"


def emit(result: RefineResult, fmt: str, out: Path | None) -> None:
    from assay.cli.infer_commands import _render

    text = _render(result.schema, fmt) if fmt != "table" else None
    if out is not None:
        out.write_text(text or "", encoding="utf-8")
        if not settings.quiet:
            err_console.print(f"wrote {out}")
        return
    if text is not None:
        print_text(text, end="")
        return
    print_refined(result)


def print_refined(result: RefineResult) -> None:
    from assay.refinement.context import columns_of

    changed: dict[tuple[str, str | None], dict[str, list[str]]] = {}
    for c in result.changes:
        label = SHORT.get(c.aspect, c.aspect)
        if c.aspect == "type":
            label = f"type {c.before}→{c.after}"
        elif c.aspect == "format":
            label = f"format {c.after}"
        elif c.aspect == "references":
            label = f"→{c.after}"
        who = "model" if c.source == "llm" else "rules"
        changed.setdefault((c.table, c.path), {}).setdefault(who, []).append(label)
    rejected: dict[tuple[str, str | None], int] = {}
    for r in result.rejections:
        rejected[(r.table, r.path)] = rejected.get((r.table, r.path), 0) + 1
    for table in result.schema.tables:
        key = key_label(table.primary_key, none="none")
        title = f"{escape(table.name)}  [dim]{table.row_count:,} rows · key: {escape(key)}[/]"
        if table.description:
            title += f"\n{escape(table.description)}"
        if table.grain:
            title += f" [dim](grain: {escape(table.grain)})[/]"
        view = RichTable(title=title, title_justify="left", header_style="bold")
        for column in ("field", "type", "semantic type", "class", "description", "changed"):
            view.add_column(column, overflow="fold")
        for f in columns_of(table):
            notes = "; ".join(
                f"{who}: {', '.join(labels)}"
                for who, labels in changed.get((table.name, f.path), {}).items()
            )
            count = rejected.get((table.name, f.path))
            if count:
                notes += ("; " if notes else "") + f"[yellow]{count} rejected[/]"
            view.add_row(
                escape(f.path),
                escape(str(f.type)),
                escape(f.semantic_type or ""),
                escape(f.classification or ""),
                escape(f.description or ""),
                notes,
            )
        console.print(view)
    if settings.verbose and result.rejections:
        view = RichTable(title="Rejected suggestions", title_justify="left", header_style="bold")
        for column in ("where", "aspect", "suggested", "why", "from"):
            view.add_column(column, overflow="fold")
        for r in result.rejections:
            where = f"{r.table}.{r.path}" if r.path else r.table
            view.add_row(escape(where), r.aspect, escape(str(r.value)), escape(r.reason), r.source)
        console.print(view)
