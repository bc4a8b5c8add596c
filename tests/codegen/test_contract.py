"""ODCS contracts: valid against the official schema, lossless round trip, clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from assay.codegen.contract_export import ContractOptions, contract_yaml
from assay.codegen.contract_import import import_contract_text
from assay.codegen.contract_validate import ContractError, check_contract
from assay.schema import from_text

GOLDEN = Path(__file__).resolve().parents[1] / "golden"
SHOP = from_text((GOLDEN / "shop.schema.yaml").read_text(encoding="utf-8"))
OPTIONS = ContractOptions(name="shop", owner="data@example.com", team="data", domain="sales")


def test_exported_contract_is_valid_odcs_with_keys_relationships_and_quality() -> None:
    doc = check_contract(contract_yaml(SHOP, OPTIONS), "shop.odcs.yaml")
    items = next(s for s in doc["schema"] if s["name"] == "order_items")
    key = [(p["name"], p["primaryKeyPosition"]) for p in items["properties"] if p.get("primaryKey")]
    assert key == [("order_id", 1), ("line_no", 2)]
    order_id = items["properties"][0]
    assert order_id["relationships"][0]["to"] == "orders.order_id"
    metrics = {
        q.get("metric")
        for s in doc["schema"]
        for p in s["properties"]
        for q in p.get("quality", [])
    }
    assert {"nullValues", "invalidValues"} <= metrics
    assert doc["team"]["members"] == [{"username": "data@example.com", "role": "owner"}]


def test_export_import_export_is_identical() -> None:
    first = contract_yaml(SHOP, OPTIONS)
    schema = import_contract_text(first, "shop.odcs.yaml")
    assert schema == SHOP
    assert contract_yaml(schema, OPTIONS) == first


def test_hand_written_contract_imports() -> None:
    text = """apiVersion: v3.1.0
kind: DataContract
id: tiny
version: 1.0.0
status: active
schema:
  - name: items
    properties:
      - name: id
        logicalType: integer
        primaryKey: true
        primaryKeyPosition: 1
        required: true
      - name: price
        logicalType: number
        physicalType: DECIMAL(10,2)
      - name: owner_id
        logicalType: integer
        relationships:
          - to: owners.id
"""
    schema = import_contract_text(text, "tiny.yaml")
    items = schema.table("items")
    assert items.primary_key is not None and items.primary_key.fields == ("id",)
    assert str(items.field("price").type) == "decimal(10,2)"
    assert schema.relationships[0].to_table == "owners"


def test_invalid_contract_is_located() -> None:
    text = contract_yaml(SHOP, OPTIONS).replace("logicalType: integer", "logicalType: int", 1)
    with pytest.raises(ContractError) as caught:
        check_contract(text, "shop.odcs.yaml")
    assert str(caught.value) == (
        "shop.odcs.yaml:23: schema[0].properties[0].logicalType: 'int' is not one of "
        "['string', 'date', 'timestamp', 'time', 'number', 'integer', 'object', 'array', "
        "'boolean', 'map', 'vector']"
    )


def test_missing_required_field_is_named() -> None:
    with pytest.raises(ContractError) as caught:
        check_contract("apiVersion: v3.1.0\nkind: DataContract\nversion: 1.0.0\n", "c.yaml")
    assert str(caught.value) == "c.yaml:1: (document): 'id' is required"
