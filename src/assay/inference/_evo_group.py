"""Similarity of tables and grouping of similar ones (e.g. files that are versions of one feed)."""

from __future__ import annotations

from assay.inference._evo_diff import flatten
from assay.inference._evo_merge import merge_tables
from assay.schema import Table


def similarity(a: Table, b: Table, *, paths_only: bool = False) -> float:
    """Jaccard index of the two tables' fields, nested members included.

    By default a field is its ``(path, kind)`` pair, so ``amount: integer`` and
    ``amount: float`` count as different; ``paths_only=True`` compares paths alone, which
    is the better choice when the same feed is known to drift in types.  Two tables with
    no fields at all are identical (1.0).
    """
    sa, sb = _signature(a, paths_only), _signature(b, paths_only)
    if not sa and not sb:
        return 1.0
    return len(sa & sb) / len(sa | sb)


def group(
    tables: list[Table], threshold: float = 0.6, *, paths_only: bool = False
) -> list[list[int]]:
    """Cluster tables by similarity; returns lists of indexes into ``tables``.

    Greedy and deterministic: tables are taken in order, each joins the cluster whose
    representative (the merge of its members so far) is most similar, if that similarity
    is at least ``threshold`` (ties go to the older cluster), else it starts a new one.
    Comparing with the merged representative rather than one member keeps a cluster from
    drifting along a chain of small changes and lets a later version match the union of
    earlier ones.
    """
    clusters: list[list[int]] = []
    representatives: list[Table] = []
    for i, table in enumerate(tables):
        best, best_score = -1, -1.0
        for c, rep in enumerate(representatives):
            score = similarity(table, rep, paths_only=paths_only)
            if score > best_score:
                best, best_score = c, score
        if best >= 0 and best_score >= threshold:
            clusters[best].append(i)
            representatives[best] = merge_tables(representatives[best], table)
        else:
            clusters.append([i])
            representatives.append(table)
    return clusters


def _signature(t: Table, paths_only: bool) -> set[tuple[str, str]]:
    fields = flatten(t.fields)
    return {(p, "" if paths_only else str(f.type.kind)) for p, f in fields.items()}
