"""Checks of suggested primary keys and references (foreign keys)."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from assay.inference.profile import DEFAULT_NULL_TOKENS
from assay.refinement.data import TableSample
from assay.refinement.verdict import Verdict, accept, kind_of, present_text, reject
from assay.schema import Field, Table

REFERENCE_MIN_COVERAGE = 0.99


def check_primary_key(table: Table, columns: tuple[str, ...], sample: TableSample) -> Verdict:
    if not columns:
        return accept("unchanged")
    paths = {f.path: f for f in table.fields}
    unknown = [c for c in columns if c not in paths]
    if unknown:
        return reject(f"{', '.join(unknown)} is not a top-level column of {table.name}")
    nested = [c for c in columns if kind_of(paths[c]) in ("object", "array")]
    if nested:
        return reject(f"{', '.join(nested)} holds objects or arrays, not key values")
    if table.primary_key is not None:
        if tuple(table.primary_key.fields) == columns:
            return accept("unchanged")
        return reject(f"the table already has the key {', '.join(table.primary_key.fields)}")
    if len(columns) == 1:
        f = table.field(columns[0])
        s = f.stats
        if s is not None and s.distinct_exact and s.nulls == 0 and s.count == table.row_count:
            if s.distinct == s.count:
                return accept(f"{s.count} rows, {s.distinct} distinct values, no nulls", columns)
            return reject(f"{s.count - (s.distinct or 0)} duplicate value(s) in {columns[0]}")
    if not sample.complete:
        return reject("uniqueness cannot be confirmed without reading every row")
    arrays = [sample.values(c) for c in columns]
    if any(a is None for a in arrays):
        return reject("some key column has no values")
    tokens = pa.array(list(DEFAULT_NULL_TOKENS), pa.string())
    texts = []
    for c, a in zip(columns, arrays, strict=True):
        text = a.cast(pa.string())
        nulls = pc.sum(pc.or_(pc.is_null(text), pc.is_in(text, value_set=tokens))).as_py() or 0
        if nulls:
            return reject(f"{c} has {nulls} null value(s)")
        texts.append(text)
    keys = pa.table({f"k{i}": t for i, t in enumerate(texts)})
    distinct = keys.group_by(keys.column_names).aggregate([]).num_rows
    if distinct != keys.num_rows:
        return reject(f"{keys.num_rows - distinct} duplicate key(s) in {sample.describe()}")
    return accept(f"unique and never null in {sample.describe()}", columns)


def check_reference(
    child: Field, child_sample: TableSample, parent: Field, parent_sample: TableSample
) -> tuple[Verdict, float]:
    """Are ``child``'s values found in ``parent``'s?  Returns the verdict and coverage."""
    if not parent_sample.complete:
        return reject(
            f"the referenced table cannot be read in full ({parent_sample.describe()})"
        ), 0.0
    left = present_text(child_sample, child.path) if child_sample.available else None
    right = present_text(parent_sample, parent.path)
    if left is None or right is None or len(left) == 0:
        return reject("no values to confirm it"), 0.0
    distinct = pc.unique(pc.utf8_trim_whitespace(left))
    found = pc.is_in(distinct, value_set=pc.unique(pc.utf8_trim_whitespace(right)))
    hits = pc.sum(found).as_py() or 0
    coverage = hits / len(distinct)
    if coverage < REFERENCE_MIN_COVERAGE:
        missing = tuple(distinct.filter(pc.invert(found))[:3].to_pylist())
        return reject(
            f"{len(distinct) - hits} of {len(distinct)} distinct values are not in "
            f"{parent.path}, e.g. {', '.join(map(repr, missing))}",
            examples=missing,
        ), coverage
    return accept(f"{hits} of {len(distinct)} distinct values found"), coverage
