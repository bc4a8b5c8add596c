"""Typed views and inference over staged data, on every backend."""

from __future__ import annotations

import csv
import datetime as dt
from decimal import Decimal
from pathlib import Path

import orjson

import assay
from assay.api import infer_staged
from assay.schema import DataType, Field, Table, TypeKind
from assay.staging import StagingStore, ingest, run_query
from assay.staging.schemas import load_schema
from assay.staging.views import render, view_select
from tests.conftest import SHOP
from tests.staging.conftest import write_jsonl


def create(store: StagingStore, table: Table, name: str, partition: str | None = None) -> None:
    select = view_select(table, partition=partition or table.name, dialect=store.dialect)
    store.create_view(name, render(select, store.dialect), replace=True)


def query(store: StagingStore, sql: str) -> list[dict]:
    return [row for batch in run_query(store, sql) for row in batch.to_pylist()]


def test_shop_views_type_every_field_and_null_the_bad_values(store: StagingStore) -> None:
    ingest(store, [str(SHOP)])
    schema = assay.infer(str(SHOP))
    for table in schema.tables:
        create(store, table, table.name)
    payments = query(store, "SELECT * FROM payments ORDER BY payment_id LIMIT 1")[0]
    assert payments["paid_at"] == dt.datetime(2023, 1, 2, 12, 57)  # '02.01.2023 12:57'
    assert payments["amount"] == Decimal("23.66")  # '23,66'
    # Every amount as written ('1.263,17'), converted independently of the view.
    with open(SHOP / "payments.csv", encoding="cp1252", newline="") as handle:
        lines = list(csv.reader(handle.readlines()[1:], delimiter=";"))[1:]
    amounts = [Decimal(r[3].replace(".", "").replace(",", ".")) for r in lines if len(r) == 7]
    big = query(store, "SELECT max(amount) AS m, min(amount) AS n, sum(amount) AS s FROM payments")
    assert (big[0]["m"], big[0]["n"], big[0]["s"]) == (max(amounts), min(amounts), sum(amounts))
    customers = query(
        store,
        "SELECT customer_id, signup_date, is_vip, postal_code FROM customers "
        "WHERE customer_id IN (1001, 1213) ORDER BY customer_id",
    )
    assert customers[0] == {
        "customer_id": 1001,
        "signup_date": dt.date(2019, 1, 11),
        "is_vip": False,
        "postal_code": "28031",
    }
    assert customers[1]["signup_date"] is None  # '2023-02-30' does not exist
    orders = query(
        store,
        "SELECT order_id, shipping_city, shipping_geo_lat, total FROM orders "
        "WHERE order_id = 50002",
    )[0]
    assert orders["shipping_city"] == "Edinburgh"
    assert orders["total"] == Decimal("281.22")
    reviews = query(store, "SELECT tags, author_verified, response_text FROM reviews LIMIT 1")[0]
    assert orjson.loads(reviews["tags"]) == ["quality"]  # arrays stay JSON
    assert reviews["author_verified"] is True
    counts = query(store, "SELECT count(*) AS n FROM order_items")[0]["n"]
    assert counts == 1530
    # The provenance columns lead to the raw record.
    first = query(store, "SELECT _record_no, _line_no FROM order_items ORDER BY _record_id")[0]
    assert (first["_record_no"], first["_line_no"]) == (1, 2)


def test_invalid_values_become_null_not_errors(store: StagingStore, tmp_path: Path) -> None:
    write_jsonl(
        tmp_path / "m.jsonl",
        [
            '{"i": "12", "d": "3.50", "f": "1e3", "b": "yes", "t": "2024-01-02T03:04:05", '
            '"day": "2024-02-29", "o": {"x": {"y": "7"}}, "a": [1, {"z": 2}], "u": "x"}',
            '{"i": "twelve", "d": "9999999.99", "f": "abc", "b": "maybe", '
            '"t": "2024-13-45T00:00:00", "day": "2023-02-29", "o": {"x": {"y": "n/a"}}, '
            '"a": "not a list"}',
            '{"i": 99999999999999999999, "d": null, "o": null}',
        ],
    )
    ingest(store, [str(tmp_path / "m.jsonl")])

    def field(name: str, kind: TypeKind, **params: object) -> Field:
        return Field(name=name, path=name, type=DataType(kind=kind, **params))

    inner = Field(name="y", path="o.x.y", type=DataType(kind=TypeKind.INTEGER))
    middle = Field(name="x", path="o.x", type=DataType(kind=TypeKind.OBJECT, fields=(inner,)))
    table = Table(
        name="m",
        fields=(
            field("i", TypeKind.INTEGER),
            field("d", TypeKind.DECIMAL, precision=5, scale=2),
            field("f", TypeKind.FLOAT),
            field("b", TypeKind.BOOLEAN),
            field("t", TypeKind.DATETIME),
            field("day", TypeKind.DATE),
            Field(name="o", path="o", type=DataType(kind=TypeKind.OBJECT, fields=(middle,))),
            Field(name="a", path="a", type=DataType(kind=TypeKind.ARRAY)),
            field("u", TypeKind.STRING),
        ),
    )
    create(store, table, "m_typed")
    rows = query(store, "SELECT * FROM m_typed ORDER BY _record_no")
    assert [r["i"] for r in rows] == [12, None, None]
    assert [r["d"] for r in rows] == [Decimal("3.50"), None, None]  # 9999999.99 > (5,2)
    assert [r["f"] for r in rows] == [1000.0, None, None]
    assert [r["b"] for r in rows] == [True, None, None]
    assert [r["t"] for r in rows] == [dt.datetime(2024, 1, 2, 3, 4, 5), None, None]
    assert [r["day"] for r in rows] == [dt.date(2024, 2, 29), None, None]
    assert [r["o_x_y"] for r in rows] == [7, None, None]
    # Arrays stay JSON (DuckDB minifies it, PostgreSQL keeps the text as stored).
    assert [orjson.loads(r["a"]) for r in rows[:2]] == [[1, {"z": 2}], "not a list"]
    assert [r["u"] for r in rows] == ["x", None, None]


def test_staged_inference_matches_file_inference_and_is_versioned(store: StagingStore) -> None:
    ingest(store, [str(SHOP)])
    staged, version = infer_staged(store)
    direct = assay.infer(str(SHOP))
    assert version == 1
    assert [t.name for t in staged.tables] == [t.name for t in direct.tables]
    for a, b in zip(staged.tables, direct.tables, strict=True):
        assert a.row_count == b.row_count
        assert [(f.path, str(f.type), f.type.pattern, f.hints) for f in a.fields] == [
            (f.path, str(f.type), f.type.pattern, f.hints) for f in b.fields
        ]
        assert a.primary_key == b.primary_key
    _, orders_only = infer_staged(store, partition="orders")
    assert orders_only == 2
    number, loaded = load_schema(store)
    assert number == 2
    assert [t.name for t in loaded.tables] == ["orders"]
    assert load_schema(store, 1)[1] == staged


def test_view_over_inferred_schema_of_staged_data(store: StagingStore) -> None:
    ingest(store, [str(SHOP / "payments.csv")])
    schema, _ = infer_staged(store)
    create(store, schema.table("payments"), "payments_typed")
    rows = query(
        store,
        "SELECT count(*) AS n, count(paid_at) AS dated, sum(amount) AS total FROM payments_typed",
    )
    assert rows[0]["n"] == 517
    assert rows[0]["dated"] == 516  # '31.02.2024 10:00' is no date (examples/shop/dirty.yaml)
    assert rows[0]["total"] is not None
