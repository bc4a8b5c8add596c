"""Read-only queries, time travel over batches, and the overview, on every backend."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from assay.errors import UsageError
from assay.staging import StagingStore, ingest, open_store, run_query
from assay.staging import overview as ov
from tests.conftest import SHOP
from tests.staging.conftest import write_jsonl


def result(store: StagingStore, sql: str, **kwargs: object) -> list[dict]:
    out: list[dict] = []
    for batch in run_query(store, sql, **kwargs):  # type: ignore[arg-type]
        out.extend(batch.to_pylist())
    return out


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        ("DELETE FROM records", "this is not a query (DELETE"),
        ("DROP TABLE records", "this is not a query (DROP"),
        ("INSERT INTO records SELECT * FROM records", "this is not a query (INSERT"),
        ("SELECT 1; DELETE FROM records", "exactly one SQL statement (found 2)"),
        ("CREATE TABLE x AS SELECT 1", "this is not a query (CREATE"),
        ("SELECT * INTO copy FROM records", "SELECT … INTO would create a table"),
        ("SELEC 1 FROM", "not"),
    ],
)
def test_only_reads_are_allowed(store: StagingStore, sql: str, message: str) -> None:
    with pytest.raises(UsageError, match=re.escape(message)):
        list(run_query(store, sql))


def test_queries_see_the_staging_tables_by_their_names(store: StagingStore) -> None:
    ingest(store, [str(SHOP)])
    counts = result(
        store,
        "SELECT partition_key, count(*) AS n FROM current_records GROUP BY partition_key "
        "ORDER BY partition_key",
    )
    assert [(r["partition_key"], r["n"]) for r in counts] == [
        ("customers", 249),
        ("order_items", 1530),
        ("orders", 600),
        ("payments", 517),
        ("reviews", 301),
    ]
    assert result(store, "SELECT count(*) AS n FROM quarantine")[0]["n"] == 5
    empty = list(run_query(store, "SELECT uri FROM files WHERE 1 = 0"))
    assert [b.schema.names for b in empty] == [["uri"]]


def test_as_of_batch_shows_the_store_after_that_batch(store: StagingStore, tmp_path: Path) -> None:
    data = tmp_path / "in"
    data.mkdir()
    a = write_jsonl(data / "a.jsonl", ['{"a": 1}', '{"a": 2}'])
    ingest(store, [str(data)])  # batch 1: a v1 (2 records)
    write_jsonl(data / "b.jsonl", ['{"b": 1}'])
    ingest(store, [str(data)])  # batch 2: b (1 record), a skipped
    write_jsonl(a, ['{"a": 1}', '{"a": 2}', '{"a": 3}', "oops"])
    ingest(store, [str(data)])  # batch 3: a v2 (3 records, 1 quarantined) supersedes a v1

    def count(sql: str, batch: int | None) -> int:
        return result(store, sql, as_of_batch=batch)[0]["n"]

    current = "SELECT count(*) AS n FROM current_records"
    assert [count(current, b) for b in (1, 2, 3, None)] == [2, 3, 4, 4]
    everything = "SELECT count(*) AS n FROM assay_staging.records"
    assert [count(everything, b) for b in (1, 2, 3)] == [2, 3, 6]
    quarantined = "SELECT count(*) AS n FROM quarantine"
    assert [count(quarantined, b) for b in (2, 3)] == [0, 1]
    # Tables the query names under an alias, joined, in a CTE of its own.
    joined = (
        "WITH f AS (SELECT file_id, uri FROM files WHERE superseded_by IS NULL) "
        "SELECT count(*) AS n FROM records r JOIN f ON f.file_id = r.file_id"
    )
    assert [count(joined, b) for b in (1, 2, 3)] == [2, 3, 4]
    with pytest.raises(UsageError, match="no batch 9"):
        list(run_query(store, current, as_of_batch=9))


def test_overview_reports_batches_files_and_samples(store: StagingStore) -> None:
    ingest(store, [str(SHOP)])
    ingest(store, [str(SHOP)])
    names, batches = ov.batches(store, limit=1)
    latest = dict(zip(names, batches[0], strict=True))
    assert (latest["batch"], latest["files_skipped"], latest["records_staged"]) == (2, 5, 0)
    names, files = ov.file_stats(store, partition="payments")
    assert len(files) == 1
    row = dict(zip(names, files[0], strict=True))
    assert (row["format"], row["records_read"], row["records_staged"], row["quarantined"]) == (
        "csv",
        518,
        517,
        1,
    )
    names, sample = ov.sample(store, "orders", 3)
    assert [r[0] for r in sample] == ["orders"] * 3
    assert sample == ov.sample(store, "orders", 3)[1]  # deterministic
    names, rows = ov.quarantine(store, partition="orders")
    assert [dict(zip(names, r, strict=True))["line"] for r in rows] == [495]
    assert ov.totals(store)["records"] == 3197


def test_a_read_only_store_refuses_writes(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    with open_store(db) as store:
        ingest(store, [str(SHOP / "orders.jsonl")])
    with open_store(db, read_only=True) as store:
        assert result(store, "SELECT count(*) AS n FROM records")[0]["n"] == 600
        with pytest.raises(Exception, match="read-only"):
            store.execute("DELETE FROM assay_staging.records")


def test_postgres_query_session_is_read_only(pg_dsn: str) -> None:
    with open_store(pg_dsn) as store:
        ingest(store, [str(SHOP / "orders.jsonl")])
    with (
        open_store(pg_dsn, read_only=True) as store,
        pytest.raises(Exception, match="read-only transaction"),
    ):
        store.execute("DELETE FROM assay_staging.records")
