"""Render a :class:`RunReport` as one self-contained HTML file.

Jinja2 with autoescaping on for everything: the report shows values from the user's
data (sample rows, top values, names, error messages) and any of them may hold
``<script>`` or quotes; nothing reaches the page unescaped, and no template marks
data as safe.  A Content-Security-Policy that forbids scripts and every external
load backs this up: the file opens from disk, offline, and cannot phone home.
CSS is inline and the charts are inline SVG.  The output depends only on the model.
"""

from __future__ import annotations

import os
import re
from functools import cache
from pathlib import Path
from typing import Any

import jinja2

from assay.redaction import redact_uri
from assay.report import charts
from assay.report.model import RunReport
from assay.schema import Field, Table


@cache
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("assay.report", "templates"),
        autoescape=True,  # every {{ }} is HTML-escaped, in .html and .css alike
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(
        value=charts.value_text,
        number=charts.number,
        duration=charts.duration,
        when=_when,
        percent=_percent,
        redact=redact_uri,
    )
    env.globals.update(
        histogram=charts.histogram,
        top_values=charts.top_values,
        timeline=charts.timeline,
        accounting=charts.accounting,
        field_notes=field_notes,
        provenance=provenance,
        key_text=key_text,
        sample_columns=sample_columns,
    )
    return env


def render_report(report: RunReport) -> str:
    """The report as HTML text (deterministic: the same model gives the same text)."""
    template = _environment().get_template("report.html.j2")
    anchors = _anchors(report)
    return template.render(report=report, totals=report.totals(), anchors=anchors)


def write_report(report: RunReport, path: str | Path) -> Path:
    """Write the report atomically (a reader never sees half a file); returns the path."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    text = render_report(report)
    # Not mkstemp: its 0600 mode would make the report unreadable to the team.
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return target


def _anchors(report: RunReport) -> dict[str, str]:
    """A safe, unique id per table name (names are data: never used as ids as they are)."""
    result: dict[str, str] = {}
    for i, entry in enumerate(report.tables):
        slug = re.sub(r"[^a-z0-9]+", "-", entry.table.name.lower()).strip("-")[:40]
        result[entry.table.name] = f"table-{i + 1}-{slug}" if slug else f"table-{i + 1}"
    return result


def _when(value: Any) -> str:
    if value is None:
        return "–"
    text = value.isoformat(sep=" ", timespec="seconds")
    return text.replace("+00:00", " UTC")


def _percent(part: float, whole: float) -> str:
    if not whole:
        return "–"
    share = part / whole
    if 0 < share < 0.001:
        return "<0.1%"
    return f"{share:.1%}"


def field_notes(field: Field) -> list[str]:
    """What a reader should know about a field's decisions (as ``assay infer`` notes them):
    values that did not fit, why a type was kept as text, null tokens, hints, enums."""
    notes = []
    for e in field.evidence:
        examples = ", ".join(charts.value_text(v, 30) for v in e.examples[:3])
        if e.decision == "type" and e.violating and e.rule.startswith("tolerance"):
            notes.append(f"{e.violating:,} value(s) do not fit the type, e.g. {examples}")
        elif e.decision == "type" and e.rule.startswith("below-tolerance"):
            notes.append(f"{e.note}; {e.violating:,} values, e.g. {examples}")
        elif e.decision == "nullable" and e.rule == "null-tokens":
            notes.append(f"null tokens {e.note}")
        elif e.note and e.rule not in ("all-conform", "validated") and e.decision != "format":
            notes.append(str(e.note))
    notes.extend(field.hints)
    if field.constraints is not None and field.constraints.enum:
        values = ", ".join(charts.value_text(v, 30) for v in field.constraints.enum[:8])
        more = len(field.constraints.enum) - 8
        notes.append(f"one of: {values}" + (f" (+{more} more)" if more > 0 else ""))
    return notes


def provenance(field: Field) -> str:
    if not field.provenance:
        return "inference"
    return ", ".join(p.source + (f" ({p.detail})" if p.detail else "") for p in field.provenance)


def key_text(table: Table) -> str:
    return ", ".join(table.primary_key.fields) if table.primary_key else "–"


def sample_columns(samples: tuple[dict[str, Any], ...]) -> list[str]:
    """The columns of sample rows, in first-seen order (rows may differ in keys)."""
    return list(dict.fromkeys(key for sample in samples for key in sample))
