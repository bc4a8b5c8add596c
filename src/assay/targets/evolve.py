"""Schema change between the table in the target and the data being loaded.

Compared column by column (Arrow types of the target, the incoming logical types):

- a new column → **compatible**: added as a nullable column;
- a wider type (``smallint`` → ``integer``, ``decimal(6,2)`` → ``decimal(9,2)``,
  integer → decimal, ``date`` → ``timestamp``) → **compatible**: the column is widened
  (the widening rules are inference's, :func:`assay.inference.evolution.widen`);
- a column the target requires but the data lacks, or a type of another family
  (integer → text, date → number) → **incompatible**.

``--on-schema-change`` decides what happens (default ``compatible``: apply compatible
changes, stop on incompatible ones with a message naming the columns):

- ``fail``: stop on any change;
- ``evolve``: apply everything the engine can (a column retyped to text, NOT NULL
  dropped); what it cannot still stops the load;
- ``reject-rows``: change nothing; each row is converted to the table as it is, and
  rows that do not fit (a value of the wrong type, a value for a column the table lacks,
  a missing required value) go to the rejects.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pyarrow as pa

from assay.errors import TargetError
from assay.inference.evolution import widen
from assay.quality.rules import columns
from assay.schema import Field, Table, TypeKind
from assay.targets.arrow_types import ArrowPolicy, ArrowTypes, logical_type
from assay.targets.base import Alteration, Capabilities, TableInfo

POLICIES = ("compatible", "fail", "evolve", "reject-rows")
_FAMILIES = {
    TypeKind.INTEGER: "number",
    TypeKind.DECIMAL: "number",
    TypeKind.FLOAT: "number",
    TypeKind.DATE: "time",
    TypeKind.DATETIME: "time",
}


class SchemaChangeError(TargetError):
    code = "schema_change"


@dataclass
class Evolution:
    alterations: list[Alteration] = field(default_factory=list)
    compatible: list[str] = field(default_factory=list)  # readable, for the summary
    incompatible: list[str] = field(default_factory=list)
    extra_columns: list[str] = field(default_factory=list)  # reject-rows: not in the table


def plan_evolution(
    table: str,
    info: TableInfo,
    incoming: Table,
    policy: str,
    capabilities: Capabilities,
    sql_type: object | None = None,
) -> Evolution:
    """The changes to apply (or the error to raise) before loading ``incoming``."""
    if policy not in POLICIES:
        raise SchemaChangeError(
            f"unknown --on-schema-change {policy!r}",
            hint="valid values are: " + ", ".join(POLICIES),
        )
    arrow = ArrowTypes(capabilities.arrow)
    existing = {f.name: f.type for f in info.arrow}
    out = Evolution()
    incoming_names = set()
    for f in columns(incoming):
        incoming_names.add(f.name)
        desired = arrow.visit(f.type)
        if f.name not in existing:
            out.compatible.append(f"new column {f.name} {f.type}")
            if policy == "reject-rows":
                out.extra_columns.append(f.name)
            else:
                out.alterations.append(
                    Alteration(f.name, "add", desired, _type_text(sql_type, f, desired))
                )
            continue
        current = existing[f.name]
        if _same(current, desired, capabilities.arrow):
            continue
        merged = widen(logical_type(current), f.type)
        wider = arrow.visit(merged)
        if _same(current, wider, capabilities.arrow):
            continue  # the column holds these values already (values that do not: rejects)
        what = f"{f.name}: {_show(current)} -> {_show(wider)}"
        same_family = _family(logical_type(current)) == _family(merged)
        if same_family and not capabilities.widen_types:
            what += " (this target cannot widen a column in place)"
        if same_family and capabilities.widen_types:
            out.compatible.append("wider " + what)
            if policy != "reject-rows":
                retyped = f.model_copy(update={"type": merged})
                out.alterations.append(
                    Alteration(f.name, "retype", wider, _type_text(sql_type, retyped, wider))
                )
        else:
            out.incompatible.append(what)
            if policy == "evolve" and capabilities.retype_to_text:
                text = Field(name=f.name, path=f.name, type=merged)
                out.alterations.append(
                    Alteration(f.name, "retype", wider, _type_text(sql_type, text, wider))
                )
    for name in info.required - incoming_names:
        out.incompatible.append(f"{name}: required in the table, missing from the data")
        if policy == "evolve":
            out.alterations.append(Alteration(name, "drop_not_null"))
    _decide(table, out, policy, capabilities)
    return out


def _decide(table: str, out: Evolution, policy: str, capabilities: Capabilities) -> None:
    if policy == "fail" and (out.compatible or out.incompatible):
        raise SchemaChangeError(
            f"table {table} would change ({'; '.join(out.compatible + out.incompatible)})",
            hint="--on-schema-change fail forbids any change; use compatible or evolve",
        )
    if policy in ("compatible", "evolve") and out.incompatible:
        applied = {a.column for a in out.alterations if a.action != "add"}
        left = [c for c in out.incompatible if c.split(":")[0] not in applied]
        if policy == "compatible" or left:
            raise SchemaChangeError(
                f"table {table}: incompatible change ({'; '.join(left or out.incompatible)})",
                hint="use --on-schema-change reject-rows to keep the table and reject rows "
                "that do not fit, evolve to change the table, or --mode replace",
            )
    if not capabilities.add_columns and any(a.action == "add" for a in out.alterations):
        raise SchemaChangeError(f"table {table}: this target cannot add columns")


def _same(a: pa.DataType, b: pa.DataType, policy: ArrowPolicy) -> bool:
    if a == b:
        return True
    text = (pa.types.is_string(a) or pa.types.is_large_string(a)) and (
        pa.types.is_string(b) or pa.types.is_large_string(b)
    )
    return text


def _family(t: object) -> str:
    kind = TypeKind(t.kind)  # type: ignore[attr-defined]
    return _FAMILIES.get(kind, kind.value)


_INTEGERS = {8: "tinyint", 16: "smallint", 32: "integer", 64: "bigint"}


def _show(t: pa.DataType) -> str:
    if pa.types.is_integer(t):
        return _INTEGERS.get(t.bit_width, str(t))
    return str(logical_type(t))


def _type_text(sql_type: object | None, f: Field, arrow: pa.DataType) -> str | None:
    if sql_type is None:
        return None
    return sql_type(f)  # type: ignore[operator]
