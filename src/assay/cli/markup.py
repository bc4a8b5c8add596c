"""Rich markup helpers that load rich only when a message is printed (start-up)."""

from __future__ import annotations


def escape(text: str) -> str:
    """``rich.markup.escape``: text shown as is, not read as markup."""
    from rich.markup import escape as rich_escape

    return rich_escape(text)
