"""`assay infer examples/shop`: the tables, types, formats, keys and relationships."""

from __future__ import annotations

import json

import pytest
import yaml
from typer.testing import CliRunner

from assay.cli.main import app
from assay.inference.engine import infer_detailed
from assay.schema import Schema, from_text, to_json
from tests.conftest import SHOP

runner = CliRunner()


@pytest.fixture(scope="module")
def schema() -> Schema:
    result = infer_detailed(str(SHOP))
    assert result.errors == []
    assert result.quarantined == 5
    return result.schema


EXPECTED = {
    "customers": {
        "customer_id": "integer",
        "email": "string",
        "phone": "string",
        "country": "string",
        "signup_date": "date",
        "is_vip": "boolean",
        "postal_code": "string",
        "segment": "string",
    },
    "orders": {
        "order_id": "integer",
        "customer_id": "integer",
        "ordered_at": "datetime(tz)",
        "status": "string",
        "currency": "string",
        "total": "decimal(6,2)",
        "shipping": "object",
    },
    "order_items": {
        "order_id": "integer",
        "line_no": "integer",
        "quantity": "integer",
        "unit_price": "decimal(6,2)",
        "discount_pct": "decimal(4,2)",
    },
    "payments": {"payment_id": "integer", "paid_at": "datetime", "amount": "decimal(6,2)"},
    "reviews": {
        "review_id": "string",
        "rating": "integer",
        "created_at": "datetime(tz)",
        "author": "object",
        "tags": "array<string>",
    },
}
FORMATS = {
    ("customers", "email"): "email",
    ("customers", "phone"): "phone-e164",
    ("customers", "country"): "country-code-alpha2",
    ("orders", "currency"): "currency-code",
    ("reviews", "review_id"): "uuid",
}


def test_tables_and_types(schema: Schema) -> None:
    assert [t.name for t in schema.tables] == sorted(EXPECTED)
    for table, fields in EXPECTED.items():
        t = schema.table(table)
        got = {f.path: str(f.type) for f in t.fields}
        for path, type_name in fields.items():
            assert got[path] == type_name, (table, path)


def test_formats(schema: Schema) -> None:
    for (table, path), name in FORMATS.items():
        field = schema.table(table).field(path)
        assert field.format is not None and field.format.name == name, (table, path)


def test_dirty_values_are_evidence_not_lost(schema: Schema) -> None:
    signup = schema.table("customers").field("signup_date")
    evidence = next(e for e in signup.evidence if e.decision == "type")
    assert (evidence.violating, evidence.examples) == (1, ("2023-02-30",))
    price = schema.table("order_items").field("unit_price")
    assert next(e for e in price.evidence if e.decision == "type").examples == ("12.3O",)
    rating = schema.table("reviews").field("rating")
    assert rating.nullable
    assert any(e.rule == "null-tokens" and "N/A" in (e.note or "") for e in rating.evidence)


def test_keys(schema: Schema) -> None:
    keys = {t.name: t.primary_key.fields for t in schema.tables if t.primary_key}
    assert keys == {
        "customers": ("customer_id",),
        "order_items": ("order_id", "line_no"),
        "orders": ("order_id",),
        "payments": ("payment_id",),
        "reviews": ("review_id",),
    }
    # The duplicated record of the example data is reported, not hidden.
    assert schema.table("orders").primary_key.evidence.violating == 1


def test_relationships(schema: Schema) -> None:
    got = {(r.from_table, r.from_fields, r.to_table, r.to_fields) for r in schema.relationships}
    assert got == {
        ("order_items", ("order_id",), "orders", ("order_id",)),
        ("orders", ("customer_id",), "customers", ("customer_id",)),
        ("payments", ("order_id",), "orders", ("order_id",)),
        ("reviews", ("customer_id",), "customers", ("customer_id",)),
        ("reviews", ("order_id",), "orders", ("order_id",)),
    }
    assert all(r.coverage == 1.0 for r in schema.relationships)


def test_serialization_round_trips_byte_for_byte(schema: Schema) -> None:
    text = to_json(schema)
    assert to_json(from_text(text)) == text


def test_cli_table_json_and_yaml() -> None:
    result = runner.invoke(app, ["infer", str(SHOP / "payments.csv")], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "payments" in result.stdout and "decimal(6,2)" in result.stdout
    assert "31.02.2024 10:00" in result.stdout  # the violating value is shown
    as_json = runner.invoke(app, ["infer", str(SHOP / "payments.csv"), "--format", "json"])
    data = json.loads(as_json.stdout)
    assert data["tables"][0]["name"] == "payments"
    as_yaml = runner.invoke(app, ["infer", str(SHOP / "payments.csv"), "--format", "yaml"])
    assert yaml.safe_load(as_yaml.stdout) == data


def test_cli_bad_format_and_bad_input(tmp_path) -> None:  # type: ignore[no-untyped-def]
    result = runner.invoke(app, ["infer", str(SHOP), "--format", "xml"])
    assert result.exit_code == 2
    assert "valid values are: table, json, yaml, json-schema" in result.stderr
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    result = runner.invoke(app, ["infer", str(empty)])
    assert result.exit_code == 1
    assert "the file is empty" in result.stderr


def test_cli_schemas_diff_marks_breaking_changes(tmp_path) -> None:  # type: ignore[no-untyped-def]
    old = tmp_path / "old.yaml"
    result = runner.invoke(app, ["infer", str(SHOP / "orders.jsonl"), "-F", "yaml", "-o", str(old)])
    assert result.exit_code == 0, result.output
    new = tmp_path / "orders.jsonl"
    new.write_text(
        '{"order_id": 1, "customer_id": "C-1", "ordered_at": "2024-01-01T00:00:00Z"}\n'
        '{"order_id": 2, "customer_id": "C-2", "ordered_at": "2024-01-02T00:00:00Z"}\n'
    )
    result = runner.invoke(app, ["schemas", "diff", str(old), str(new), "--exit-code"])
    assert result.exit_code == 1
    assert "customer_id: integer[1002..1250] -> string" in result.stdout
    assert "breaking: removed field" in result.stdout
    same = runner.invoke(app, ["schemas", "diff", str(old), str(old), "--exit-code"])
    assert same.exit_code == 0
    assert "0 changes" in same.stdout
