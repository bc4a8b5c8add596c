"""Great Expectations suites (GX 1.x JSON): one per table, from the quality rules.

not null → ``expect_column_values_to_not_be_null``; unique → ``…_to_be_unique`` (or
``expect_compound_columns_to_be_unique`` for a composite key); accepted values →
``…_to_be_in_set``; pattern → ``…_to_match_regex``; range → ``…_to_be_between``;
max length → ``expect_column_value_lengths_to_be_between``; row count →
``expect_table_row_count_to_be_between``.  Each carries the rule id and severity in
``meta`` (GX's own ``severity`` field is ``critical`` or ``warning``).
"""

from __future__ import annotations

from typing import Any

import orjson

from assay.quality import Rule, quality_rules
from assay.schema import Schema, Table


def _expectation(rule: Rule) -> dict[str, Any] | None:
    column = rule.columns[0] if rule.columns else None
    kwargs: dict[str, Any]
    if rule.code == "not_null":
        kind, kwargs = "expect_column_values_to_not_be_null", {"column": column}
    elif rule.code == "unique" and len(rule.columns) > 1:
        kind, kwargs = "expect_compound_columns_to_be_unique", {"column_list": list(rule.columns)}
    elif rule.code == "unique":
        kind, kwargs = "expect_column_values_to_be_unique", {"column": column}
    elif rule.code == "accepted_values":
        kind, kwargs = (
            "expect_column_values_to_be_in_set",
            {"column": column, "value_set": list(rule.values or ())},
        )
    elif rule.code == "pattern":
        kind, kwargs = (
            "expect_column_values_to_match_regex",
            {"column": column, "regex": rule.pattern},
        )
    elif rule.code == "range" and rule.kind == "date":
        return None  # GX 1.x compares dates to strings inconsistently across backends
    elif rule.code == "range":
        kind = "expect_column_values_to_be_between"
        kwargs = {"column": column, "min_value": rule.minimum, "max_value": rule.maximum}
    elif rule.code == "max_length":
        kind = "expect_column_value_lengths_to_be_between"
        kwargs = {"column": column, "min_value": 0, "max_value": rule.maximum}
    elif rule.code == "row_count":
        kind = "expect_table_row_count_to_be_between"
        kwargs = {"min_value": rule.minimum, "max_value": rule.maximum}
    else:  # foreign keys span tables: GX checks one table at a time
        return None
    return {
        "type": kind,
        "kwargs": kwargs,
        "meta": {"assay_rule": rule.id, "message": rule.message},
        "severity": "critical" if rule.critical else "warning",
    }


def expectation_suite(table: Table, schema: Schema | None = None) -> dict[str, Any]:
    expectations = [e for r in quality_rules(table, schema) if (e := _expectation(r)) is not None]
    return {
        "name": f"{table.name}_suite",
        "expectations": expectations,
        "meta": {"generated_by": "assay", "table": table.name},
    }


def gx_suites(schema: Schema) -> dict[str, str]:
    """File path → suite JSON, one per table."""
    return {
        f"{t.name}.json": orjson.dumps(
            expectation_suite(t, schema), option=orjson.OPT_INDENT_2
        ).decode()
        + "\n"
        for t in schema.tables
    }
