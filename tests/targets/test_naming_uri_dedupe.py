"""Column naming, target URIs and the duplicate index."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from assay.errors import UsageError
from assay.pipeline.dedupe import HashIndex, first_seen, key_and_row_hashes, row_hashes
from assay.schema import DataType, Field, Key, Relationship, Schema, Table, TypeKind
from assay.targets import open_target, parse_target
from assay.targets.naming import column_names, rename_schema, snake


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Customer ID", "customer_id"),
        ("orderDate", "order_date"),
        ("HTTPStatus", "http_status"),
        ("Größe (cm)", "grosse_cm"),
        ("Zoë", "zoe"),
        ("2024 total", "_2024_total"),
        ("__x__", "x"),
        ("a.b-c", "a_b_c"),
        ("€", ""),
    ],
)
def test_snake(name: str, expected: str) -> None:
    assert snake(name) == expected


def test_collisions_and_empty_names_are_numbered_in_order() -> None:
    assert column_names(["A b", "a_b", "€", "a-b"], "snake") == [
        "a_b",
        "a_b_2",
        "column_3",
        "a_b_3",
    ]
    assert column_names(["A b", "x"], "keep") == ["A b", "x"]
    with pytest.raises(UsageError, match="valid values are: snake, keep"):
        column_names(["x"], "camel")  # type: ignore[arg-type]


def test_renaming_keeps_source_names_keys_and_relationships() -> None:
    def table(name: str, *cols: str) -> Table:
        fields = tuple(Field(name=c, path=c, type=DataType(kind=TypeKind.INTEGER)) for c in cols)
        return Table(name=name, fields=fields, primary_key=Key(fields=(cols[0],)))

    schema = Schema(
        tables=(table("Orders", "Order ID", "Customer ID"), table("Customers", "Customer ID")),
        relationships=(
            Relationship(
                from_table="Orders",
                from_fields=("Customer ID",),
                to_table="Customers",
                to_fields=("Customer ID",),
                confidence=1.0,
                coverage=1.0,
            ),
        ),
    )
    renamed = rename_schema(schema, "snake")
    orders = renamed.table("orders")
    assert [(f.name, f.source_name) for f in orders.fields] == [
        ("order_id", "Order ID"),
        ("customer_id", "Customer ID"),
    ]
    assert orders.primary_key.fields == ("order_id",)
    r = renamed.relationships[0]
    assert (r.from_table, r.from_fields, r.to_table, r.to_fields) == (
        "orders",
        ("customer_id",),
        "customers",
        ("customer_id",),
    )


def test_target_uris() -> None:
    assert parse_target("duckdb:///shop.duckdb").path == "shop.duckdb"
    assert parse_target("duckdb:////tmp/shop.duckdb").path == "/tmp/shop.duckdb"
    assert parse_target("shop.duckdb").scheme == "duckdb"
    assert parse_target(None).raw == "duckdb:///assay.duckdb"
    pg = parse_target("postgres://etl:s3cret@db:5433/dw?schema=raw")
    assert (pg.scheme, pg.path, pg.params) == ("postgresql", "dw", {"schema": "raw"})
    assert "s3cret" not in pg.display and "etl:***@db" in pg.display
    ice = parse_target("iceberg://rest/sales.orders")
    assert (ice.netloc, ice.path) == ("rest", "sales.orders")
    with pytest.raises(UsageError, match="did you mean 'parquet'"):
        open_target("parquett:///x")
    with pytest.raises(UsageError, match="not a target URI"):
        parse_target("somewhere")


def test_hash_index_matches_a_python_set() -> None:
    rng = np.random.default_rng(7)
    values = rng.integers(0, 5000, 40_000).astype(np.uint64)  # many repeats, zeros too
    index = HashIndex(capacity=16)  # grows many times
    seen: set[int] = set()
    for start in range(0, len(values), 3_001):
        chunk = values[start : start + 3_001]
        expected = []
        for v in chunk.tolist():
            expected.append(v in seen)
            seen.add(v)
        assert first_seen(chunk, index, np.ones(len(chunk), bool)).tolist() == expected
    assert len(index) == len(seen)


def test_a_reserved_hash_index_keeps_its_entries_and_still_grows() -> None:
    index = HashIndex(capacity=16)
    index.insert(np.array([3, 0, 17], np.uint64), np.array([1, 2, 3], np.uint64))
    index.reserve(1_000)
    assert len(index.keys) == 2048  # room for 1,000 at 70 % load
    found, stored = index.insert(np.array([17, 3, 0, 5], np.uint64), np.zeros(4, np.uint64))
    assert found.tolist() == [True, True, True, False] and stored.tolist() == [3, 1, 2, 0]
    values = np.arange(1, 5_000, dtype=np.uint64)  # past the reservation
    assert first_seen(values, index, np.ones(len(values), bool)).sum() == 3  # 3, 5 and 17
    assert len(index) == 5_000


def test_a_wild_reservation_costs_at_most_max_reserve_slots() -> None:
    class Small(HashIndex):
        MAX_RESERVE = 1 << 12

    index = Small(capacity=16)
    index.reserve(10**12)
    assert len(index.keys) == 1 << 12


def test_key_and_row_hashes_are_those_of_row_hashes() -> None:
    raw = pa.record_batch({"id": ["1", "2", "2", None], "name": ["a", "b", "b", "c"]})
    typed = pa.record_batch({"id": pa.array([1, 2, 2, None], pa.int32())})
    keys, rows = key_and_row_hashes(typed, ["id"], raw)
    assert keys.tolist() == row_hashes(typed, ["id"]).tolist()
    assert rows.tolist() == row_hashes(raw).tolist()
    assert keys[1] == keys[2] and rows[1] == rows[2] and rows[0] != rows[1]


def test_hash_index_keeps_the_first_value_of_a_key() -> None:
    index = HashIndex()
    found, stored = index.insert(np.array([9, 9, 4], np.uint64), np.array([1, 2, 3], np.uint64))
    assert found.tolist() == [False, True, False] and stored.tolist() == [0, 1, 0]
    found, stored = index.insert(np.array([4], np.uint64), np.array([8], np.uint64))
    assert found.tolist() == [True] and stored.tolist() == [3]
