"""What a run report says: the data the pipeline hands to :func:`assay.report.render_report`.

The model is plain data (frozen pydantic, like :mod:`assay.schema`), filled by whoever
ran the stages; the renderer only presents it.  It holds no clock: every time in the
report is one given here, so the same model renders to the same bytes.  Values in it
(sample rows, top values, names) come from the user's data and are untrusted; the
renderer escapes every one of them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from assay._version import __version__
from assay.schema import Relationship, Table
from assay.schema.types import Model

StageStatus = Literal["ok", "failed", "skipped", "running", "pending"]
Severity = Literal["error", "warning"]


class StageEntry(Model):
    """One stage of the run on the timeline."""

    name: str
    status: StageStatus
    started: datetime | None = None
    finished: datetime | None = None
    counts: dict[str, int] = Field(default_factory=dict)  # e.g. {"files": 5, "rows": 3500}
    error: str | None = None

    @property
    def seconds(self) -> float | None:
        if self.started is None or self.finished is None:
            return None
        return max(0.0, (self.finished - self.started).total_seconds())


class RejectSample(Model):
    """One rejected record, located: where it came from and what did not fit."""

    source: str | None = None  # file (or file and member)
    line: int | None = None
    column: str | None = None
    value: Any = None  # the offending value, as read
    record: dict[str, Any] | str | None = None  # the whole record, as read


class RejectReason(Model):
    """Rows rejected for one reason (a conversion, a quality rule, a read error)."""

    reason: str
    count: int
    samples: tuple[RejectSample, ...] = ()


class RowAccounting(Model):
    """Where every row of a table went: read = loaded + rejected + duplicates."""

    read: int
    loaded: int
    rejected: tuple[RejectReason, ...] = ()
    duplicates: int = 0

    @property
    def rejected_total(self) -> int:
        return sum(r.count for r in self.rejected)

    @property
    def balanced(self) -> bool:
        return self.read == self.loaded + self.rejected_total + self.duplicates


class QualityResult(Model):
    """One quality rule's outcome on one table."""

    rule_id: str
    severity: Severity
    checked: int
    failed: int
    message: str | None = None
    samples: tuple[dict[str, Any], ...] = ()  # a few failing rows
    error: str | None = None  # the check could not run (e.g. unsupported by the engine)

    @property
    def status(self) -> str:
        if self.error is not None:
            return "error"
        return "passed" if self.failed == 0 else "failed"


class TableReport(Model):
    """A table: its schema (fields, stats, keys), its rows' fate, its checks."""

    table: Table
    rows: RowAccounting | None = None
    quality: tuple[QualityResult, ...] = ()


class ArtifactEntry(Model):
    kind: str  # contract, json-schema, ddl, dbt, gx, checks, report, …
    path: str  # as written, relative to the output directory when it is inside it
    size: int | None = None  # bytes


class RunReport(Model):
    """Everything the HTML report shows for one run."""

    run_id: str
    started: datetime
    finished: datetime | None = None
    status: Literal["ok", "failed", "running"] = "ok"
    title: str = "assay run"
    sources: tuple[str, ...] = ()
    target: str | None = None  # shown redacted of credentials
    stages: tuple[StageEntry, ...] = ()
    tables: tuple[TableReport, ...] = ()
    relationships: tuple[Relationship, ...] = ()
    artifacts: tuple[ArtifactEntry, ...] = ()
    errors: tuple[str, ...] = ()  # run-level problems, one line each
    assay_version: str = __version__

    @property
    def seconds(self) -> float | None:
        if self.finished is None:
            return None
        return max(0.0, (self.finished - self.started).total_seconds())

    def totals(self) -> dict[str, int]:
        """Rows read/loaded/rejected/duplicates over every table; checks passed/failed."""
        accounted = [t.rows for t in self.tables if t.rows is not None]
        results = [q for t in self.tables for q in t.quality]
        return {
            "tables": len(self.tables),
            "rows_read": sum(r.read for r in accounted),
            "rows_loaded": sum(r.loaded for r in accounted),
            "rows_rejected": sum(r.rejected_total for r in accounted),
            "duplicates": sum(r.duplicates for r in accounted),
            "checks_passed": sum(q.status == "passed" for q in results),
            "checks_failed": sum(q.status != "passed" for q in results),
            "artifacts": len(self.artifacts),
        }
