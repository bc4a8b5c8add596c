"""examples/shop into every target: typed tables, relationships intact, the answer key's
dirty rows in the rejects with the right reasons, every row accounted for."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from decimal import Decimal

import pyarrow as pa
import pytest
import yaml

from assay.pipeline import load
from assay.targets import open_target
from tests.conftest import SHOP

KEY = yaml.safe_load((SHOP / "dirty.yaml").read_text(encoding="utf-8"))
TABLES = {
    "customers.csv": "customers",
    "orders.jsonl": "orders",
    "order_items.csv": "order_items",
    "payments.csv": "payments",
    "reviews.json": "reviews",
}
DATE_FIELDS = {"signup_date"}  # the other bad dates are datetimes
REASONS = {
    "undecodable_byte": "undecodable_bytes",
    "ragged_row": "ragged_row",
    "invalid_json": "invalid_json",
    "bad_number": "invalid_decimal",
}


def expected() -> dict[str, dict]:
    out = {}
    for file, info in KEY["files"].items():
        dirty = [d for d in KEY["dirty"] if d["file"] == file]
        rejects = set()
        for d in dirty:
            if d["kind"] == "bad_date":
                reason = "invalid_date" if d["field"] in DATE_FIELDS else "invalid_datetime"
                rejects.add((d["line"], reason))
            elif d["kind"] in REASONS:
                rejects.add((d["line"], REASONS[d["kind"]]))
        duplicates = sum(d["kind"] == "duplicate" for d in dirty)
        out[TABLES[file]] = {
            "read": info["records"],
            "rejects": rejects,
            "duplicates": duplicates,
            "loaded": info["records"] - len(rejects) - duplicates,
        }
    return out


def kind(t: pa.DataType) -> str:
    for name, test in (
        ("int", pa.types.is_integer),
        ("decimal", pa.types.is_decimal),
        ("date", pa.types.is_date),
        ("timestamp", pa.types.is_timestamp),
        ("bool", pa.types.is_boolean),
        ("string", pa.types.is_string),
        ("string", pa.types.is_large_string),
    ):
        if test(t):
            return name
    return str(t)


def test_shop_loads_typed_with_every_row_accounted_for(target_uri: str, engine: str) -> None:
    report = load(str(SHOP), target=target_uri)
    want = expected()
    assert {t.table for t in report.tables} == set(want)
    for t in report.tables:
        w = want[t.table]
        assert (t.rows_read, t.rows_loaded, t.rows_rejected, t.duplicates_skipped) == (
            w["read"],
            w["loaded"],
            len(w["rejects"]),
            w["duplicates"],
        ), t.table
        assert t.invariant_holds
    totals = report.totals()
    assert totals["rows_read"] == sum(w["read"] for w in want.values()) == 3202
    assert totals["rows_read"] == (
        totals["rows_loaded"] + totals["rows_rejected"] + totals["duplicates_skipped"]
    )
    # Relationships intact and every rule of the inferred contract holds.
    checks = report.checks
    assert sum(c.code == "foreign_key" for c in checks) == 5
    assert [c.id for c in checks if c.status != "passed"] == []

    with open_target(target_uri) as target:
        for table, w in want.items():
            rejects = target.scan(f"{table}__rejects").to_pylist()
            assert {(r["line"], r["reason"]) for r in rejects} == w["rejects"], table
            assert target.scan(table).num_rows == w["loaded"]
        customers = target.scan("customers")
        types = {f.name: kind(f.type) for f in customers.schema}
        assert types["customer_id"] == "int" and types["signup_date"] == "date"
        assert types["is_vip"] == "bool" and types["postal_code"] == "string"
        payments = {r["payment_id"]: r for r in target.scan("payments").to_pylist()}
        assert payments[70001]["amount"] == Decimal("23.66")
        assert payments[70001]["paid_at"] == dt.datetime(2023, 1, 2, 12, 57)
        orders = {r["order_id"]: r for r in target.scan("orders").to_pylist()}
        placed = orders[50001]["ordered_at"]
        assert placed.astimezone(dt.UTC) == dt.datetime(2023, 1, 2, 6, 43, 3, tzinfo=dt.UTC)
        assert orders[50001]["total"] == Decimal("23.66")
        reviews = target.scan("reviews").to_pylist()
        ratings = Counter(r["rating"] for r in reviews)
        assert ratings[None] == 2  # the two 'N/A' ratings: null tokens, not rejects
        duplicated = [
            r
            for r in reviews
            if r["review_id"]
            in (
                "fee01ecb-accc-4a83-aae0-e7234c760a85",
                __import__("uuid").UUID("fee01ecb-accc-4a83-aae0-e7234c760a85"),
            )
        ]
        assert len(duplicated) == 1


def test_shop_rerun_is_a_no_op(target_uri: str) -> None:
    first = load(str(SHOP), target=target_uri, checks=False)
    second = load(str(SHOP), target=target_uri, checks=False)
    assert second.totals()["files_skipped"] == 5 and second.totals()["rows_read"] == 0
    with open_target(target_uri) as target:
        for t in first.tables:
            assert target.scan(t.table).num_rows == t.rows_loaded
            assert target.scan(f"{t.table}__rejects").num_rows == t.rows_rejected


@pytest.mark.parametrize("engine_name", ["duckdb"])
def test_rejects_keep_the_row_its_origin_and_the_reason(tmp_path, engine_name: str) -> None:
    uri = f"duckdb:///{tmp_path / 'shop.duckdb'}"
    load(str(SHOP / "payments.csv"), target=uri, checks=False)
    with open_target(uri) as target:
        rows = {r["line"]: r for r in target.scan("payments__rejects").to_pylist()}
    bad = rows[463]
    assert (bad["record"], bad["column_name"], bad["value"], bad["reason"]) == (
        461,
        "paid_at",
        "31.02.2024 10:00",
        "invalid_datetime",
    )
    assert bad["message"] == "paid_at: '31.02.2024 10:00' is not a valid date and time"
    assert '"payment_id":"70460"' in bad["row_data"]
    assert bad["source_uri"].endswith("payments.csv") and bad["load_id"] and bad["batch_id"]
    ragged = rows[194]
    assert ragged["reason"] == "ragged_row" and ragged["message"] == "expected 7 fields, found 6"
    assert ragged["row_data"].startswith("70191;50222;")
