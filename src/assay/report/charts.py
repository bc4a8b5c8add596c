"""Geometry of the report's small charts, as numbers and labels (no markup).

The template draws these as inline SVG; keeping the arithmetic here keeps the
template readable and lets labels (values from the data) reach the page only through
the template's escaping.  Coordinates are rounded to 0.1 px so output is stable.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from assay.report.model import RowAccounting, StageEntry
    from assay.schema import Histogram


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    title: str  # tooltip
    label: str = ""
    css: str = ""


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    bars: tuple[Bar, ...]
    low: str = ""  # axis labels
    high: str = ""


def _r(value: float) -> float:
    return round(value, 1)


def histogram(hist: Histogram, *, width: int = 160, height: int = 40) -> Chart | None:
    """Vertical bars, one per bin, heights relative to the fullest bin."""
    counts = list(hist.counts)
    if not counts or len(hist.edges) != len(counts) + 1 or max(counts) <= 0:
        return None
    peak, step = max(counts), width / len(counts)
    bars = []
    for i, count in enumerate(counts):
        h = height * count / peak
        low, high = number(hist.edges[i]), number(hist.edges[i + 1])
        bars.append(
            Bar(
                x=_r(i * step),
                y=_r(height - h),
                width=_r(max(step - 1, 0.5)),
                height=_r(h),
                title=f"{low} – {high}: {count:,}",
            )
        )
    return Chart(width, height, tuple(bars), number(hist.edges[0]), number(hist.edges[-1]))


def top_values(
    values: tuple[tuple[Any, int], ...], total: int, *, limit: int = 5, width: int = 160
) -> Chart | None:
    """Horizontal bars for the most frequent values, lengths relative to ``total`` rows."""
    shown = values[:limit]
    if not shown:
        return None
    peak = max(total, max(c for _, c in shown), 1)
    row, bars = 14, []
    for i, (value, count) in enumerate(shown):
        label = value_text(value, limit=24)
        share = count / peak
        bars.append(
            Bar(
                x=0,
                y=i * row,
                width=_r(max(width * share, 1.0)),
                height=row - 3,
                title=f"{value_text(value, limit=200)}: {count:,} ({share:.1%})",
                label=f"{label} ({count:,})",
            )
        )
    return Chart(width, row * len(shown), tuple(bars))


def timeline(stages: tuple[StageEntry, ...], *, width: int = 900, row: int = 22) -> Chart | None:
    """A Gantt strip: each timed stage as a bar on the run's time axis."""
    timed = [s for s in stages if s.started is not None]
    if not timed:
        return None
    start = min(s.started for s in timed if s.started is not None)
    ends = [s.finished or s.started for s in timed if (s.finished or s.started) is not None]
    span = max((max(ends) - start).total_seconds(), 1e-3)  # type: ignore[type-var,operator]
    label_width, bars = 110, []
    plot = width - label_width - 70
    for i, stage in enumerate(stages):
        if stage.started is None:
            continue
        offset = (stage.started - start).total_seconds() / span
        seconds = stage.seconds or 0.0
        bars.append(
            Bar(
                x=_r(label_width + plot * offset),
                y=i * row,
                width=_r(max(plot * seconds / span, 2.0)),
                height=row - 6,
                title=f"{stage.name}: {stage.status}, {duration(stage.seconds)}",
                label=value_text(stage.name, 18),
                css=stage.status,
            )
        )
    return Chart(width, row * len(stages), tuple(bars), "0 s", duration(span))


def accounting(rows: RowAccounting, *, width: int = 600, height: int = 18) -> Chart | None:
    """One stacked bar: loaded, rejected, duplicates, as shares of the rows read."""
    total = max(rows.read, rows.loaded + rows.rejected_total + rows.duplicates)
    if total <= 0:
        return None
    parts = [
        ("loaded", rows.loaded),
        ("rejected", rows.rejected_total),
        ("duplicates", rows.duplicates),
    ]
    x, bars = 0.0, []
    for name, count in parts:
        if count <= 0:
            continue
        w = width * count / total
        title = f"{name}: {count:,} ({count / total:.1%})"
        bars.append(Bar(_r(x), 0, _r(w), height, title, css=name))
        x += w
    return Chart(width, height, tuple(bars))


def number(value: Any) -> str:
    """A number for people: integers whole, others to 4 significant digits."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return value_text(value)
    if isinstance(value, int) or (float(value).is_integer() and abs(value) < 1e15):
        return f"{int(value):,}"
    if 100 <= abs(value) < 1e15:
        return f"{value:,.1f}"
    return f"{value:.4g}"


def duration(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    if seconds < 10:
        return f"{seconds:.2f} s"
    if seconds < 120:
        return f"{seconds:.1f} s"
    minutes, rest = divmod(round(seconds), 60)
    if minutes < 120:
        return f"{minutes} min {rest} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min"


_CONTROL = {i: f"\\x{i:02x}" for i in [*range(0x20), 0x7F]} | {
    0x0A: "\\n",
    0x0D: "\\r",
    0x09: "\\t",
}


def value_text(value: Any, limit: int = 80) -> str:
    """Any value from the data as one line of text (escaping is the template's job):
    control characters made visible, long values cut with an ellipsis."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, bytes):
        text = "0x" + value[:32].hex() + ("…" if len(value) > 32 else "")
    elif isinstance(value, float):
        text = f"{value:.6g}"
    elif isinstance(value, dict | list | tuple):
        import orjson

        text = orjson.dumps(value, default=str).decode()
    elif hasattr(value, "isoformat"):
        text = value.isoformat()
    else:
        text = str(value)
    text = text.translate(_CONTROL)
    return text if len(text) <= limit else text[: limit - 1] + "…"
