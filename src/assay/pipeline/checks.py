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
import sqlglot
from sqlglot import exp

from assay.dialects import get_dialect
from assay.pipeline.report import RuleResult
from assay.quality import Rule, UnsupportedRuleError, quality_rules
from assay.quality.formats import FORMAT_PATTERNS
from assay.schema import Schema, Table
from assay.targets.base import CheckSession, TableInfo

SAMPLE = 5
ROW = "__assay_row"
_ROW_LEVEL = ("not_null", "accepted_values", "pattern", "range", "max_length")
_BEFORE_LOAD = (*_ROW_LEVEL, "foreign_key")


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


def enforced(rule: Rule, info: TableInfo | None) -> str | None:
    """Why the engine itself guarantees ``rule`` (a declared constraint or type), if it does."""
    if info is None or not rule.columns:
        return None
    if rule.code == "not_null" and rule.columns[0] in info.required:
        return "enforced by the engine (NOT NULL)"
    if rule.code == "unique" and info.primary_key and set(rule.columns) == set(info.primary_key):
        return "enforced by the engine (PRIMARY KEY)"
    if (
        rule.code == "pattern"
        and rule.pattern == FORMAT_PATTERNS["uuid"]
        and (rule.columns[0] in info.uuid)
    ):
        return "enforced by the column type (UUID)"
    return None


def _condition(sql: str, dialect: str) -> exp.Expression | None:
    """The WHERE of a ``SELECT * FROM relation WHERE …`` rule (those share one scan)."""
    tree = sqlglot.parse_one(sql, read=get_dialect(dialect).sqlglot_name)
    if not isinstance(tree, exp.Select) or tree.args.get("joins") or tree.args.get("group"):
        return None
    where = tree.args.get("where")
    return where.this if where is not None else None


def _counted(
    session: CheckSession, relation: str, pending: list[tuple[RuleResult, str, exp.Expression]]
) -> None:
    """Failing rows of several row-level rules counted in one scan of the table."""
    d = get_dialect(session.dialect)
    sums = [
        exp.alias_(
            exp.Sum(
                this=exp.If(this=cond, true=exp.Literal.number(1), false=exp.Literal.number(0))
            ),
            f"f{i}",
        )
        for i, (_result, _sql, cond) in enumerate(pending)
    ]
    query = exp.select(*sums).from_(exp.to_table(relation, dialect=d.sqlglot_name))
    _, rows = session.query(d.render(query))
    for (result, _sql, _cond), failed in zip(pending, rows[0], strict=True):
        result.failed = int(failed or 0)


def run_rules(
    session: CheckSession,
    rules: list[Rule],
    relations: dict[str, str],
    rows: int | None = None,
    *,
    counted: dict[Rule, int] | None = None,
) -> list[RuleResult]:
    """Each rule against ``relations`` (table name → SQL relation); missing tables skip.

    Rules the engine enforces itself (a declared primary key, NOT NULL, a UUID column)
    pass without a query; row-level rules of one table share one scan, except those
    whose failing rows were ``counted`` already (rule → count, on the batches that
    filled the table: :mod:`assay.pipeline.counted`); only failing rules fetch sample
    rows.
    """
    results: list[RuleResult] = []
    counts: dict[str, int] = {}
    infos: dict[str, TableInfo | None] = {}
    batched: dict[str, list[tuple[RuleResult, str, exp.Expression]]] = {}
    single: list[tuple[RuleResult, str]] = []
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
            infos[rule.table] = session.describe(rule.table) if rows is None else None
        result.checked = counts[rule.table] if rows is None else rows
        guarantee = enforced(rule, infos.get(rule.table))
        if guarantee is not None:
            result.note = guarantee
            continue
        try:
            sql = rule.to_sql(session.dialect, relation, relations=relations)
        except UnsupportedRuleError as exc:
            result.status, result.error = "skipped", str(exc)
            continue
        condition = _condition(sql, session.dialect) if rule.code in _ROW_LEVEL else None
        if condition is not None and counted is not None and rule in counted:
            result.failed = counted[rule]
            if result.failed:
                single.append((result, sql))  # its sample rows, from the engine
        elif condition is not None:
            batched.setdefault(relation, []).append((result, sql, condition))
        else:
            single.append((result, sql))
    for relation, pending in batched.items():
        try:
            _counted(session, relation, pending)
        except Exception:
            single += [(result, sql) for result, sql, _cond in pending]
            continue
        single += [(result, sql) for result, sql, _cond in pending if result.failed]
    for result, sql in single:
        try:
            if not result.failed:
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
