"""Candidate primary keys per table and foreign keys across the tables of a dataset.

A key candidate is a top-level scalar column that is never null and (nearly) unique:
real exports repeat a record now and then, so up to ``max(2, 0.1 %)`` duplicated values
are tolerated and reported as evidence — the loader's dedup and rejects deal with them.
A foreign key is a column whose distinct values are (nearly) all found in another
table's key column and whose name relates to it (``orders.customer_id`` →
``customers.customer_id`` or ``customers.id``); values are compared as text, so a CSV
``"1001"`` matches a JSON ``1001``.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from assay.inference.table_profile import TableProfile
from assay.schema import Evidence, Key, Relationship, Table, TypeKind

KEY_KINDS = {TypeKind.INTEGER, TypeKind.STRING, TypeKind.DATE, TypeKind.DATETIME, TypeKind.DECIMAL}
MIN_COVERAGE = 0.99
MIN_CONFIDENCE = 0.75


def _duplicates_allowed(rows: int) -> int:
    return max(2, rows // 1000)


def find_keys(table: Table, profile: TableProfile) -> Table:
    rows = table.row_count
    candidates: list[Key] = []
    for f in table.fields:
        kind = TypeKind(f.type.kind)
        stats = f.stats
        if kind not in KEY_KINDS or stats is None or stats.distinct is None or rows < 2:
            continue
        if f.nullable or stats.nulls or stats.count != rows:
            continue
        duplicates = rows - stats.distinct
        if stats.distinct_exact:
            if duplicates > _duplicates_allowed(rows) or duplicates < 0:
                continue
            repeated = [str(v) for v, c in profile.columns[f.path].counts.top(5) if c > 1]
            confidence = round(stats.distinct / rows, 6)
            note = f"{duplicates} duplicated value(s)" if duplicates else None
        else:
            # HyperLogLog estimate: unique within its error (~1 %).
            if stats.distinct < 0.98 * rows:
                continue
            repeated, confidence, note = [], 0.95, "distinct count estimated (HyperLogLog)"
        evidence = Evidence(
            decision="primary_key",
            rule="unique-not-null",
            conforming=stats.distinct,
            violating=max(duplicates, 0) if stats.distinct_exact else 0,
            examples=tuple(repeated),
            confidence=confidence,
            note=note,
        )
        candidates.append(Key(fields=(f.path,), confidence=confidence, evidence=evidence))
    candidates.sort(key=lambda k: (-_key_rank(k.fields[0], table.name), table_index(table, k)))
    primary = candidates[0] if candidates else None
    return table.model_copy(update={"primary_key": primary, "candidate_keys": tuple(candidates)})


def table_index(table: Table, key: Key) -> int:
    return [f.path for f in table.fields].index(key.fields[0])


def _key_rank(name: str, table: str) -> int:
    """Higher for names that say 'identifier', highest for '<table>_id' and 'id'."""
    lower = name.lower()
    singular = table.lower().rstrip("s")
    if lower in ("id", f"{singular}_id", f"{singular}id", f"{table.lower()}_id"):
        return 3
    if lower.endswith(("_id", "id", "_key", "_uuid", "_code", "_no", "_number")):
        return 2
    return 0


def find_relationships(
    tables: list[Table], profiles: dict[str, TableProfile]
) -> list[Relationship]:
    parents = []
    for table in tables:
        if table.primary_key is None or len(table.primary_key.fields) != 1:
            continue
        path = table.primary_key.fields[0]
        values = _text_values(profiles[table.name], path)
        if values is not None:
            parents.append((table, path, values))
    found: list[Relationship] = []
    for child in tables:
        for f in child.fields:
            kind = TypeKind(f.type.kind)
            if kind not in KEY_KINDS or f.stats is None or not f.stats.distinct:
                continue
            values = None
            for parent, parent_path, parent_values in parents:
                if parent.name == child.name:
                    continue
                name_score = _name_score(f.path, parent.name, parent_path)
                if name_score == 0:
                    continue
                if values is None:
                    values = _text_values(profiles[child.name], f.path)
                    if values is None or len(values) == 0:
                        break
                inside = pc.sum(pc.is_in(values, value_set=parent_values)).as_py() or 0
                coverage = inside / len(values)
                confidence = round(coverage * name_score, 6)
                if coverage < MIN_COVERAGE or confidence < MIN_CONFIDENCE:
                    continue
                missing = pc.filter(values, pc.invert(pc.is_in(values, value_set=parent_values)))
                found.append(
                    Relationship(
                        from_table=child.name,
                        from_fields=(f.path,),
                        to_table=parent.name,
                        to_fields=(parent_path,),
                        confidence=confidence,
                        coverage=round(coverage, 6),
                        evidence=Evidence(
                            decision="foreign_key",
                            rule="inclusion+name",
                            conforming=inside,
                            violating=len(values) - inside,
                            examples=tuple(missing[:5].to_pylist()),
                            confidence=confidence,
                        ),
                    )
                )
    found.sort(key=lambda r: (r.from_table, r.from_fields, r.to_table))
    return found


def _name_score(child: str, parent_table: str, parent_column: str) -> float:
    c = child.lower()
    p = parent_column.lower()
    singular = parent_table.lower().removesuffix("s")
    if c == p and p != "id":
        return 1.0
    if p == "id" and c in (f"{singular}_id", f"{singular}id", f"{parent_table.lower()}_id"):
        return 1.0
    if c.endswith("_" + p) and p != "id":
        return 0.9
    return 0.0


def _text_values(profile: TableProfile, path: str) -> pa.Array | None:
    column = profile.columns.get(path)
    if column is None or not column.counts.exact or column.counts.distinct_values is None:
        return None
    values = column.counts.values
    if not pa.types.is_string(values.type):
        values = pc.cast(values, pa.string())
    return pc.utf8_trim_whitespace(values)


COMPOSITE_MAX_ROWS = 5_000_000
COMPOSITE_MAX_COLUMNS = 6


def composite_candidates(table: Table) -> list[tuple[str, ...]]:
    """Column pairs (then triples) that could be a key, most plausible first.

    Only never-null scalar columns take part, and only combinations whose distinct
    counts multiply to at least the row count.
    """
    rows = table.row_count
    columns = [
        f
        for f in table.fields
        if TypeKind(f.type.kind) in KEY_KINDS | {TypeKind.BOOLEAN}
        and f.stats is not None
        and not f.nullable
        and f.stats.count == rows
        and (f.stats.distinct or 0) > 1
    ]
    columns.sort(
        key=lambda f: (-_key_rank(f.path, table.name), [c.path for c in table.fields].index(f.path))
    )
    columns = columns[:COMPOSITE_MAX_COLUMNS]
    out: list[tuple[str, ...]] = []
    for size in (2, 3):
        for combo in _combinations(columns, size):
            product = 1
            for f in combo:
                product *= f.stats.distinct or 1  # type: ignore[union-attr]
            if product >= rows:
                out.append(tuple(f.path for f in combo))
    return out


def _combinations(items: list, size: int) -> list[tuple]:  # type: ignore[type-arg]
    from itertools import combinations

    return list(combinations(items, size))


def check_composite(
    table: Table, batches: Iterable[pa.RecordBatch], candidates: list[tuple[str, ...]]
) -> Table:
    """Verify candidate combinations on the data (a second pass) and keep the first unique one."""
    if table.primary_key is not None or not candidates or table.row_count > COMPOSITE_MAX_ROWS:
        return table
    hashes: dict[tuple[str, ...], list[np.ndarray]] = {c: [] for c in candidates}
    for batch in batches:
        for combo in candidates:
            if not all(name in batch.schema.names for name in combo):
                continue
            arrays = {
                f"c{i}": pc.cast(batch.column(name), pa.string()) for i, name in enumerate(combo)
            }
            hashes[combo].append(_row_hashes(arrays))
    rows = table.row_count
    for combo in candidates:
        if not hashes[combo]:
            continue
        values = np.concatenate(hashes[combo])
        distinct = len(np.unique(values))
        duplicates = rows - distinct
        if 0 <= duplicates <= _duplicates_allowed(rows):
            confidence = round(distinct / rows, 6)
            key = Key(
                fields=combo,
                confidence=confidence,
                evidence=Evidence(
                    decision="primary_key",
                    rule="unique-combination",
                    conforming=distinct,
                    violating=duplicates,
                    confidence=confidence,
                    note="verified on every row in a second pass",
                ),
            )
            return table.model_copy(
                update={"primary_key": key, "candidate_keys": (*table.candidate_keys, key)}
            )
    return table


def _row_hashes(arrays: dict[str, pa.Array]) -> np.ndarray:
    from assay.inference.sketches import _connection

    connection = _connection()
    connection.register("rows", pa.table(arrays))
    try:
        columns = ", ".join(arrays)
        return np.asarray(
            connection.execute(f"SELECT hash({columns}) AS h FROM rows").fetchnumpy()["h"],
            dtype=np.uint64,
        )
    finally:
        connection.unregister("rows")
