"""The HTML run report: one self-contained file per run (inline CSS, inline SVG charts).

>>> from datetime import datetime, timezone
>>> from assay.report import RunReport, render_report
>>> html = render_report(RunReport(run_id="r1", started=datetime(2024, 1, 1, tzinfo=timezone.utc)))
>>> html.startswith("<!DOCTYPE html>")
True
"""

from assay.report.model import (
    ArtifactEntry,
    QualityResult,
    RejectReason,
    RejectSample,
    RowAccounting,
    RunReport,
    StageEntry,
    TableReport,
)
from assay.report.render import render_report, write_report

__all__ = [
    "ArtifactEntry",
    "QualityResult",
    "RejectReason",
    "RejectSample",
    "RowAccounting",
    "RunReport",
    "StageEntry",
    "TableReport",
    "render_report",
    "write_report",
]
