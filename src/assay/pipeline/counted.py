"""Failing rows of row-level rules, counted on the batches a load writes.

When a load fills a table that was empty (append to an empty table, or replace), the
table afterwards holds exactly the batches written by the units that committed.  The
rows failing a row-level rule there are then the sum of the rows failing it in those
batches, so :class:`RuleCounts` counts them while the engine stores the rows, and the
check after the load needs no scan of its own for them (only a rule that failed still
asks the engine for its sample rows).  Counts of a unit that rolled back are dropped.

Rules the batches cannot count exactly (see :func:`assay.quality.arrow.countable`),
columns the engine does not store as converted, merges and tables that held rows
before are left to the SQL scan.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pyarrow as pa

from assay.quality.arrow import Counter, countable

if TYPE_CHECKING:
    from assay.quality import Rule
    from assay.targets.base import TableInfo, TablePlan, Target


class RuleCounts:
    """Per rule: rows failing it in the committed units' written batches."""

    def __init__(self, rules: list[Rule], exact: frozenset[str]) -> None:
        self.rules = [r for r in rules if len(r.columns) == 1 and r.columns[0] in exact]
        self.counters: dict[Rule, tuple[str, Counter]] | None = None
        self.total: dict[Rule, int] = {}
        self.unit: dict[Rule, int] = {}

    @classmethod
    def of(
        cls, target: Target, plan: TablePlan, info: TableInfo, rules: list[Rule]
    ) -> RuleCounts | None:
        """Counting for this table's load, or ``None`` when the table is not filled
        from empty by this load alone."""
        if plan.mode not in ("append", "replace") or info.rows != 0:
            return None
        exact = target.stored_as_converted(plan.name)
        return cls(rules, exact) if exact else None

    def _counters(self, schema: pa.Schema) -> dict[Rule, tuple[str, Counter]]:
        counters = {}
        for rule in self.rules:
            column = rule.columns[0]
            if column in schema.names:
                counter = countable(rule, schema.field(column).type)
                if counter is not None:
                    counters[rule] = (column, counter)
        return counters

    def add(self, batch: pa.RecordBatch) -> None:
        """Count a batch as written (the rows the engine stores)."""
        if self.counters is None:
            self.counters = self._counters(batch.schema)
            self.schema = batch.schema
        elif not batch.schema.equals(self.schema):  # types changed mid-load: give up
            self.counters = {}
            self.total.clear()
        try:
            for rule, (column, count) in self.counters.items():
                self.unit[rule] = self.unit.get(rule, 0) + count(batch.column(column))
        except (pa.ArrowException, ValueError, TypeError, ArithmeticError):
            self.counters = {}  # a comparison Arrow cannot make: the scan counts them all

    def commit(self) -> None:
        for rule, failed in self.unit.items():
            self.total[rule] = self.total.get(rule, 0) + failed
        self.unit = {}

    def discard(self) -> None:
        self.unit = {}

    def counts(self) -> dict[Rule, int]:
        """Rule → failing rows, for every rule counted (zero included); keyed by the
        whole rule, so a check with other bounds or values is never given these."""
        if self.counters is None:  # nothing written: every countable rule has 0 failures
            return {}
        return {rule: self.total.get(rule, 0) for rule in self.counters}


__all__ = ["RuleCounts"]
