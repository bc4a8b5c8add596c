"""Rich markup helpers that load rich only when a message is printed (start-up)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from assay.schema import Key


def escape(text: str) -> str:
    """``rich.markup.escape``: text shown as is, not read as markup."""
    from rich.markup import escape as rich_escape

    return rich_escape(text)


def key_label(key: Key | None, none: str = "none found") -> str:
    """A table's primary key for a title, with what breaks it when it is not clean
    (``customer_id (1 violation: 1069)``): a key that is not quite unique is a finding,
    not a detail of the JSON output."""
    if key is None:
        return none
    label = ", ".join(key.fields)
    evidence = key.evidence
    if evidence is not None and evidence.violating:
        n = evidence.violating
        what = f"{n:,} violation{'s' if n != 1 else ''}"
        examples = ", ".join(str(v) for v in evidence.examples[:3])
        label += f" ({what}: {examples})" if examples else f" ({what})"
    return label
