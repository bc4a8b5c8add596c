"""Source batches → staged rows: each record's raw JSON text and its content hash.

Vectorized, never a Python loop per record.  CSV rows (text cells) become JSON objects
of column → cell built with Arrow compute (:mod:`assay.staging.json_rows`), so they land
exactly as written; typed rows (Parquet, spreadsheets) and rows with nulls go through
``to_json`` in a private in-memory DuckDB (a core dependency).  JSON records arrive as
their own text (:meth:`assay.sources.Stream.raw_batches`) and are checked with
``json_valid``.  The hash is the MD5 of the raw text, in hex (DuckDB's ``md5``): stable
across engines and versions, and only used to recognise identical records, not for
security.

A JSON text is valid when DuckDB's parser accepts it and it is an object: the same
parser that checks the DuckDB store's ``JSON`` column, so a chunk never fails there.  It
is a little more lenient than the JSON grammar (it reads ``NaN``, ``Infinity`` and
trailing commas); PostgreSQL's ``json`` is not, and its store sets such records aside
when ``COPY`` refuses them (:mod:`assay.staging.postgres_store`).  Reasons come from
:func:`check_record`, as the reading layer gives them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb
import numpy as np
import pyarrow as pa

from assay.sources.json_reader import check_record
from assay.sources.model import SourceBatch
from assay.sources.raw_records import RAW_COLUMN
from assay.staging import json_rows
from assay.staging.model import Rejected

_RAW = """SELECT md5(raw) AS content_hash,
    coalesce(json_valid(raw) AND starts_with(raw, '{'), false) AS ok FROM __assay_raw"""
_ROWS = """SELECT raw, md5(raw) AS content_hash FROM (
    SELECT to_json(__assay_row) AS raw FROM __assay_rows AS __assay_row)"""
_HASH = "SELECT md5(raw) AS content_hash FROM __assay_raw"
_COLUMNS = ("record_no", "line_no", "content_hash", "raw")


@dataclass
class Encoded:
    """Good records (columns record_no, line_no, content_hash, raw) and rejected ones."""

    table: pa.Table
    rejected: list[Rejected] = field(default_factory=list)


class RecordEncoder:
    """Owns a private in-memory DuckDB connection; one per ingest."""

    def __init__(self, threads: int | None = None) -> None:
        # One thread unless told otherwise: it serves the reading thread's batches one at
        # a time, beside the threads that store them.
        self.conn = duckdb.connect(":memory:", config={"threads": 1})
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
        if isinstance(data, pa.RecordBatch) and json_rows.qualifies(data):
            texts = json_rows.object_texts(data)
            self.conn.register("__assay_raw", pa.table({"raw": texts}))
            try:
                hashes = self.conn.sql(_HASH).to_arrow_table().column(0)
            finally:
                self.conn.unregister("__assay_raw")
            raw: pa.Array | pa.ChunkedArray = texts
        else:
            self.conn.register("__assay_rows", data)
            try:
                out = self.conn.sql(_ROWS).to_arrow_table()
            finally:
                self.conn.unregister("__assay_rows")
            hashes, raw = out.column("content_hash"), out.column("raw")
        table = pa.table(
            {
                "record_no": pa.array(numbers, pa.int64()),
                "line_no": lines,
                "content_hash": hashes,
                "raw": raw,
            }
        )
        return Encoded(table)

    def _raw(self, texts: pa.Array, numbers: np.ndarray, lines: pa.Array) -> Encoded:
        # DuckDB returns only the hashes and a flag; the texts themselves are handed on as
        # they are (no copy of the data unless rows must be dropped).
        self.conn.register("__assay_raw", pa.table({"raw": texts}))
        try:
            out = self.conn.sql(_RAW).to_arrow_table()
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
        ok = np.asarray(out.column("ok").combine_chunks())
        if ok.all():
            return Encoded(table)
        # The few texts that are not JSON objects, with the reading layer's reasons.  A
        # null text was set aside by the reader already.
        rejected: list[Rejected] = []
        for i in np.flatnonzero(~ok):
            text = texts[int(i)].as_py()
            if text is None:
                continue
            code, reason = check_record(text.encode("utf-8")) or ("invalid_json", "invalid JSON")
            rejected.append(Rejected(int(numbers[i]), lines[int(i)].as_py(), text, code, reason))
        return Encoded(table.filter(pa.array(ok)), rejected)
