"""``assay sniff`` and ``assay preview``: what is in these files, and what it looks like."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import orjson
import typer
from rich.markup import escape
from rich.table import Table

from assay.cli import read_options as ro
from assay.cli.app import app, console, err_console, handle_errors, settings

if TYPE_CHECKING:
    from assay.sources import Detection, Source, Stream

PathsArg = Annotated[
    list[str],
    typer.Argument(
        help="Files, directories, globs or URIs (s3://, https://, ...).", metavar="PATH..."
    ),
]


def _terminator(detection: Detection) -> str:
    return detection.dialect.line_terminator if detection.dialect else ""


def _show_char(char: str | None) -> str:
    if char is None:
        return "none"
    return {"\t": "\\t", " ": "space"}.get(char, char)


@app.command(
    epilog="Examples:\n\n  assay sniff examples/shop\n\n  assay sniff export.csv.gz --json\n\n"
    "  assay sniff s3://bucket/drop/ --pattern '*.csv'"
)
@handle_errors
def sniff(
    paths: PathsArg,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
    format: ro.FormatOpt = None,
    encoding: ro.EncodingOpt = None,
    delimiter: ro.DelimiterOpt = None,
    quotechar: ro.QuoteOpt = None,
    escapechar: ro.EscapeOpt = None,
    header: ro.HeaderOpt = None,
    skip_rows: ro.SkipOpt = None,
    comment: ro.CommentOpt = None,
    sheet: ro.SheetOpt = None,
    record_path: ro.RecordPathOpt = None,
    compression: ro.CompressionOpt = None,
    pattern: ro.PatternOpt = None,
) -> None:
    """Detect format, compression, encoding, CSV dialect, header, rows and columns.

    Reads only a bounded prefix of each file.
    """
    from assay.sources import Source

    options = ro.read_options(
        format=format,
        encoding=encoding,
        delimiter=delimiter,
        quotechar=quotechar,
        escapechar=escapechar,
        header=header,
        skip_rows=skip_rows,
        sheet=sheet,
        record_path=record_path,
        compression=compression,
        pattern=pattern,
    )
    source = Source(paths, options)
    streams = list(source.streams())
    if as_json:
        payload: dict[str, Any] = {
            "inputs": [_detection_json(s) for s in streams],
            "errors": [_error_json(e) for e in source.errors],
        }
        console.print_json(orjson.dumps(payload).decode())
    else:
        if streams and console.width >= 140:
            console.print(_sniff_table(streams))
        elif streams:  # a narrow terminal: one readable block per input instead of a table
            for stream in streams:
                console.print(_sniff_block(stream))
    _finish(source, len(streams))


def _detection_json(stream: Stream) -> dict[str, Any]:
    data = stream.detection.to_dict()
    data["table"] = stream.name
    return data


def _error_json(error: Exception) -> dict[str, Any]:
    return {
        "code": getattr(error, "code", "error"),
        "path": getattr(error, "path", None),
        "line": getattr(error, "line", None),
        "message": str(error),
    }


def _sniff_block(stream: Stream) -> str:
    d = stream.detection
    where = d.uri.rsplit("/", 1)[-1] + (f" [{d.sheet}]" if d.sheet else "")
    parts = [str(d.format) + (f" ({d.record_path})" if d.record_path else "")]
    if d.compression:
        parts.append(d.compression)
    if d.encoding:
        parts.append(d.encoding)
    dialect = d.dialect
    if dialect:
        parts.append(f"delimiter {_show_char(dialect.delimiter)}")
        parts.append(f"quote {_show_char(dialect.quotechar)}")
        parts.append("header" if dialect.header else "no header")
        if dialect.skip_rows:
            parts.append(f"skip {dialect.skip_rows}")
        parts.append(_terminator(d))
    rows = f"~{d.estimated_rows:,}" if d.estimated_rows is not None else "?"
    parts.append(f"{rows} rows × {len(d.columns)} columns")
    head = f"[bold]{escape(stream.name)}[/]  {escape(where)}"
    return head + "\n  " + escape(" · ".join(parts))


def _sniff_table(streams: list[Stream]) -> Table:
    names = console.width >= 150  # narrower terminals fold the names into unreadable towers
    table = Table(title="Detected inputs", title_justify="left", header_style="bold")
    for column in (
        "table",
        "file",
        "format",
        "compression",
        "encoding",
        "delimiter",
        "quote",
        "header",
        "skip",
        "line end",
        "rows (est.)",
        "columns",
    ):
        table.add_column(
            column, overflow="fold", justify="right" if column.startswith("rows") else "left"
        )
    for stream in streams:
        d = stream.detection
        dialect = d.dialect
        where = d.uri.rsplit("/", 1)[-1]
        if d.sheet:
            where += f" [{d.sheet}]"
        table.add_row(
            stream.name,
            escape(where),
            str(d.format) + (f" ({d.record_path})" if d.record_path else ""),
            d.compression or "-",
            d.encoding or "-",
            _show_char(dialect.delimiter) if dialect else "-",
            _show_char(dialect.quotechar) if dialect else "-",
            ("yes" if dialect.header else "no") if dialect else "-",
            str(dialect.skip_rows) if dialect else "-",
            _terminator(d) or "-",
            f"{d.estimated_rows:,}" if d.estimated_rows is not None else "?",
            _columns(d.columns, names),
        )
    return table


def _columns(columns: list[str], names: bool) -> str:
    """The column count, with the first names when the terminal has room for them."""
    if not names or not columns:
        return str(len(columns))
    shown = escape(", ".join(columns[:8]))
    return f"{len(columns)}: {shown}" + (" …" if len(columns) > 8 else "")


@app.command(
    epilog="Examples:\n\n  assay preview examples/shop/payments.csv --rows 5\n\n"
    "  assay preview examples/shop/orders.jsonl --on-error skip"
)
@handle_errors
def preview(
    paths: PathsArg,
    rows: Annotated[int, typer.Option("--rows", "-n", min=1, help="Rows to show per table.")] = 10,
    format: ro.FormatOpt = None,
    encoding: ro.EncodingOpt = None,
    delimiter: ro.DelimiterOpt = None,
    quotechar: ro.QuoteOpt = None,
    escapechar: ro.EscapeOpt = None,
    header: ro.HeaderOpt = None,
    skip_rows: ro.SkipOpt = None,
    comment: ro.CommentOpt = None,
    sheet: ro.SheetOpt = None,
    record_path: ro.RecordPathOpt = None,
    compression: ro.CompressionOpt = None,
    on_error: ro.OnErrorOpt = "quarantine",
    pattern: ro.PatternOpt = None,
) -> None:
    """Show the first rows of each table, as read (values are not typed yet)."""
    from assay.sources import Source
    from assay.sources.model import OnError

    options = ro.read_options(
        format=format,
        encoding=encoding,
        delimiter=delimiter,
        quotechar=quotechar,
        escapechar=escapechar,
        header=header,
        skip_rows=skip_rows,
        sheet=sheet,
        record_path=record_path,
        compression=compression,
        on_error=on_error,
        pattern=pattern,
    )
    source = Source(paths, options)
    shown = 0
    for stream in source.streams():
        shown += 1
        before = len(source.quarantined)
        collected = []
        remaining = rows
        try:
            for batch in stream.batches():
                take = batch.data.slice(0, remaining)
                lines = batch.line_numbers()
                collected.append((take, None if lines is None else lines[: take.num_rows]))
                remaining -= take.num_rows
                if remaining <= 0:
                    break
        except Exception as exc:
            from assay.errors import InputError

            if isinstance(exc, InputError):
                source.errors.append(exc)
                continue
            raise
        console.print(_preview_table(stream, collected))
        new = source.quarantined[before:]
        if new and options.on_error is OnError.QUARANTINE:
            err_console.print(
                f"[yellow]{len(new)} record(s) quarantined while reading these rows[/] "
                f"(first: line {new[0].line}: {escape(new[0].reason)})"
            )
    _finish(source, shown)


def _preview_table(stream: Stream, batches: list[Any]) -> Table:
    d = stream.detection
    names = batches[0][0].schema.names if batches else d.columns
    rows: list[tuple[str, list[str]]] = []
    for batch, lines in batches:
        for i, row in enumerate(batch.to_pylist()):
            label = str(lines[i]) if lines is not None else ""
            rows.append((label, [_plain(row.get(name)) for name in names]))
    sheet = f" [{d.sheet}]" if d.sheet else ""
    title = f"{stream.name}  [dim]{escape(d.uri + sheet)}[/]"
    table = Table(title=title, title_justify="left", header_style="bold")
    line_width = max([4] + [len(label) for label, _ in rows])
    table.add_column("line", justify="right", style="dim", no_wrap=True, width=line_width)
    # Give each column the width its content needs (capped), and show the columns that
    # fit the terminal; say which were left out.
    budget = console.width - line_width - 4
    shown = 0
    for j, name in enumerate(names):
        width = min(max([len(name)] + [len(cells[j]) for _, cells in rows]), 32)
        if shown and budget - (width + 3) < 0:
            break
        budget -= width + 3
        shown += 1
        table.add_column(escape(name), width=width, no_wrap=True, overflow="ellipsis")
    for label, cells in rows:
        table.add_row(label, *(_styled(c) for c in cells[:shown]))
    if shown < len(names):
        rest = names[shown:]
        table.caption = f"{len(rest)} more column(s): {escape(', '.join(rest))}"
        table.caption_justify = "left"
    return table


_NULL = "\x00null"
_EMPTY = "\x00empty"


def _plain(value: Any) -> str:
    if value is None:
        return _NULL
    if isinstance(value, dict | list):
        return orjson.dumps(value, default=str).decode()
    text = str(value)
    return _EMPTY if text == "" else text.replace("\n", "⏎")


def _styled(text: str) -> str:
    if text == _NULL:
        return "[dim]null[/]"
    if text == _EMPTY:
        return '[dim]""[/]'
    return escape(text)


def _finish(source: Source, streams: int) -> None:
    """Summarise errors; exit 1 if any input failed."""
    if not settings.quiet and source.quarantined:
        err_console.print(f"[yellow]{len(source.quarantined)} record(s) quarantined[/]")
    if source.errors:
        failed = len(source.errors)
        for error in source.errors:
            err_console.print(f"[bold red]error:[/] {escape(str(error))}")
        total = streams + failed
        err_console.print(f"[bold red]{failed} of {total} input(s) failed[/]")
        raise typer.Exit(1)
