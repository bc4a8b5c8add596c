"""The raw DuckDB database of examples/shop: every table as read, values untyped."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow as pa

import assay

SHOP = Path(__file__).resolve().parents[2] / "examples" / "shop"


def build_raw_duckdb(path: Path, schema_name: str = "raw") -> dict[str, int]:
    """Load examples/shop as read (quarantined records left out) into ``schema_name``."""
    counts: dict[str, int] = {}
    con = duckdb.connect(str(path))
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema_name}")
    source = assay.read(str(SHOP))
    for stream in source.streams():
        batches = [b.data for b in stream.batches()]
        data = pa.Table.from_batches(batches)
        name = stream.name.split(".")[0].split("/")[-1]
        con.register("incoming", data)
        con.execute(f"CREATE OR REPLACE TABLE {schema_name}.{name} AS SELECT * FROM incoming")
        con.unregister("incoming")
        counts[name] = data.num_rows
    con.close()
    return counts
