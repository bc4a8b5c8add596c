"""Which table each input file belongs to: configured rules, then name and schema.

A drop of files is a dataset: ``customers.csv``, ``orders_2024-01.jsonl``,
``orders_2024-02.jsonl`` are two tables, not three. The order of decisions:

1. the first configured rule whose glob matches the file name, or its path below the
   source, names the table;
2. otherwise files whose names differ only by a trailing date, number or ``part-N``
   (``orders_2024-01``, ``orders_2024-02``) and whose columns are at least
   ``similarity`` alike (Jaccard over column names) form one table named by the common
   stem; files that are not alike keep their own names;
3. everything else is named after the file (the sources layer's stream name).

Files holding several tables (workbook sheets, archive members) keep one table per
stream. The result is deterministic: it depends on names and columns, not on order.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import PurePosixPath

_SUFFIX = re.compile(
    r"(?:[_\-. ]?(?:part|chunk|batch|page)?[_\-]?\d+"  # _001, -part-3, .2
    r"|[_\-. ](?:\d{4}[_\-]?\d{2}(?:[_\-]?\d{2})?(?:[tT_\-]?\d{2,6})?))$"  # _2024-01-05
)


@dataclass(frozen=True)
class FileColumns:
    """One input file: its URI, the source it was found under, its streams' names and
    columns (from detection, without reading the data)."""

    uri: str
    source: str
    streams: tuple[tuple[str, tuple[str, ...]], ...]  # (stream name, column names)


@dataclass(frozen=True)
class Rule:
    match: str
    table: str


@dataclass
class Grouping:
    """``tables``: table name -> the URIs of its files; ``partitions``: the URIs whose
    table differs from their stream's own name (what staging must be told)."""

    tables: dict[str, list[str]] = field(default_factory=dict)
    partitions: dict[str, str] = field(default_factory=dict)
    reasons: dict[str, str] = field(default_factory=dict)  # table -> how it was formed


def stem(name: str) -> str:
    """A stream name without its trailing date, number or part suffix (``orders``)."""
    current = name
    while True:
        stripped = _SUFFIX.sub("", current)
        if stripped == current or not stripped:
            return current
        current = stripped


def similarity(a: Sequence[str], b: Sequence[str]) -> float:
    """Jaccard similarity of two column-name sets (case-insensitive)."""
    left, right = {c.lower() for c in a}, {c.lower() for c in b}
    if not left and not right:
        return 1.0
    return len(left & right) / len(left | right)


def group(
    files: Sequence[FileColumns],
    rules: Sequence[Rule] = (),
    *,
    by_schema: bool = True,
    threshold: float = 0.8,
) -> Grouping:
    out = Grouping()
    candidates: dict[str, list[FileColumns]] = {}
    for f in sorted(files, key=lambda f: f.uri):
        ruled = _rule_for(f, rules)
        if ruled is not None:
            _assign(out, ruled.table, f, f"rule {ruled.match!r}")
            continue
        if len(f.streams) != 1 or not by_schema:
            for name, _columns in f.streams:
                _assign(out, name, f, "file name", stream=name)
            continue
        candidates.setdefault(stem(f.streams[0][0]), []).append(f)
    for common, members in sorted(candidates.items()):
        for cluster in _clusters(members, threshold):
            own = cluster[0].streams[0][0]
            if len(cluster) == 1:
                _assign(out, own, cluster[0], "file name", stream=own)
                continue
            for f in cluster:
                _assign(out, common, f, f"{len(cluster)} files named {common}* with alike columns")
    return out


def _rule_for(f: FileColumns, rules: Sequence[Rule]) -> Rule | None:
    name = PurePosixPath(f.uri).name
    below = f.uri[len(f.source) :].lstrip("/") if f.uri.startswith(f.source) else name
    for rule in rules:
        if fnmatch.fnmatchcase(name, rule.match) or fnmatch.fnmatchcase(below, rule.match):
            return rule
    return None


def _clusters(members: list[FileColumns], threshold: float) -> list[list[FileColumns]]:
    """Greedy single-link clusters in URI order: a file joins the first cluster whose
    first file's columns are alike enough."""
    clusters: list[list[FileColumns]] = []
    for f in members:
        columns = f.streams[0][1]
        for cluster in clusters:
            if similarity(cluster[0].streams[0][1], columns) >= threshold:
                cluster.append(f)
                break
        else:
            clusters.append([f])
    return clusters


def _assign(
    out: Grouping, table: str, f: FileColumns, reason: str, stream: str | None = None
) -> None:
    uris = out.tables.setdefault(table, [])
    if f.uri not in uris:
        uris.append(f.uri)
    out.reasons.setdefault(table, reason)
    if stream is None or stream != table:
        out.partitions[f.uri] = table
