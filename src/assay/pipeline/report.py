"""What a load did, per table and in total; the accounting invariant lives here.

``rows_read = rows_loaded + rows_rejected + duplicates_skipped`` for every table and
for the whole load; :meth:`TableReport.check_invariant` raises when it does not hold
(a bug in assay, never a property of the data).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from assay.errors import AssayError


class AccountingError(AssayError):
    code = "accounting"


@dataclass
class RuleResult:
    id: str
    code: str
    table: str
    critical: bool
    message: str
    checked: int = 0
    failed: int = 0
    status: str = "passed"  # passed | failed | error | skipped
    sample: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None
    note: str | None = None  # e.g. "enforced by the engine (PRIMARY KEY)"

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "code": self.code,
            "table": self.table,
            "critical": self.critical,
            "status": self.status,
            "checked": self.checked,
            "failed": self.failed,
            "message": self.message,
            "sample": self.sample,
            **({"error": self.error} if self.error else {}),
            **({"note": self.note} if self.note else {}),
        }


@dataclass
class TableReport:
    table: str
    files: int = 0
    files_skipped: int = 0  # finished by an earlier run (idempotent re-run)
    rows_read: int = 0
    rows_loaded: int = 0
    rows_inserted: int = 0
    rows_updated: int = 0
    rows_rejected: int = 0
    duplicates_skipped: int = 0
    bytes_read: int = 0
    rejected_by_reason: Counter[str] = field(default_factory=Counter)
    nulls_from_tokens: int = 0
    schema_changes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    checks: list[RuleResult] = field(default_factory=list)

    @property
    def invariant_holds(self) -> bool:
        return self.rows_read == self.rows_loaded + self.rows_rejected + self.duplicates_skipped

    def check_invariant(self) -> None:
        if not self.invariant_holds:
            raise AccountingError(
                f"table {self.table}: rows read {self.rows_read} != loaded {self.rows_loaded} + "
                f"rejected {self.rows_rejected} + duplicates {self.duplicates_skipped}",
                hint="this is a bug in assay; please report it",
            )

    def to_dict(self) -> dict[str, Any]:
        return {
            "table": self.table,
            "files": self.files,
            "files_skipped": self.files_skipped,
            "rows_read": self.rows_read,
            "rows_loaded": self.rows_loaded,
            "rows_inserted": self.rows_inserted,
            "rows_updated": self.rows_updated,
            "rows_rejected": self.rows_rejected,
            "duplicates_skipped": self.duplicates_skipped,
            "rejected_by_reason": dict(sorted(self.rejected_by_reason.items())),
            "invariant_holds": self.invariant_holds,
            "schema_changes": self.schema_changes,
            "warnings": self.warnings,
            "checks": [c.to_dict() for c in self.checks],
        }


@dataclass
class LoadReport:
    target: str
    load_id: str
    mode: str
    tables: list[TableReport] = field(default_factory=list)
    seconds: float = 0.0
    errors: list[str] = field(default_factory=list)

    def totals(self) -> dict[str, Any]:
        reasons: Counter[str] = Counter()
        for t in self.tables:
            reasons.update(t.rejected_by_reason)
        total = {
            key: sum(getattr(t, key) for t in self.tables)
            for key in (
                "files",
                "files_skipped",
                "rows_read",
                "rows_loaded",
                "rows_rejected",
                "duplicates_skipped",
                "bytes_read",
            )
        }
        total["rejected_by_reason"] = dict(sorted(reasons.items()))
        total["invariant_holds"] = total["rows_read"] == (
            total["rows_loaded"] + total["rows_rejected"] + total["duplicates_skipped"]
        )
        total["seconds"] = round(self.seconds, 3)
        total["rows_per_second"] = round(total["rows_read"] / self.seconds) if self.seconds else 0
        total["mb_per_second"] = (
            round(total["bytes_read"] / 1e6 / self.seconds, 1) if self.seconds else 0.0
        )
        return total

    @property
    def checks(self) -> list[RuleResult]:
        return [c for t in self.tables for c in t.checks]

    @property
    def critical_failures(self) -> list[RuleResult]:
        return [c for c in self.checks if c.critical and c.status in ("failed", "error")]

    def to_dict(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "load_id": self.load_id,
            "mode": self.mode,
            "tables": {t.table: t.to_dict() for t in self.tables},
            "totals": self.totals(),
            "errors": self.errors,
        }
