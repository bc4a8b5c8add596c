"""Planning one table's load against the target: mode, key, schema change, new schema."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pyarrow as pa

from assay.errors import TargetError, UsageError
from assay.pipeline.resolve import StreamRef, TableJob
from assay.quality.rules import columns
from assay.targets.arrow_types import ArrowTypes
from assay.targets.base import TablePlan, Target
from assay.targets.evolve import plan_evolution
from assay.targets.ledger import fingerprint, unit_id

if TYPE_CHECKING:
    from assay.pipeline.loading import LoadOptions


def plan_table(
    target: Target, job: TableJob, options: LoadOptions, load_id: str
) -> tuple[TablePlan, list[str], list[str]]:
    """How to load ``job``'s table: mode, key, schema changes, the Arrow schema of a new
    table.  Returns the plan, columns without a home (reject-rows) and the changes."""
    o, t, table = options, target, job.table
    name = table.name
    info = t.describe(name) if o.mode != "replace" else None
    key = tuple(o.key) or (table.primary_key.fields if table.primary_key else ())
    known = {f.name for f in columns(table)}
    missing = [k for k in key if k not in known]
    if missing:
        raise UsageError(f"table {name}: no column {missing[0]!r} for --key")
    if o.mode == "merge":
        if not key:
            raise UsageError(f"table {name}: --mode merge needs --key COLS or a primary key")
        if not t.capabilities.merge:
            raise TargetError(f"{t.title} cannot merge: use append or replace")
    if o.mode == "create" and info is not None:
        ours = {unit_of(table.name, ref)[0] for ref in job.streams}
        done = t.units(name)
        if not done or not set(done) <= ours:
            raise TargetError(
                f"table {name} already exists in {t.uri.display}",
                hint="use --mode append, replace or merge",
            )
    extra: list[str] = []
    changes: list[str] = []
    alterations: tuple = ()
    if info is not None:
        d = getattr(t, "sql_dialect", None)
        sql_type = (lambda f: d.type_text(f)) if d else None
        evolution = plan_evolution(name, info, table, o.on_schema_change, t.capabilities, sql_type)
        alterations = tuple(evolution.alterations)
        extra = evolution.extra_columns
        changes = evolution.compatible + evolution.incompatible
    arrow = None
    if info is None:
        policy = t.capabilities.arrow
        pk = set(key)
        arrow = pa.schema(
            [
                pa.field(f.name, ArrowTypes(policy, key=f.name in pk).visit(f.type))
                for f in columns(table)
            ]
        )
    plan = TablePlan(
        name=name,
        table=table,
        mode=o.mode,  # type: ignore[arg-type]
        load_id=load_id,
        key=key,
        exists=info is not None,
        alterations=alterations,
        partition_by=tuple(o.partition_by),
        arrow=arrow,
    )
    return plan, extra, changes


def unit_of(table: str, ref: StreamRef) -> tuple[str, str]:
    """The unit id and fingerprint of one source stream loaded into ``table``."""
    fp = fingerprint(ref.uri, ref.member, ref.sheet)
    source = (
        ref.uri + (f"#{ref.member}" if ref.member else "") + (f"#{ref.sheet}" if ref.sheet else "")
    )
    return unit_id(table, source, fp), fp
