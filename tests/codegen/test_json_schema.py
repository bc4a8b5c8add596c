"""JSON Schema export: valid draft 2020-12, and it accepts/rejects records as it should."""

from __future__ import annotations

import json
from typing import Any

import pytest
from jsonschema import Draft202012Validator, FormatChecker

from assay.codegen.json_schema import DIALECT, schema_json_schema, table_json_schema
from assay.schema import (
    Constraints,
    DataType,
    Evidence,
    Field,
    FormatInfo,
    Key,
    Relationship,
    Schema,
    Stats,
    Table,
    TypeKind,
)

K = TypeKind


def t(kind: TypeKind, **params: Any) -> DataType:
    return DataType(kind=kind, **params)


def f(path: str, type_: DataType, **extra: Any) -> Field:
    return Field(name=path.rsplit(".", 1)[-1], path=path, type=type_, **extra)


STR = t(K.STRING, max_length=40)

ORDERS = Table(
    name="orders",
    description="One row per order.",
    sources=("orders.jsonl",),
    row_count=1000,
    primary_key=Key(fields=("order_id",)),
    fields=(
        f("order_id", t(K.INTEGER, minimum=1, maximum=99999), nullable=False,
          stats=Stats(count=1000, distinct=1000, min=1, max=99999, mean=5.0),
          evidence=(Evidence(decision="type", rule="all-conform", conforming=1000),)),
        f("total", t(K.DECIMAL, precision=10, scale=2), nullable=False,
          constraints=Constraints(minimum=0)),
        f("status", t(K.STRING, max_length=12), nullable=False,
          constraints=Constraints(enum=("cancelled", "paid", "shipped")),
          description="Where the order is.", examples=("paid", "shipped")),
        f("email", STR, format=FormatInfo(name="email", confidence=0.99)),
        f("coupon", STR, nullable=False, frequency=0.4, hints=("sparse",)),
        f("placed_at", t(K.DATETIME, timezone=True), nullable=False),
        f("placed_on", t(K.DATE, pattern="%d/%m/%Y")),
        f("country", t(K.STRING, max_length=2),
          format=FormatInfo(name="country-code-alpha2", confidence=1.0)),
        f("shipping", t(K.OBJECT, fields=(
            f("shipping.city", STR, nullable=False),
            f("shipping.zip", STR),
            f("shipping.geo", t(K.OBJECT, fields=(f("shipping.geo.lat", t(K.FLOAT)),))),
        )), nullable=False),
        f("tags", t(K.ARRAY, items=STR)),
        f("lines", t(K.ARRAY, items=t(K.OBJECT, fields=(
            f("lines[].sku", STR, nullable=False),
            f("lines[].qty", t(K.INTEGER, minimum=1, maximum=50), nullable=False),
        ))), nullable=False),
        f("payload", t(K.MIXED, distribution={"object": 3, "string": 2})),
    ),
)  # fmt: skip

GOOD: dict[str, Any] = {
    "order_id": 42,
    "total": 19.99,
    "status": "paid",
    "email": None,
    "placed_at": "2024-05-01T10:00:00+02:00",
    "placed_on": "01/05/2024",
    "shipping": {"city": "Lyon", "zip": None, "geo": {"lat": 45.76}},
    "tags": ["gift"],
    "lines": [{"sku": "A-1", "qty": 2}],
    "payload": {"any": "thing"},
}


@pytest.fixture(scope="module")
def validator() -> Draft202012Validator:
    schema = table_json_schema(ORDERS)
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=FormatChecker())


def test_a_good_record_validates(validator: Draft202012Validator) -> None:
    assert list(validator.iter_errors(GOOD)) == []
    assert validator.is_valid({**GOOD, "coupon": "SPRING", "payload": "text", "tags": None})


@pytest.mark.parametrize(
    ("change", "why"),
    [
        ({"order_id": None}, "not nullable"),
        ({"order_id": "42"}, "wrong type"),
        ({"order_id": 100000}, "above the maximum"),
        ({"total": -1}, "below the constraint's minimum"),
        ({"status": "lost"}, "not in the enum"),
        ({"status": None}, "not nullable"),
        ({"email": "not-an-email"}, "format, asserted with a format checker"),
        ({"shipping": {"zip": "69001"}}, "nested required member missing"),
        ({"lines": [{"sku": "A-1"}]}, "array item's required member missing"),
        ({"lines": [{"sku": "A-1", "qty": 0}]}, "array item below its minimum"),
        ({"tags": [1]}, "array item of the wrong type"),
        ({"payload": 3}, "mixed allows only the kinds seen"),
    ],
)
def test_bad_records_fail(validator: Draft202012Validator, change: dict, why: str) -> None:
    assert not validator.is_valid({**GOOD, **change}), why


@pytest.mark.parametrize("missing", ["order_id", "total", "shipping", "lines", "placed_at"])
def test_a_record_missing_a_required_field_fails(
    validator: Draft202012Validator, missing: str
) -> None:
    record = {k: v for k, v in GOOD.items() if k != missing}
    assert not validator.is_valid(record)


