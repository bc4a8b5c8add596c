"""Table and schema merging: the schema of the union of two inputs, without re-reading them.

Fields match by path and keep first-seen order; row counts add and weight every
frequency.  Keys survive only when both sides declare the same columns, since neither
side alone can vouch for uniqueness across the union (see ``Key`` confidence: the lower
one is kept).
"""

from __future__ import annotations

from operator import attrgetter

from assay.inference._evo_fields import first, merge_members, union
from assay.inference._evo_types import agree
from assay.schema import Key, Relationship, Schema, Table


def merge_tables(a: Table, b: Table) -> Table:
    """The table a reader of both inputs would have seen (name taken from ``a``)."""
    weights = (a.row_count, b.row_count)
    return Table(
        name=a.name,
        sources=union(a.sources, b.sources),
        row_count=a.row_count + b.row_count,
        fields=merge_members(a.fields, b.fields, weights, key=attrgetter("path")),
        primary_key=_key(a.primary_key, b.primary_key),
        candidate_keys=_keys(a.candidate_keys, b.candidate_keys),
        description=first(a.description, b.description),
        evidence=union(a.evidence, b.evidence),
    )


def merge_schemas(a: Schema, b: Schema) -> Schema:
    """Tables matched by name (first-seen order); a table on one side only is kept as is."""
    tables = {t.name: t for t in a.tables}
    for t in b.tables:
        tables[t.name] = merge_tables(tables[t.name], t) if t.name in tables else t
    return Schema(
        version=a.version,
        tables=tuple(tables.values()),
        relationships=_relationships(a.relationships, b.relationships),
    )


def _key(x: Key | None, y: Key | None) -> Key | None:
    if x is None or y is None or x.fields != y.fields:
        return None
    return Key(
        fields=x.fields,
        confidence=min(x.confidence, y.confidence),
        evidence=agree(x.evidence, y.evidence),
    )


def _keys(xs: tuple[Key, ...], ys: tuple[Key, ...]) -> tuple[Key, ...]:
    by_fields = {k.fields: k for k in ys}
    merged = (_key(k, by_fields.get(k.fields)) for k in xs)
    return tuple(k for k in merged if k is not None)


def _relationships(
    xs: tuple[Relationship, ...], ys: tuple[Relationship, ...]
) -> tuple[Relationship, ...]:
    """Union of foreign keys; one found on both sides keeps the lower confidence/coverage."""

    def ident(r: Relationship) -> tuple[object, ...]:
        return (r.from_table, r.from_fields, r.to_table, r.to_fields)

    out: dict[tuple[object, ...], Relationship] = {}
    for r in (*xs, *ys):
        seen = out.get(ident(r))
        if seen is None:
            out[ident(r)] = r
        else:
            out[ident(r)] = seen.model_copy(
                update={
                    "confidence": min(seen.confidence, r.confidence),
                    "coverage": min(seen.coverage, r.coverage),
                    "evidence": agree(seen.evidence, r.evidence),
                }
            )
    return tuple(out.values())
