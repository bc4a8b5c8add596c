"""One behaviour suite over every target: modes, keys, schema changes, checks, errors."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from assay.errors import TargetError
from assay.inference.engine import infer
from assay.pipeline import load
from assay.pipeline.batches import LoadFailedError
from assay.targets import open_target
from assay.targets.evolve import SchemaChangeError


def csv(path: Path, header: str, rows: list[str]) -> str:
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return str(path)


def rows(n: range, amount: str = "10.50") -> list[str]:
    return [f"{i},name {i},{amount},2024-01-{1 + i % 28:02d}" for i in n]


HEADER = "id,name,amount,day"


def table(uri: str, name: str) -> list[dict]:
    with open_target(uri) as target:
        return sorted(target.scan(name).to_pylist(), key=lambda r: str(r.get("id")))


def accounted(report) -> None:  # type: ignore[no-untyped-def]
    for t in report.tables:
        assert t.rows_read == t.rows_loaded + t.rows_rejected + t.duplicates_skipped
    totals = report.totals()
    assert totals["invariant_holds"]


def test_append_rejects_keys_already_in_the_table(target_uri: str, tmp_path: Path) -> None:
    first = csv(tmp_path / "items.csv", HEADER, rows(range(1, 6)))
    accounted(load(first, target=target_uri, table="items"))
    second = csv(tmp_path / "more.csv", HEADER, rows(range(4, 9)))
    report = load(second, target=target_uri, table="items")
    accounted(report)
    t = report.tables[0]
    assert (t.rows_read, t.rows_loaded, t.rows_rejected) == (5, 3, 2)
    assert dict(t.rejected_by_reason) == {"duplicate_key": 2}
    assert [r["id"] for r in table(target_uri, "items")] == [1, 2, 3, 4, 5, 6, 7, 8]
    rejects = table(target_uri, "items__rejects")
    assert {(r["line"], r["reason"]) for r in rejects} == {
        (2, "duplicate_key"),
        (3, "duplicate_key"),
    }


def test_replace_twice_leaves_one_copy(target_uri: str, tmp_path: Path) -> None:
    # 150 rows: inference tolerates one stray value, which the loader then rejects.
    path = csv(tmp_path / "items.csv", HEADER, [*rows(range(1, 151)), "151,x,bad,2024-01-04"])
    for _ in range(2):
        report = load(path, target=target_uri, table="items", mode="replace")
        accounted(report)
        assert report.tables[0].rows_loaded == 150
    assert len(table(target_uri, "items")) == 150
    assert len(table(target_uri, "items__rejects")) == 1


def test_merge_updates_and_inserts(target_uri: str, engine: str, tmp_path: Path) -> None:
    base = csv(tmp_path / "items.csv", HEADER, rows(range(1, 6)))
    load(base, target=target_uri, table="items")
    change = csv(tmp_path / "change.csv", HEADER, rows(range(4, 9), amount="99.00"))
    if engine == "parquet":
        with pytest.raises(TargetError, match="cannot merge"):
            load(change, target=target_uri, table="items", mode="merge", key=("id",))
        return
    report = load(change, target=target_uri, table="items", mode="merge", key=("id",))
    accounted(report)
    t = report.tables[0]
    assert (t.rows_loaded, t.rows_inserted, t.rows_updated) == (5, 3, 2)
    amounts = {r["id"]: r["amount"] for r in table(target_uri, "items")}
    assert amounts == {
        1: Decimal("10.50"),
        2: Decimal("10.50"),
        3: Decimal("10.50"),
        4: Decimal("99.00"),
        5: Decimal("99.00"),
        6: Decimal("99.00"),
        7: Decimal("99.00"),
        8: Decimal("99.00"),
    }


def test_a_new_column_is_added(target_uri: str, tmp_path: Path) -> None:
    load(csv(tmp_path / "items.csv", HEADER, rows(range(1, 4))), target=target_uri, table="items")
    wider = csv(
        tmp_path / "wider.csv", HEADER + ",colour", [r + ",red" for r in rows(range(10, 13))]
    )
    report = load(wider, target=target_uri, table="items")
    accounted(report)
    assert report.tables[0].schema_changes == ["new column colour string"]
    colours = {r["id"]: r["colour"] for r in table(target_uri, "items")}
    assert colours == {1: None, 2: None, 3: None, 10: "red", 11: "red", 12: "red"}


def test_an_incompatible_change_stops_unless_rows_are_rejected(
    target_uri: str, tmp_path: Path
) -> None:
    load(csv(tmp_path / "items.csv", HEADER, rows(range(1, 4))), target=target_uri, table="items")
    texty = csv(
        tmp_path / "texty.csv",
        HEADER,
        [*rows(range(20, 23)), *[f"{i},n,about {i},2024-01-01" for i in range(30, 35)]],
    )
    with pytest.raises(SchemaChangeError, match=r"amount: decimal\(4,2\) -> string"):
        load(texty, target=target_uri, table="items")
    report = load(texty, target=target_uri, table="items", on_schema_change="reject-rows")
    accounted(report)
    t = report.tables[0]
    assert (t.rows_loaded, t.rows_rejected, dict(t.rejected_by_reason)) == (
        3,
        5,
        {"invalid_decimal": 5},
    )
    assert len(table(target_uri, "items")) == 6


def test_evolve_retypes_where_the_engine_can(target_uri: str, engine: str, tmp_path: Path) -> None:
    load(csv(tmp_path / "items.csv", HEADER, rows(range(1, 4))), target=target_uri, table="items")
    texty = csv(
        tmp_path / "texty.csv", HEADER, [f"{i},n,about {i},2024-01-01" for i in range(5, 8)]
    )
    if engine in ("iceberg", "delta"):
        with pytest.raises(SchemaChangeError, match="amount"):
            load(texty, target=target_uri, table="items", on_schema_change="evolve")
        return
    report = load(texty, target=target_uri, table="items", on_schema_change="evolve")
    accounted(report)
    amounts = sorted(str(r["amount"]) for r in table(target_uri, "items"))
    assert amounts == ["10.50", "10.50", "10.50", "about 5", "about 6", "about 7"]


def test_create_refuses_an_existing_table_but_resumes_its_own(
    target_uri: str, tmp_path: Path
) -> None:
    path = csv(tmp_path / "items.csv", HEADER, rows(range(1, 4)))
    load(path, target=target_uri, table="items", mode="create")
    again = load(path, target=target_uri, table="items", mode="create")
    assert again.tables[0].files_skipped == 1
    other = csv(tmp_path / "other.csv", HEADER, rows(range(7, 9)))
    with pytest.raises(TargetError, match="already exists"):
        load(other, target=target_uri, table="items", mode="create")


def test_check_before_load_rejects_orphans(target_uri: str, tmp_path: Path) -> None:
    parents = csv(
        tmp_path / "customers.csv", "customer_id,name", [f"{i},c{i}" for i in range(1, 21)]
    )
    children = csv(
        tmp_path / "orders.csv",
        "order_id,customer_id",
        [f"{100 + i},{1 + i % 20}" for i in range(40)],
    )
    schema = infer([parents, children])
    assert schema.relationships  # orders.customer_id -> customers.customer_id
    orphans = csv(
        tmp_path / "orders.csv",
        "order_id,customer_id",
        [f"{100 + i},{1 + i % 20}" for i in range(40)] + ["999,77"],
    )
    report = load([parents, orphans], target=target_uri, schema=schema, check_before_load=True)
    accounted(report)
    orders = next(t for t in report.tables if t.table == "orders")
    assert (orders.rows_loaded, dict(orders.rejected_by_reason)) == (40, {"foreign_key": 1})
    rejects = table(target_uri, "orders__rejects")
    assert [(r["line"], r["rule"]) for r in rejects] == [(42, "orders.customer_id.foreign_key")]
    assert not report.critical_failures


def test_without_check_before_load_the_broken_rule_is_reported(tmp_path: Path) -> None:
    uri = f"duckdb:///{tmp_path / 'x.duckdb'}"
    parents = csv(
        tmp_path / "customers.csv", "customer_id,name", [f"{i},c{i}" for i in range(1, 21)]
    )
    children = csv(
        tmp_path / "orders.csv",
        "order_id,customer_id",
        [f"{100 + i},{1 + i % 20}" for i in range(40)],
    )
    schema = infer([parents, children])
    csv(
        tmp_path / "orders.csv",
        "order_id,customer_id",
        [f"{100 + i},{1 + i % 20}" for i in range(40)] + ["999,77"],
    )
    report = load([parents, children], target=uri, schema=schema)
    failed = report.critical_failures
    assert [(c.id, c.failed, c.sample) for c in failed] == [
        ("orders.customer_id.foreign_key", 1, [{"order_id": 999, "customer_id": 77}])
    ]


def test_on_error_fail_stops_at_the_first_bad_row(target_uri: str, tmp_path: Path) -> None:
    path = csv(tmp_path / "items.csv", HEADER, [*rows(range(1, 151)), "151,x,12.3O,2024-01-04"])
    with pytest.raises(LoadFailedError) as caught:
        load(path, target=target_uri, table="items", on_error="fail")
    message = str(caught.value)
    assert message.startswith(f"{path}:152 (field 'amount'): amount: '12.3O' is not a decimal")
    with open_target(target_uri) as target:
        assert target.units("items") == {}


def test_exact_copies_across_files_are_counted_once(target_uri: str, tmp_path: Path) -> None:
    header = "colour,size"
    first = csv(tmp_path / "a.csv", header, ["red,1", "blue,2", "red,1"])
    second = csv(tmp_path / "b.csv", header, ["blue,2", "green,3"])
    report = load([first, second], target=target_uri, table="things")
    accounted(report)
    t = report.tables[0]
    assert (t.rows_read, t.rows_loaded, t.duplicates_skipped) == (5, 3, 2)


def test_time_travel(target_uri: str, engine: str, tmp_path: Path) -> None:
    if engine not in ("iceberg", "delta"):
        with open_target(target_uri) as target, pytest.raises(TargetError, match="no history"):
            load(csv(tmp_path / "a.csv", HEADER, rows(range(1, 3))), target=target_uri, table="t")
            target.scan("t", as_of="1")
        return
    load(csv(tmp_path / "a.csv", HEADER, rows(range(1, 3))), target=target_uri, table="t")
    with open_target(target_uri) as target:
        first = next(iter(target.units("t").values()))
        history = _versions(target, engine)
    load(csv(tmp_path / "b.csv", HEADER, rows(range(5, 9))), target=target_uri, table="t")
    with open_target(target_uri) as target:
        assert target.scan("t").num_rows == 6
        assert target.scan("t", as_of=history).num_rows == 2
        assert first.rows_loaded == 2


def _versions(target, engine: str) -> str:  # type: ignore[no-untyped-def]
    if engine == "iceberg":
        return str(target.load("t").current_snapshot().snapshot_id)
    return str(target.load("t").version())


@pytest.mark.parametrize("naming", ["snake", "keep"])
def test_naming(tmp_path: Path, naming: str) -> None:
    uri = f"duckdb:///{tmp_path / 'n.duckdb'}"
    path = csv(
        tmp_path / "Odd Names.csv",
        "Order ID,Total €,orderDate",
        [f"{i},{i}.50,2024-01-0{i}" for i in range(1, 4)],
    )
    report = load(path, target=uri, naming=naming)  # type: ignore[arg-type]
    accounted(report)
    name = report.tables[0].table
    columns = list(table(uri, name)[0])
    if naming == "snake":
        assert (name, columns) == ("odd_names", ["order_id", "total", "order_date"])
    else:
        # the table is named after the stream, which the reader already named plainly
        assert (name, columns) == ("odd_names", ["Order ID", "Total €", "orderDate"])


def test_parquet_partitions(tmp_path: Path) -> None:
    uri = f"parquet:///{tmp_path / 'pq'}"
    path = csv(
        tmp_path / "sales.csv", "id,country", [f"{i},{'DE' if i % 2 else 'FR'}" for i in range(10)]
    )
    load(path, target=uri, partition_by=("country",))
    folders = sorted(p.name for p in (tmp_path / "pq" / "sales").iterdir() if p.is_dir())
    assert folders == ["country=DE", "country=FR"]
    assert sorted(r["id"] for r in table(uri, "sales")) == list(range(10))
