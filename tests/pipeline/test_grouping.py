"""Files become tables: rules first, then alike files with a common stem, else the name."""

from __future__ import annotations

from assay.pipeline.grouping import FileColumns, Rule, group, similarity, stem

ORDERS = ("order_id", "customer_id", "total")


def f(name: str, columns: tuple[str, ...] = ORDERS, source: str = "/drop") -> FileColumns:
    uri = f"{source}/{name}"
    return FileColumns(uri, source, ((name.rsplit("/", 1)[-1].split(".")[0], columns),))


def test_stems_drop_dates_numbers_and_parts() -> None:
    assert [stem(s) for s in ("orders_2024-01", "orders_20240105", "orders-part-0003")] == [
        "orders"
    ] * 3
    assert stem("customers") == "customers"
    assert stem("2024") == "2024"  # nothing left: the name stays


def test_dated_files_with_alike_columns_form_one_table() -> None:
    result = group([f("orders_2024-02.csv"), f("orders_2024-01.csv"), f("customers.csv", ("id",))])
    assert result.tables == {
        "customers": ["/drop/customers.csv"],
        "orders": ["/drop/orders_2024-01.csv", "/drop/orders_2024-02.csv"],
    }
    # staging is told only where the table is not the file's own name
    assert result.partitions == {
        "/drop/orders_2024-01.csv": "orders",
        "/drop/orders_2024-02.csv": "orders",
    }


def test_files_with_a_common_stem_but_other_columns_stay_apart() -> None:
    result = group([f("orders_1.csv"), f("orders_2.csv", ("sku", "price", "stock"))])
    assert sorted(result.tables) == ["orders_1", "orders_2"]
    assert result.partitions == {}


def test_rules_win_and_match_names_or_paths_below_the_source() -> None:
    rules = [Rule("eu/*.csv", "orders_eu"), Rule("orders_*", "orders_all")]
    files = [f("eu/orders_1.csv"), f("orders_2.csv"), f("orders_3.csv")]
    result = group(files, rules)
    assert result.tables == {
        "orders_eu": ["/drop/eu/orders_1.csv"],
        "orders_all": ["/drop/orders_2.csv", "/drop/orders_3.csv"],
    }
    assert result.reasons["orders_eu"] == "rule 'eu/*.csv'"


def test_grouping_off_keeps_file_names_and_is_order_free() -> None:
    files = [f("orders_2.csv"), f("orders_1.csv")]
    assert sorted(group(files, by_schema=False).tables) == ["orders_1", "orders_2"]
    assert group(files).tables == group(list(reversed(files))).tables


def test_similarity_is_jaccard_over_names_ignoring_case() -> None:
    assert similarity(("A", "b"), ("a", "B")) == 1.0
    assert similarity(("a", "b"), ("b", "c")) == 1 / 3
