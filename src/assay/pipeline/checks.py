"""Quality rules run as SQL against loaded tables, or against a batch before loading.

The rules are :func:`assay.quality.quality_rules` of the contract (or inferred schema),
rendered for the session's dialect (the engine itself for DuckDB and PostgreSQL, DuckDB
over the files for Parquet, Iceberg and Delta).  A rule reports rows checked, rows
failing and a few failing rows; a rule whose SQL the engine refuses is an ``error``.
Before loading (``--check-before-load``) the row-level rules run on the converted batch;
rows failing a critical rule are rejected with the rule's code and id.
"""

from __future__ import annotations

import datetime as dt
import decimal
from typing import Any

import numpy as np
import pyarrow as pa

from assay.pipeline.report import RuleResult
from assay.quality import Rule, UnsupportedRuleError, quality_rules
from assay.schema import Schema, Table
from assay.targets.base import CheckSession

SAMPLE = 5
ROW = "__assay_row"
_BEFORE_LOAD = ("not_null", "accepted_values", "pattern", "range", "max_length", "foreign_key")


def _plain(value: Any) -> Any:
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.hex()
    return value


def rules_for(table: Table, schema: Schema | None) -> list[Rule]:
    return quality_rules(table, schema)


def run_rules(
    session: CheckSession, rules: list[Rule], relations: dict[str, str], rows: int | None = None
) -> list[RuleResult]:
    """Each rule against ``relations`` (table name → SQL relation); missing tables skip."""
    results: list[RuleResult] = []
    counts: dict[str, int] = {}
    for rule in rules:
        result = RuleResult(rule.id, rule.code, rule.table, rule.critical, rule.message)
        results.append(result)
        relation = relations.get(rule.table)
        parent_missing = rule.parent is not None and rule.parent not in relations
        if relation is None or parent_missing:
            result.status = "skipped"
            result.error = "table not found in the target"
            continue
        if rule.table not in counts:
            counts[rule.table] = session.count(f"SELECT * FROM {relation}")
        result.checked = counts[rule.table] if rows is None else rows
        try:
            sql = rule.to_sql(session.dialect, relation, relations=relations)
        except UnsupportedRuleError as exc:
            result.status, result.error = "skipped", str(exc)
            continue
        try:
            result.failed = session.count(sql)
            if result.failed:
                names, sample = session.query(sql, limit=SAMPLE)
                result.sample = [
                    {k: _plain(v) for k, v in zip(names, row, strict=True)} for row in sample
                ]
                result.status = "failed"
        except Exception as exc:
            result.status, result.error = "error", str(exc).splitlines()[0][:300]
    return results


def check_batch(
    session: CheckSession,
    rules: list[Rule],
    table: str,
    batch: pa.Table,
    relations: dict[str, str],
) -> tuple[dict[int, Rule], list[RuleResult]]:
    """Row-level rules on a converted batch: failing row → first critical rule it broke.

    Returns the rows to reject (index → rule) and the results (warnings included).
    """
    usable = [r for r in rules if r.table == table and r.code in _BEFORE_LOAD]
    if not usable or batch.num_rows == 0:
        return {}, []
    data = batch.append_column(ROW, pa.array(np.arange(batch.num_rows), pa.int64()))
    staged = session.stage("__assay_check", data)
    scoped = {**relations, table: staged}
    failing: dict[int, Rule] = {}
    results = run_rules(session, usable, scoped, rows=batch.num_rows)
    for rule, result in zip(usable, results, strict=True):
        if not rule.critical or result.status != "failed":
            continue
        sql = rule.to_sql(session.dialect, staged, relations=scoped)
        names, rows = session.query(sql)
        at = names.index(ROW)
        for row in rows:
            failing.setdefault(int(row[at]), rule)
        for r in result.sample:
            r.pop(ROW, None)
    return failing, results