def test_keywords_and_assay_annotations() -> None:
    schema = table_json_schema(ORDERS)
    props = schema["properties"]
    assert list(schema)[:5] == ["$schema", "title", "description", "type", "properties"]
    assert schema["$schema"] == DIALECT and schema["title"] == "orders"
    assert schema["required"] == ["order_id", "total", "status", "placed_at", "shipping", "lines"]
    assert schema["x-assay-primary-key"] == ["order_id"]
    assert props["order_id"] == {
        "type": "integer",
        "minimum": 1,
        "maximum": 99999,
        "x-assay-type": "integer",
        "x-assay-stats": {"count": 1000, "nulls": 0, "distinct": 1000, "min": 1, "max": 99999},
        "x-assay-evidence": [{"decision": "type", "rule": "all-conform", "conforming": 1000}],
    }
    assert props["total"] == {
        "type": "number",
        "minimum": 0,
        "x-assay-precision": 10,
        "x-assay-scale": 2,
        "x-assay-type": "decimal(10,2)",
    }
    assert props["status"]["description"] == "Where the order is."
    assert props["status"]["examples"] == ["paid", "shipped"]
    assert props["email"]["type"] == ["string", "null"] and props["email"]["format"] == "email"
    assert props["coupon"]["x-assay-frequency"] == 0.4
    assert props["coupon"]["x-assay-hints"] == ["sparse"]
    assert props["placed_at"]["format"] == "date-time"
    assert props["placed_on"] == {
        "type": ["string", "null"],
        "x-assay-pattern": "%d/%m/%Y",
        "x-assay-type": "date",
    }
    assert "format" not in props["country"]
    assert props["country"]["x-assay-format"] == "country-code-alpha2"
    shipping = props["shipping"]
    assert shipping["required"] == ["city"]
    assert shipping["properties"]["geo"]["properties"]["lat"]["type"] == ["number", "null"]
    assert props["lines"]["items"]["required"] == ["sku", "qty"]
    assert props["payload"]["type"] == ["object", "string", "null"]


def test_nullable_enum_admits_null() -> None:
    table = Table(name="t", fields=(f("c", STR, constraints=Constraints(enum=("a", "b"))),))
    prop = table_json_schema(table)["properties"]["c"]
    assert prop["enum"] == ["a", "b", None]
    assert Draft202012Validator(table_json_schema(table)).is_valid({"c": None})


def test_decimal_steps() -> None:
    table = Table(name="t", fields=(
        f("cents", t(K.DECIMAL, precision=6, scale=2), nullable=False),
        f("whole", t(K.DECIMAL, precision=12, scale=0), nullable=False),
    ))  # fmt: skip
    props = table_json_schema(table)["properties"]
    assert "multipleOf" not in props["cents"] and props["whole"]["multipleOf"] == 1
    assert not Draft202012Validator(table_json_schema(table)).is_valid({"cents": 1, "whole": 1.5})
    strict = table_json_schema(table, decimal_multiple_of=True)
    assert strict["properties"]["cents"]["multipleOf"] == 0.01
    Draft202012Validator.check_schema(strict)


def test_every_kind_gives_a_valid_schema() -> None:
    fields = tuple(
        f(kind.value, t(kind, distribution={"integer": 1, "boolean": 1}))
        if kind is K.MIXED
        else f(kind.value, t(kind))
        for kind in TypeKind
    )
    schema = table_json_schema(Table(name="kinds", fields=fields))
    Draft202012Validator.check_schema(schema)
    props = schema["properties"]
    assert props["binary"]["contentEncoding"] == "base64"
    assert props["datetime"]["x-assay-format"] == "local-date-time"  # naive: not RFC 3339
    assert props["time"]["x-assay-format"] == "local-time"
    assert props["duration"]["format"] == "duration"
    assert props["mixed"]["type"] == ["boolean", "integer", "null"]


def test_flattened_nested_copies_are_not_repeated() -> None:
    geo = t(K.OBJECT, fields=(f("geo.lat", t(K.FLOAT)),))
    table = Table(name="t", fields=(f("geo", geo), f("geo.lat", t(K.FLOAT))))
    assert list(table_json_schema(table)["properties"]) == ["geo"]


def test_several_tables_go_under_defs() -> None:
    customers = Table(name="customers", fields=(f("id", t(K.INTEGER), nullable=False),))
    rel = Relationship(from_table="orders", from_fields=("customer_id",), to_table="customers",
                       to_fields=("id",), confidence=0.98, coverage=1.0)  # fmt: skip
    doc = schema_json_schema(Schema(tables=(ORDERS, customers), relationships=(rel,)))
    assert list(doc) == ["$schema", "$defs", "x-assay-relationships"]
    assert list(doc["$defs"]) == ["orders", "customers"]
    assert "$schema" not in doc["$defs"]["orders"]
    Draft202012Validator.check_schema(doc)
    orders = Draft202012Validator({**doc, "$ref": "#/$defs/orders"})
    assert orders.is_valid(GOOD) and not orders.is_valid({**GOOD, "status": "lost"})
    assert doc["x-assay-relationships"][0]["to_table"] == "customers"


def test_output_is_deterministic() -> None:
    first = json.dumps(table_json_schema(ORDERS))
    assert first == json.dumps(table_json_schema(ORDERS.model_copy()))
    json.loads(first)  # plain JSON all the way down
