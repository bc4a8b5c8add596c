"""How the ``assay stage`` tables look to people: which columns, formatted how.

CSV and JSON output keep every column as the store has it; the ``table`` format shows a
chosen few, with sizes in kB/MB, local times, and file paths below the folder they share.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from contextvars import ContextVar
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.markup import escape

from assay.cli import tabular
from assay.cli.app import console

if TYPE_CHECKING:
    from assay.staging import overview

Column = tuple[str, Callable[[dict[str, Any]], Any]]


def show(
    rows: overview.Rows, fmt: str, title: str | None = None, human: list[Column] | None = None
) -> None:
    """``table``: the ``human`` columns (all when None); csv/json: every column."""
    names, data = rows
    if fmt != "table":
        tabular.write_rows(names, data, fmt)
        return
    if human is None:
        tabular.print_table(console, tabular.rich_table(names, data, title))
        return
    records = [dict(zip(names, row, strict=True)) for row in data]
    folder = _common_folder([r["uri"] for r in records if r.get("uri")])
    token = _FOLDER.set(folder)
    try:
        if title and folder:
            title += f" (in {escape(folder)})"
        tabular.print_table(
            console,
            tabular.rich_table(
                [header for header, _ in human],
                ([get(r) for _, get in human] for r in records),
                title,
            ),
        )
    finally:
        _FOLDER.reset(token)


_FOLDER: ContextVar[str] = ContextVar("folder", default="")


def _common_folder(uris: list[str]) -> str:
    """The folder all files share, shown once in the title instead of on every row."""
    if len(set(uris)) < 2 or not all(u.startswith("/") for u in uris):
        return ""
    common = os.path.commonpath(uris)
    if common in uris:  # one file is the whole prefix
        common = os.path.dirname(common)
    try:
        relative = str(Path(common).relative_to(Path.cwd()))
        return "" if relative == "." else common
    except ValueError:
        return common


def _short(uri: str | None) -> str:
    """The path below the common folder, or relative to the working directory."""
    if not uri:
        return ""
    folder = _FOLDER.get()
    if folder and uri.startswith(folder + "/"):
        return uri[len(folder) + 1 :]
    try:
        return str(Path(uri).relative_to(Path.cwd()))
    except ValueError:
        return uri


def _size(n: Any) -> str:
    if n is None:
        return ""
    value = float(n)
    for unit in ("B", "kB", "MB", "GB", "TB"):
        if value < 1000 or unit == "TB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return str(n)


def _when(value: Any) -> str:
    return value.astimezone().strftime("%Y-%m-%d %H:%M:%S") if value is not None else ""


PARTITIONS: list[Column] = [
    ("partition", lambda r: r["partition"]),
    ("files", lambda r: r["files"]),
    ("records", lambda r: r["records_staged"]),
    ("dup", lambda r: r["duplicates"]),
    ("quar", lambda r: r["quarantined"]),
    ("size", lambda r: _size(r["bytes"])),
    (
        "batches",
        lambda r: (
            f"{r['first_batch']}–{r['last_batch']}"
            if r["first_batch"] != r["last_batch"]
            else r["first_batch"]
        ),
    ),
]
FILES: list[Column] = [
    ("file", lambda r: _short(r["uri"])),
    ("v", lambda r: r["version"]),
    ("status", lambda r: r["status"] + (f" → {r['superseded_by']}" if r["superseded_by"] else "")),
    ("partition", lambda r: r["partitions"]),
    ("format", lambda r: r["format"]),
    ("size", lambda r: _size(r["bytes"])),
    ("records", lambda r: r["records_staged"]),
    ("dup", lambda r: r["duplicates"]),
    ("quar", lambda r: r["quarantined"]),
    ("batch", lambda r: r["batch"]),
]
BATCHES: list[Column] = [
    ("batch", lambda r: r["batch"]),
    ("status", lambda r: r["status"]),
    ("started", lambda r: _when(r["started_at"])),
    (
        "seconds",
        lambda r: (
            f"{(r['finished_at'] - r['started_at']).total_seconds():.1f}"
            if r["finished_at"] and r["started_at"]
            else ""
        ),
    ),
    ("files", lambda r: f"{r['files_staged']}/{r['files_total']}"),
    ("skipped", lambda r: r["files_skipped"]),
    ("failed", lambda r: r["files_failed"]),
    ("records", lambda r: r["records_staged"]),
    ("dup", lambda r: r["duplicates"]),
    ("quar", lambda r: r["quarantined"]),
    ("note", lambda r: r["error"]),
]
HISTORY: list[Column] = [
    ("batch", lambda r: r["batch"]),
    ("started", lambda r: _when(r["started_at"])),
    ("status", lambda r: r["status"]),
    ("files", lambda r: r["files_staged"]),
    ("changed", lambda r: r["files_replaced"]),
    ("skipped", lambda r: r["files_skipped"]),
    ("records", lambda r: r["records_staged"]),
    ("dup", lambda r: r["duplicates"]),
    ("quar", lambda r: r["quarantined"]),
    ("current records", lambda r: r["current_records"]),
]
QUARANTINE: list[Column] = [
    ("partition", lambda r: r["partition"]),
    ("file", lambda r: _short(r["uri"]) + (f"!{r['member']}" if r["member"] else "")),
    ("line", lambda r: r["line"]),
    ("code", lambda r: r["code"]),
    ("reason", lambda r: r["reason"]),
    ("raw", lambda r: r["raw"]),
]
SAMPLE: list[Column] = [
    ("partition", lambda r: r["partition"]),
    ("file:line", lambda r: f"{_short(r['uri']).rsplit('/', 1)[-1]}:{r['line_no'] or '?'}"),
    ("raw", lambda r: r["raw"]),
]
