"""Split a wide table's columns into chunks that fit a prompt's token budget.

Related columns are kept together, because a model describes ``ship_street``,
``ship_city`` and ``ship_zip`` better side by side: columns are grouped by their
nested parent (``shipping.geo.lat`` → ``shipping``) or, for flat names, by a prefix
before ``_`` that several columns share.  Groups are packed greedily, in column order,
into chunks under the budget and a column cap (a model's answer grows with every
column); a group too big for one chunk is split.

Token counts are estimated as characters / 4, which is close for English-like text
and errs on the safe side for JSON.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")

CHARS_PER_TOKEN = 4


def estimate_tokens(text: str) -> int:
    return len(text) // CHARS_PER_TOKEN + 1


def group_key(path: str, shared: set[str]) -> str:
    """The group a column belongs to: its top-level parent, or a shared name prefix."""
    top = path.split(".", 1)[0].split("[", 1)[0]
    if top != path:
        return top
    prefix = path.split("_", 1)[0].lower()
    return prefix if "_" in path and prefix in shared else path


def groups(paths: Sequence[str]) -> list[list[int]]:
    """Indices of ``paths`` grouped by :func:`group_key`, groups in first-seen order."""
    counts: dict[str, int] = {}
    for path in paths:
        if "_" in path and "." not in path:
            prefix = path.split("_", 1)[0].lower()
            counts[prefix] = counts.get(prefix, 0) + 1
    shared = {p for p, n in counts.items() if n >= 2}
    out: dict[str, list[int]] = {}
    for i, path in enumerate(paths):
        out.setdefault(group_key(path, shared), []).append(i)
    return list(out.values())


def chunk(
    items: Sequence[T],
    path: Callable[[T], str],
    cost: Callable[[T], int],
    *,
    budget: int,
    max_items: int,
) -> list[list[T]]:
    """Chunks of ``items`` (each ≤ ``budget`` tokens and ≤ ``max_items`` items, except a
    single item that alone exceeds the budget), related items together, order kept
    within each chunk."""
    if budget < 1 or max_items < 1:
        raise ValueError("budget and max_items must be positive")
    chunks: list[list[T]] = []
    current: list[T] = []
    used = 0
    for group in groups([path(item) for item in items]):
        members = [items[i] for i in group]
        size = sum(cost(m) for m in members)
        fits = used + size <= budget and len(current) + len(members) <= max_items
        if current and not fits and size <= budget and len(members) <= max_items:
            chunks.append(current)  # start the group on a fresh chunk, whole
            current, used = [], 0
        for member in members:
            c = cost(member)
            if current and (used + c > budget or len(current) >= max_items):
                chunks.append(current)
                current, used = [], 0
            current.append(member)
            used += c
    if current:
        chunks.append(current)
    return chunks
