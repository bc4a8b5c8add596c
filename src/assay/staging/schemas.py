"""Schemas inferred from staged data, versioned in the store, and the records read back.

Inference never opens the store itself: :func:`partition_batches` reads a partition's
current records (in staging order, in bounded batches) and parses their raw JSON
exactly as a JSON Lines file would be parsed, so staged data is inferred like the
files it came from.  CSV records hold text, so they are profiled as text (a number
written as text is a number); JSON records keep their JSON types.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import orjson
import pyarrow as pa

from assay.errors import StagingError
from assay.schema import Schema, from_dict, to_json
from assay.sources.json_reader import JsonRecordReader, parse_lines
from assay.sources.model import OnError, SourceBatch
from assay.staging.ddl import SCHEMA
from assay.staging.store import StagingStore

READ_ROWS = 65_536
_CURRENT = f"file_id NOT IN (SELECT file_id FROM {SCHEMA}.files WHERE superseded_by IS NOT NULL)"


@dataclass(frozen=True)
class Partition:
    name: str
    records: int
    formats: tuple[str, ...]
    delimiters: tuple[str, ...]
    first_batch: int
    last_batch: int
    files: tuple[str, ...]

    @property
    def text_values(self) -> bool:
        """Whether the records hold text cells (CSV), typed by inference, not by JSON."""
        return set(self.formats) == {"csv"}


def partitions(store: StagingStore, only: str | None = None) -> list[Partition]:
    where = "WHERE f.status = 'staged' AND f.superseded_by IS NULL"
    params: list[object] = []
    if only is not None:
        where += " AND p.partition_key = ?"
        params.append(only)
    _, rows = store.fetch(
        f"""SELECT p.partition_key, CAST(sum(p.records_staged) AS BIGINT), min(f.batch_id),
            max(f.batch_id), string_agg(f.uri, '\n' ORDER BY f.uri),
            string_agg(DISTINCT f.format, ',')
        FROM {SCHEMA}.file_partitions p JOIN {SCHEMA}.files f ON f.file_id = p.file_id
        {where} GROUP BY p.partition_key ORDER BY p.partition_key""",
        params,
    )
    out = []
    for name, records, first, last, uris, formats in rows:
        detections = _detections(store, name)
        delimiters = tuple(sorted({d for d in detections if d}))
        out.append(
            Partition(
                name,
                int(records or 0),
                tuple(sorted(set((formats or "").split(",")) - {""})),
                delimiters,
                int(first),
                int(last),
                tuple((uris or "").split("\n")),
            )
        )
    return out


def _detections(store: StagingStore, partition: str) -> list[str | None]:
    _, rows = store.fetch(
        f"""SELECT f.detection FROM {SCHEMA}.files f JOIN {SCHEMA}.file_partitions p
        ON p.file_id = f.file_id WHERE p.partition_key = ? AND f.superseded_by IS NULL
        AND f.status = 'staged'""",
        (partition,),
    )
    out: list[str | None] = []
    for (text,) in rows:
        for detection in orjson.loads(text) if text else []:
            out.append((detection.get("dialect") or {}).get("delimiter"))
    return out


def partition_batches(store: StagingStore, partition: str) -> Iterator[SourceBatch]:
    """The partition's current records, parsed into Arrow, in staging order."""
    reader = JsonRecordReader(uri=f"staging:{partition}", on_error=OnError.SKIP, quarantine=None)
    sql = store.render(
        f"SELECT record_id, CAST(raw AS VARCHAR) AS raw FROM {SCHEMA}.records "
        f"WHERE partition_key = ? AND {_CURRENT} ORDER BY record_id"
    )
    first = 1
    for chunk in store.stream(sql, (partition,), READ_ROWS):
        texts = chunk.column(1)
        batch = parse_lines(_joined(texts), first, reader)
        first += len(texts)
        if batch is not None:
            yield batch


def _joined(texts: pa.Array) -> bytes:
    """Strings joined by newlines (JSON text holds none outside its strings' escapes)."""
    if isinstance(texts, pa.ChunkedArray):
        texts = texts.combine_chunks()
    texts = texts.cast(pa.large_string())
    offsets = np.frombuffer(texts.buffers()[1], dtype=np.int64)[
        texts.offset : texts.offset + len(texts) + 1
    ]
    data = np.frombuffer(texts.buffers()[2], dtype=np.uint8)
    body = data[offsets[0] : offsets[-1]]
    return np.insert(body, offsets[1:] - offsets[0], 10).tobytes()


def save_schema(
    store: StagingStore,
    schema: Schema,
    *,
    partition: str | None,
    first_batch: int,
    last_batch: int,
    records: int,
) -> int:
    """Store a schema as the next version; returns its number."""
    text = to_json(schema)
    fingerprint = "sha256:" + hashlib.sha256(text.encode()).hexdigest()
    with store.transaction():
        version = int(
            store.scalar(f"SELECT coalesce(max(schema_version), 0) + 1 FROM {SCHEMA}.schemas")
        )
        store.execute(
            f"""INSERT INTO {SCHEMA}.schemas (schema_version, partition_key, first_batch,
            last_batch, records, fingerprint, schema_json) VALUES (?, ?, ?, ?, ?, ?, ?)""",
            (version, partition, first_batch, last_batch, records, fingerprint, text),
        )
    return version


def load_schema(store: StagingStore, version: int | None = None) -> tuple[int, Schema]:
    """A stored schema version (the latest by default)."""
    if version is None:
        sql, params = (
            f"SELECT schema_version, schema_json FROM {SCHEMA}.schemas "
            "ORDER BY schema_version DESC LIMIT 1",
            (),
        )
    else:
        sql, params = (
            f"SELECT schema_version, schema_json FROM {SCHEMA}.schemas WHERE schema_version = ?",
            (version,),
        )
    _, rows = store.fetch(sql, params)
    if not rows:
        what = f"schema version {version}" if version else "inferred schema"
        raise StagingError(
            f"{store.display}: there is no {what} in the staging store",
            hint="infer one first: assay infer --db ...",
            code="not_found",
        )
    number, text = rows[0]
    return int(number), from_dict(orjson.loads(text) if isinstance(text, str | bytes) else text)
