"""Options every reading command shares, mapped onto :class:`assay.sources.ReadOptions`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from assay.sources import ReadOptions

FormatOpt = Annotated[
    str | None,
    typer.Option(
        "--format",
        "-f",
        help="Force the format: csv, json, jsonl, parquet, arrow, excel.",
        rich_help_panel="Reading",
    ),
]
EncodingOpt = Annotated[
    str | None,
    typer.Option(
        "--encoding",
        help="Force the text encoding (e.g. cp1252, utf-16).",
        rich_help_panel="Reading",
    ),
]
DelimiterOpt = Annotated[
    str | None,
    typer.Option(
        "--delimiter",
        "-d",
        help="Force the CSV delimiter (use '\\t' for tab).",
        rich_help_panel="Reading",
    ),
]
QuoteOpt = Annotated[
    str | None,
    typer.Option(
        "--quotechar",
        help="Force the CSV quote character ('' for none).",
        rich_help_panel="Reading",
    ),
]
EscapeOpt = Annotated[
    str | None,
    typer.Option("--escapechar", help="Force the CSV escape character.", rich_help_panel="Reading"),
]
HeaderOpt = Annotated[
    bool | None,
    typer.Option(
        "--header/--no-header",
        help="Force whether the first row is a header.",
        rich_help_panel="Reading",
    ),
]
SkipOpt = Annotated[
    int | None,
    typer.Option(
        "--skip-rows", min=0, help="Force the number of preamble lines.", rich_help_panel="Reading"
    ),
]
CommentOpt = Annotated[
    str | None,
    typer.Option(
        "--comment", help="Force the comment character of CSV lines.", rich_help_panel="Reading"
    ),
]
SheetOpt = Annotated[
    str | None,
    typer.Option("--sheet", help="Read only this workbook sheet.", rich_help_panel="Reading"),
]
RecordPathOpt = Annotated[
    str | None,
    typer.Option(
        "--record-path",
        help="Key holding the records in a JSON document (e.g. data.items).",
        rich_help_panel="Reading",
    ),
]
CompressionOpt = Annotated[
    str | None,
    typer.Option(
        "--compression",
        help="Force compression: none, gzip, bz2, xz, zstd, zip.",
        rich_help_panel="Reading",
    ),
]
OnErrorOpt = Annotated[
    str,
    typer.Option(
        "--on-error",
        help="Bad records (ragged rows, bad JSON, undecodable bytes): quarantine, skip or fail.",
        rich_help_panel="Reading",
    ),
]
PatternOpt = Annotated[
    str | None,
    typer.Option(
        "--pattern",
        help="Only files matching this glob inside directories.",
        rich_help_panel="Reading",
    ),
]


def read_options(**values: Any) -> ReadOptions:
    """Build ReadOptions from CLI values, dropping those the user did not give."""
    from assay.sources import ReadOptions

    given = {k: v for k, v in values.items() if v is not None}
    return ReadOptions.from_kwargs(**given)
