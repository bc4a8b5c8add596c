"""Print rows (column names + tuples, or Arrow batches) as a table, CSV or JSON.

``table`` is for people (Rich, long text cut short); ``csv`` and ``json`` are for
programs: JSON prints one array of objects, values as JSON types (dates as ISO text).
"""

from __future__ import annotations

import csv
import sys
from collections.abc import Iterable, Sequence
from datetime import date, datetime, time
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import orjson
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from assay.errors import UsageError

if TYPE_CHECKING:
    import pyarrow as pa

FORMATS = ("table", "csv", "json")
WRAPPED = {"raw", "reason", "note", "error"}  # long text: folded; other columns kept whole
UNCUT = {"reason", "note", "error"}  # shown in full; other values are cut at ``width``


def check_format(value: str) -> str:
    if value not in FORMATS:
        raise UsageError(
            f"unknown format {value!r}", hint=f"valid values are: {', '.join(FORMATS)}"
        )
    return value


def text(value: Any, width: int | None = 80, group_digits: bool = True) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        shown = value.isoformat(sep=" ", timespec="seconds")
    elif isinstance(value, float):
        shown = f"{value:g}"
    elif isinstance(value, int) and not isinstance(value, bool) and group_digits:
        shown = f"{value:,}"
    elif isinstance(value, bytes):
        shown = value.decode("utf-8", "replace")
    else:
        shown = str(value)
    shown = shown.replace("\n", "⏎")
    if width is not None and len(shown) > width:
        shown = shown[: width - 1] + "…"
    return shown


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date | time | datetime):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


def rich_table(
    names: Sequence[str],
    rows: Iterable[Sequence[Any]],
    title: str | None = None,
    width: int = 80,
    group_digits: bool = True,
) -> Table:
    view = Table(title=title, title_justify="left", header_style="bold")
    for name in names:
        if name in WRAPPED:
            view.add_column(escape(name), overflow="fold")
        else:
            view.add_column(escape(name), overflow="fold", min_width=len(name))
    widths = [None if name in UNCUT else width for name in names]
    for row in rows:
        view.add_row(*(escape(text(v, w, group_digits)) for v, w in zip(row, widths, strict=True)))
    return view


def print_table(console: Console, table: Table) -> None:
    """Print a table; in a pipe, at its natural width (up to 250 columns) rather than 80."""
    if console.is_terminal:
        console.print(table)
        return
    natural = console.measure(table, options=console.options.update(max_width=250)).maximum
    width = min(max(natural, console.width), 250)
    before = console.width
    console.width = width  # print() alone never goes wider than the console
    try:
        console.print(table)
    finally:
        console.width = before


def write_rows(
    names: Sequence[str], rows: Iterable[Sequence[Any]], fmt: str, out: Any = None
) -> None:
    """CSV or JSON to ``out`` (stdout by default), streaming."""
    out = out or sys.stdout
    if fmt == "csv":
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(names)
        for row in rows:
            writer.writerow(["" if v is None else _csv_value(v) for v in row])
        return
    out.write("[")
    first = True
    for row in rows:
        record = dict(zip(names, row, strict=True))
        data = orjson.dumps(record, default=_default, option=orjson.OPT_NON_STR_KEYS).decode()
        out.write(("\n" if first else ",\n") + data)
        first = False
    out.write("\n]\n" if not first else "]\n")


def _csv_value(value: Any) -> Any:
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return value


def batch_rows(batches: Iterable[pa.RecordBatch]) -> tuple[list[str], Iterable[tuple[Any, ...]]]:
    """Column names and a row iterator over Arrow batches (names from the first)."""
    iterator = iter(batches)
    first = next(iterator, None)
    if first is None:
        return [], iter(())
    names = list(first.schema.names)

    def rows() -> Iterable[tuple[Any, ...]]:
        for batch in _chain(first, iterator):
            columns = [c.to_pylist() for c in batch.columns]
            yield from zip(*columns, strict=True)

    return names, rows()


def _chain(first: pa.RecordBatch, rest: Iterable[pa.RecordBatch]) -> Iterable[pa.RecordBatch]:
    yield first
    yield from rest
