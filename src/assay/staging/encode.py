"""Source batches → staged rows: each record's raw JSON text and its content hash.

Vectorized in a private in-memory DuckDB (a core dependency), never a Python loop per
record: CSV, Parquet and spreadsheet rows become JSON objects of column → value with
``to_json`` (CSV cells are text, so they land exactly as written); JSON records arrive
as their own text (:meth:`assay.sources.Stream.raw_batches`) and are checked with
``json_valid``.  The hash is the MD5 of the raw text, in hex: stable across engines and
versions, and only used to recognise identical records, not for security.

DuckDB's JSON parser is more lenient than the JSON grammar (trailing commas, NaN and
Infinity) and than the parser that reads JSON files elsewhere in assay; texts that
might rely on that are checked again with :func:`check_record`, so the records set
aside here are exactly those the reading layer would set aside, with the same reasons.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb
import numpy as np
import pyarrow as pa

from assay.sources.json_reader import check_record
from assay.sources.model import SourceBatch
from assay.sources.raw_records import RAW_COLUMN

_SUSPECT = """contains(raw, ',}') OR contains(raw, ',]') OR contains(raw, 'NaN')
    OR contains(raw, 'nan') OR contains(raw, 'Inf') OR contains(raw, 'inf')
    OR contains(raw, 'NAN') OR contains(raw, 'INF')
    OR regexp_matches(raw, ',\\s+[\\]}]')"""
_RAW = """SELECT md5(raw) AS content_hash, json_valid(raw) AND starts_with(raw, '{{') AS ok,
    {suspect} AS suspect FROM __assay_raw"""
# Traces of what DuckDB's parser accepts beyond the JSON grammar, looked for in a whole
# chunk first (a fast substring search each): only a chunk where one occurs (often
# harmlessly, inside a string) pays for the per-record checks.
_TRACES = (
    b",]",
    b",}",
    b", ",
    b",\t",
    b",\r",
    b",\n",
    b"NaN",
    b"nan",
    b"NAN",
    b"Inf",
    b"inf",
    b"INF",
)
_ROWS = """SELECT raw, md5(raw) AS content_hash FROM (
    SELECT to_json(__assay_row) AS raw FROM __assay_rows AS __assay_row)"""
_COLUMNS = ("record_no", "line_no", "content_hash", "raw")


def _data(texts: pa.Array) -> bytes:
    """The characters of all the texts, back to back (one copy of the data buffer)."""
    if isinstance(texts, pa.ChunkedArray):
        texts = texts.combine_chunks()
    if len(texts) == 0:
        return b""
    width = np.int64 if pa.types.is_large_string(texts.type) else np.int32
    offsets = np.frombuffer(texts.buffers()[1], dtype=width)
    first, last = int(offsets[texts.offset]), int(offsets[texts.offset + len(texts)])
    return texts.buffers()[2].to_pybytes()[first:last]


@dataclass
class Rejected:
    record_no: int
    line_no: int | None
    text: str
    code: str
    reason: str


@dataclass
class Encoded:
    """Good records (columns record_no, line_no, content_hash, raw) and rejected ones."""

    table: pa.Table
    rejected: list[Rejected] = field(default_factory=list)


class RecordEncoder:
    """Owns a private in-memory DuckDB connection; one per ingest."""

    def __init__(self, threads: int | None = None) -> None:
        self.conn = duckdb.connect(":memory:")
        self.conn.execute("SET enable_progress_bar = false")
        if threads:
            self.conn.execute(f"SET threads = {int(threads)}")

    def close(self) -> None:
        self.conn.close()

    def encode(self, batch: SourceBatch) -> Encoded:
        numbers = batch.record_numbers()
        lines = batch.line_numbers()
        line_array = (
            pa.array(lines, pa.int64()) if lines is not None else pa.nulls(len(numbers), pa.int64())
        )
        if batch.data.schema.names == [RAW_COLUMN]:
            return self._raw(batch.data.column(0), numbers, line_array)
        return self._rows(batch.data, numbers, line_array)

    def _rows(self, data: pa.RecordBatch, numbers: np.ndarray, lines: pa.Array) -> Encoded:
        self.conn.register("__assay_rows", data)
        try:
            out = self.conn.sql(_ROWS).to_arrow_table()
        finally:
            self.conn.unregister("__assay_rows")
        table = pa.table(
            {
                "record_no": pa.array(numbers, pa.int64()),
                "line_no": lines,
                "content_hash": out.column("content_hash"),
                "raw": out.column("raw"),
            }
        )
        return Encoded(table)

    def _raw(self, texts: pa.Array, numbers: np.ndarray, lines: pa.Array) -> Encoded:
        # DuckDB returns only the hashes and two flags; the texts themselves are handed on
        # as they are (no copy of the data unless rows must be dropped).
        data = _data(texts)
        suspect = _SUSPECT if any(trace in data for trace in _TRACES) else "false"
        self.conn.register("__assay_raw", pa.table({"raw": texts}))
        try:
            out = self.conn.sql(_RAW.format(suspect=suspect)).to_arrow_table()
        finally:
            self.conn.unregister("__assay_raw")
        table = pa.table(
            {
                "record_no": pa.array(numbers, pa.int64()),
                "line_no": lines,
                "content_hash": out.column("content_hash"),
                "raw": texts,
            }
        )
        ok = np.asarray(out.column("ok").combine_chunks().fill_null(False))
        clean = ok & ~np.asarray(out.column("suspect").combine_chunks().fill_null(False))
        if clean.all():
            return Encoded(table)
        # The few texts DuckDB rejected or might have accepted too leniently: decide each
        # one as the reading layer would.  A null text was set aside by the reader already.
        keep = clean.copy()
        rejected: list[Rejected] = []
        for i in np.flatnonzero(~clean):
            text = texts[int(i)].as_py()
            if text is None:
                continue
            problem = check_record(text.encode("utf-8"))
            if problem is None and ok[i]:
                keep[i] = True
                continue
            code, reason = problem or ("invalid_json", "invalid JSON")
            line = lines[int(i)].as_py()
            rejected.append(Rejected(int(numbers[i]), line, text, code, reason))
        return Encoded(table.filter(pa.array(keep)), rejected)
