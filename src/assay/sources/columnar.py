"""Parquet, Arrow IPC/Feather and Excel inputs: formats that already have cells.

Parquet and Arrow files stream their own record batches.  Workbooks (xlsx, xls, ods)
are read with calamine; each sheet is a table whose first non-empty row is the header.
A sheet column whose cells share one type keeps it (numbers, booleans, dates); a column
mixing types becomes text, each cell written as it was shown.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any, BinaryIO

import numpy as np
import pyarrow as pa

from assay.errors import InputError
from assay.sources.dialect import column_names
from assay.sources.model import Origin, SourceBatch

BATCH_ROWS = 65_536


def parquet_batches(file: BinaryIO, uri: str, member: str | None = None) -> Iterator[SourceBatch]:
    try:
        import pyarrow.parquet as pq  # imported by the formats that need it

        parquet = pq.ParquetFile(file)
    except (pa.ArrowInvalid, OSError) as exc:
        raise InputError(f"corrupt Parquet file: {exc}", path=uri, code="corrupt_parquet") from exc
    record = 1
    try:
        for batch in parquet.iter_batches(batch_size=BATCH_ROWS):
            yield SourceBatch(batch, Origin(uri=uri, first_record=record, member=member))
            record += batch.num_rows
    except (pa.ArrowInvalid, OSError) as exc:
        raise InputError(
            f"corrupt Parquet data after record {record - 1}: {exc}",
            path=uri,
            code="corrupt_parquet",
        ) from exc


def parquet_schema(file: BinaryIO, uri: str) -> tuple[pa.Schema, int]:
    try:
        import pyarrow.parquet as pq

        meta = pq.ParquetFile(file).metadata
    except (pa.ArrowInvalid, OSError) as exc:
        raise InputError(f"corrupt Parquet file: {exc}", path=uri, code="corrupt_parquet") from exc
    return meta.schema.to_arrow_schema(), meta.num_rows


def arrow_batches(file: BinaryIO, uri: str, member: str | None = None) -> Iterator[SourceBatch]:
    reader = _open_ipc(file, uri)
    record = 1
    try:
        for batch in reader:
            yield SourceBatch(batch, Origin(uri=uri, first_record=record, member=member))
            record += batch.num_rows
    except (pa.ArrowInvalid, OSError) as exc:
        raise InputError(f"corrupt Arrow data: {exc}", path=uri, code="corrupt_arrow") from exc


def _open_ipc(file: BinaryIO, uri: str) -> Iterator[pa.RecordBatch]:
    import pyarrow.ipc as ipc

    head = file.read(6)
    file.seek(0)
    try:
        if head == b"ARROW1":
            reader = ipc.open_file(file)
            return (reader.get_batch(i) for i in range(reader.num_record_batches))
        return iter(ipc.open_stream(file))
    except (pa.ArrowInvalid, OSError) as exc:
        raise InputError(f"corrupt Arrow IPC file: {exc}", path=uri, code="corrupt_arrow") from exc


# ---------------------------------------------------------------------- Excel
def workbook(file: BinaryIO, uri: str) -> Any:
    from python_calamine import CalamineWorkbook

    try:
        return CalamineWorkbook.from_filelike(file)
    except Exception as exc:  # calamine raises its own error types
        raise InputError(
            f"cannot open the workbook: {exc}", path=uri, code="corrupt_excel"
        ) from exc


def sheet_rows(book: Any, sheet: str, uri: str) -> tuple[list[str], list[list[Any]], int]:
    """Column names, data rows and the 1-based row number of the header."""
    try:
        rows = book.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
    except Exception as exc:
        raise InputError(
            f"cannot read sheet {sheet!r}: {exc}", path=uri, code="corrupt_excel"
        ) from exc
    header_at = next((i for i, row in enumerate(rows) if any(_present(c) for c in row)), None)
    if header_at is None:
        return [], [], 0
    header = [str(c).strip() if _present(c) else "" for c in rows[header_at]]
    data = rows[header_at + 1 :]
    width = max([len(header)] + [_last_present(r) for r in data])
    names = column_names(header, width)
    while data and not any(_present(c) for c in data[-1]):
        data.pop()
    return names, data, header_at + 1


def sheet_batches(
    book: Any, sheet: str, uri: str, member: str | None = None
) -> Iterator[SourceBatch]:
    names, data, header_row = sheet_rows(book, sheet, uri)
    for start in range(0, len(data), BATCH_ROWS):
        part = data[start : start + BATCH_ROWS]
        columns = [_column([r[j] if j < len(r) else None for r in part]) for j in range(len(names))]
        batch = pa.RecordBatch.from_arrays(columns, names=names)
        first_line = header_row + start + 1
        lines = np.arange(first_line, first_line + len(part), dtype=np.int64)
        origin = Origin(
            uri=uri, first_record=start + 1, first_line=first_line, member=member, sheet=sheet
        )
        yield SourceBatch(batch, origin, lambda lines=lines: lines)


def _present(cell: Any) -> bool:
    return cell is not None and cell != ""


def _last_present(row: list[Any]) -> int:
    for i in range(len(row) - 1, -1, -1):
        if _present(row[i]):
            return i + 1
    return 0


def _column(cells: list[Any]) -> pa.Array:
    values = [None if c == "" else c for c in cells]
    kinds = {_kind(v) for v in values if v is not None}
    if kinds == {"int", "float"}:
        kinds = {"float"}
    if len(kinds) == 1:
        kind = kinds.pop()
        if kind == "float" and all(v is None or float(v).is_integer() for v in values):
            # Excel stores every number as a float; whole numbers are integers.
            return pa.array([None if v is None else int(v) for v in values], pa.int64())
        try:
            return pa.array(values)
        except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):
            pass
    if not kinds:
        return pa.array([None] * len(values), pa.string())
    return pa.array([None if v is None else _text(v) for v in values], pa.string())


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    if isinstance(value, dt.datetime):
        return "datetime"
    if isinstance(value, dt.date):
        return "date"
    if isinstance(value, dt.time):
        return "time"
    if isinstance(value, dt.timedelta):
        return "duration"
    return "str"


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value)
