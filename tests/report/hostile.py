"""A run report whose every value is hostile: markup, quotes, ampersands, credentials."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

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
from assay.schema import DataType, Evidence, Field, Histogram, Relationship, Stats, Table

EVIL = "<script>alert(\"x\")</script> & 'q' <img src=x onerror=alert(1)>"
PASSWORD = "s3cr3t-pw"
T0 = datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC)


def hostile_report(offset: timedelta = timedelta(0)) -> RunReport:
    t0 = T0 + offset
    evil_field = Field(
        name=EVIL,
        path=EVIL,
        type=DataType(kind="string"),
        description=EVIL,
        semantic_type=EVIL,
        source_name=EVIL,
        hints=(EVIL,),
        stats=Stats(count=10, nulls=1, distinct=3, min=EVIL, max=EVIL, top_values=((EVIL, 5),)),
        evidence=(
            Evidence(decision="type", rule="tolerance-0.999", violating=2, examples=(EVIL,)),
        ),
    )
    amount = Field(
        name="amount",
        path="amount",
        type=DataType(kind="float"),
        stats=Stats(
            count=10,
            min=1.0,
            max=9.5,
            mean=3.25,
            histogram=Histogram(edges=(1.0, 5.0, 9.5), counts=(4, 6)),
        ),
    )
    table = Table(name=EVIL, sources=(f"s3://u:{PASSWORD}@bucket/{EVIL}",), row_count=10,
                  fields=(evil_field, amount), description=EVIL)  # fmt: skip
    sample = RejectSample(source=EVIL, line=3, column=EVIL, value=EVIL, record={EVIL: EVIL})
    rows = RowAccounting(
        read=12, loaded=9, rejected=(RejectReason(reason=EVIL, count=2, samples=(sample,)),),
        duplicates=1,
    )  # fmt: skip
    quality = (
        QualityResult(rule_id=EVIL, severity="error", checked=10, failed=1, message=EVIL,
                      samples=({EVIL: EVIL, "n": 1},), error=EVIL),
    )  # fmt: skip
    return RunReport(
        run_id=EVIL,
        title=EVIL,
        started=t0,
        finished=t0 + timedelta(seconds=3),
        status="failed",
        sources=(EVIL,),
        target=f"postgresql://loader:{PASSWORD}@db/dw",
        stages=(
            StageEntry(
                name=EVIL,
                status="failed",
                started=t0,
                finished=t0 + timedelta(seconds=2),
                counts={EVIL: 1},
                error=f"{EVIL} postgresql://u:{PASSWORD}@h/db",
            ),
        ),
        tables=(TableReport(table=table, rows=rows, quality=quality),),
        relationships=(
            Relationship(
                from_table=EVIL,
                from_fields=(EVIL,),
                to_table=EVIL,
                to_fields=(EVIL,),
                confidence=0.9,
                coverage=1.0,
            ),
        ),
        artifacts=(ArtifactEntry(kind=EVIL, path=EVIL, size=1),),
        errors=(EVIL,),
    )
