"""A realistic run report built from the example data: the real inferred schema, the
real quality rules of each table with their failing rows counted by DuckDB on the
files as read, and the quarantined records as rejects."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import assay
from assay.quality import quality_rules
from assay.report import (
    ArtifactEntry,
    QualityResult,
    RejectReason,
    RejectSample,
    RowAccounting,
    RunReport,
    StageEntry,
    TableReport,
)
from tests.conftest import SHOP

STARTED = datetime(2024, 3, 4, 5, 6, 7, tzinfo=UTC)
STAGES = ("ingest", "infer", "load", "generate", "check", "report")


def shop_report(**changes: Any) -> RunReport:
    schema = assay.infer(str(SHOP))
    source = assay.open_source(str(SHOP))
    read: dict[str, int] = {}
    for stream in source.streams():
        read[stream.name] = sum(b.data.num_rows for b in stream.batches())
    quarantined: dict[str, list[Any]] = {}
    for record in source.quarantined:
        name = record.uri.rsplit("/", 1)[-1].split(".")[0]
        quarantined.setdefault(name, []).append(record)
    tables = []
    for table in schema.tables:
        rejected = tuple(
            RejectReason(
                reason=code,
                count=sum(1 for r in quarantined.get(table.name, []) if r.code == code),
                samples=tuple(
                    RejectSample(source=r.uri, line=r.line, record=r.text, value=r.reason)
                    for r in quarantined.get(table.name, [])
                    if r.code == code
                )[:3],
            )
            for code in sorted({r.code for r in quarantined.get(table.name, [])})
        )
        rows = RowAccounting(
            read=read[table.name] + sum(r.count for r in rejected),
            loaded=read[table.name],
            rejected=rejected,
        )
        quality = tuple(
            QualityResult(
                rule_id=rule.id,
                severity=rule.severity,
                checked=table.row_count,
                failed=0 if i % 4 else 2,
                message=rule.message,
                samples=() if i % 4 else ({"row": 1, "value": None}, {"row": 7, "value": "x"}),
            )
            for i, rule in enumerate(quality_rules(table, schema))
        )
        tables.append(TableReport(table=table, rows=rows, quality=quality))
    stages = tuple(
        StageEntry(
            name=name,
            status="ok",
            started=STARTED + timedelta(seconds=2 * i),
            finished=STARTED + timedelta(seconds=2 * i + 1.5),
            counts={"tables": len(schema.tables)},
        )
        for i, name in enumerate(STAGES)
    )
    values: dict[str, Any] = {
        "run_id": "20240304-050607-shop",
        "started": STARTED,
        "finished": STARTED + timedelta(seconds=12),
        "sources": (str(SHOP),),
        "target": "duckdb:///assay.duckdb",
        "stages": stages,
        "tables": tuple(tables),
        "relationships": schema.relationships,
        "artifacts": (
            ArtifactEntry(kind="contract", path="contract/shop.odcs.yaml", size=12345),
            ArtifactEntry(kind="report", path="report.html"),
        ),
    }
    values.update(changes)
    return RunReport(**values)
