"""A run's outcome as the report model (HTML) and as one JSON document (``--json``).

Reject samples are read back from the target's ``<table>__rejects`` (the newest rows,
grouped by reason in Python: no value of the data ever enters the SQL).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import orjson

from assay.pipeline.context import RunContext
from assay.pipeline.runs import STAGES
from assay.redaction import redact_uri

SAMPLES_PER_REASON = 3
_STATUS = {"complete": "ok", "skipped": "skipped", "failed": "failed", "running": "running"}


def run_report(ctx: RunContext, finished: datetime | None) -> Any:
    from assay.report import (
        QualityResult,
        RejectReason,
        RowAccounting,
        RunReport,
        StageEntry,
        TableReport,
    )
    from assay.schema import Schema

    record = ctx.ledger.get(ctx.run_id)
    stages = []
    for name in STAGES:
        state = record.stages.get(name)
        if state is None:
            continue
        counts = {k: v for k, v in state.counts.items() if isinstance(v, int)}
        status = _STATUS.get(state.status, "pending")
        ended = state.finished_at
        if finished is not None and state.status == "running":
            status, ended = "ok", finished  # the stage writing this report
        stages.append(
            StageEntry(
                name=name,
                status=status,
                started=state.started_at,
                finished=ended,
                counts=counts,
                error=state.detail.get("error"),
            )
        )
    schema = ctx.schema if ctx.schema is not None else Schema()
    if schema.tables:
        from assay.targets.naming import rename_schema

        schema = rename_schema(schema, ctx.config.naming)
    loaded = {t.table: t for t in (ctx.load.tables if ctx.load else [])}
    checked = {t.table: t for t in (ctx.checks or [])}
    samples = _reject_samples(ctx, list(loaded))
    tables = []
    for table in schema.tables:
        rows = None
        load = loaded.get(table.name)
        if load is not None:
            reasons = tuple(
                RejectReason(
                    reason=reason,
                    count=count,
                    samples=tuple(samples.get((table.name, reason), ())),
                )
                for reason, count in sorted(load.rejected_by_reason.items())
            )
            rows = RowAccounting(
                read=load.rows_read,
                loaded=load.rows_loaded,
                rejected=reasons,
                duplicates=load.duplicates_skipped,
            )
        quality = tuple(
            QualityResult(
                rule_id=c.id,
                severity="error" if c.critical else "warning",
                checked=c.checked,
                failed=c.failed,
                message=c.message,
                samples=tuple(c.sample[:SAMPLES_PER_REASON]),
                error=c.error,
            )
            for c in (checked[table.name].checks if table.name in checked else [])
        )
        tables.append(TableReport(table=table, rows=rows, quality=quality))
    failed = any(s.status == "failed" for s in stages)
    return RunReport(
        run_id=ctx.run_id,
        started=record.started_at,
        finished=finished,
        status="failed" if failed else ("ok" if finished else "running"),
        title=f"assay run · {ctx.config.contract.name or _name(ctx)}",
        sources=tuple(redact_uri(ctx.config.resolve_path(s.path)) for s in ctx.config.sources),
        target=redact_uri(ctx.config.target),
        stages=tuple(stages),
        tables=tuple(tables),
        relationships=schema.relationships,
        artifacts=tuple(ctx.artifacts),
        errors=tuple(_errors(ctx)),
    )


def _name(ctx: RunContext) -> str:
    from pathlib import Path

    return Path(ctx.config.sources[0].path.rstrip("/")).stem if ctx.config.sources else "dataset"


def _errors(ctx: RunContext) -> list[str]:
    out: list[str] = []
    for name, outcome in ctx.outcomes.items():
        if outcome.error:
            out.append(f"{name}: {outcome.error}")
        out += [f"{name}: {e}" for e in outcome.detail.get("errors", [])]
    out += [str(e) for e in ctx.inputs.errors]
    return out


def problems(ctx: RunContext) -> list[dict[str, Any]]:
    """What went wrong, aggregated by kind: how many, a few examples, where to look.

    Kinds: a stage's own failure, files a stage could not read (by error code), records
    quarantined by ingest, rows rejected by the load (by table and reason), failed
    quality rules. Ordered as the run met them."""
    from assay.redaction import redact_uri

    target = redact_uri(ctx.config.target)
    staging = redact_uri(ctx.config.staging.db)
    out: list[dict[str, Any]] = []
    # The same unreadable file is met by several stages (inputs, ingest, load): one
    # problem per message, under the first error code any stage gave it.
    messages: dict[str, tuple[str, list[str]]] = {}

    def met(stage: str, code: str, text: str) -> None:
        known_code, stages = messages.setdefault(text, (code, []))
        if known_code == "error" and code != "error":
            messages[text] = (code, stages)
        if stage not in stages:
            stages.append(stage)

    for error in ctx.inputs.errors:
        met("inputs", getattr(error, "code", "error"), str(error))
    for name, outcome in ctx.outcomes.items():
        if outcome.error and not (name == "check" and ctx.checks):
            out.append(
                _problem(f"{name} failed", 1, [outcome.error], f"assay runs show {ctx.run_id}")
            )
        errors = outcome.detail.get("errors", [])
        codes = outcome.detail.get("error_codes") or ["error"] * len(errors)
        for code, text in zip(codes, errors, strict=False):
            met(name, code, text)
    by_code: dict[str, list[tuple[str, list[str]]]] = {}
    for text, (code, stages) in messages.items():
        by_code.setdefault(code, []).append((text, stages))
    for code, found in sorted(by_code.items()):
        stages = sorted({s for _, names in found for s in names})
        item = _problem(
            f"files not read: {code}",
            len(found),
            [text for text, _ in found],
            "the file named in each message",
        )
        item["stages"] = stages
        out.append(item)
    quarantined = (
        int(ctx.outcomes["ingest"].counts.get("quarantined", 0)) if "ingest" in ctx.outcomes else 0
    )
    if quarantined:
        out.append(
            _problem(
                "records quarantined by ingest",
                quarantined,
                [],
                f"assay stage quarantine --db {staging}",
            )
        )
    by_reason: dict[str, dict[str, int]] = {}
    for t in ctx.load.tables if ctx.load else []:
        for reason, count in t.rejected_by_reason.items():
            by_reason.setdefault(reason, {})[t.table] = count
    for reason, tables in sorted(by_reason.items()):
        where = ", ".join(_ident(name + "__rejects") for name in sorted(tables))
        item = _problem(
            f"rows rejected: {reason}",
            sum(tables.values()),
            [],
            f"{where} in {target} (reason = '{reason}')",
        )
        item["tables"] = dict(sorted(tables.items()))
        out.append(item)
    for t in ctx.checks or []:
        failed = [c for c in t.checks if c.status in ("failed", "error")]
        for c in failed:
            out.append(
                _problem(
                    f"quality rule {c.status}" + (" (critical)" if c.critical else ""),
                    1,
                    [c.id],
                    f"assay check {t.table} --target {target}",
                    table=t.table,
                )
            )
    return out


def _ident(name: str) -> str:
    """A table name as a user would type it in SQL (quoted when it needs to be)."""
    plain = name.replace("_", "a").isalnum() and name.isascii() and not name[:1].isdigit()
    return name if plain and name == name.lower() else '"' + name.replace('"', '""') + '"'


def _problem(
    kind: str, count: int, examples: list[str], where: str, table: str | None = None
) -> dict[str, Any]:
    item: dict[str, Any] = {"kind": kind, "count": count, "where": where}
    if table:
        item["table"] = table
    if examples:
        item["examples"] = examples[:3]
    return item


def _reject_samples(ctx: RunContext, tables: list[str]) -> dict[tuple[str, str], list[Any]]:
    """A few rejected rows per table and reason, from the target's rejects tables."""
    from assay.report import RejectSample

    if not tables or ctx.load is None:
        return {}
    from assay.targets import open_target

    out: dict[tuple[str, str], list[Any]] = {}
    try:
        with open_target(ctx.config.target) as target:
            session = target.session()
            try:
                for table in tables:
                    relation = session.relation(f"{table}__rejects")
                    if relation is None:
                        continue
                    _, rows = session.query(
                        "SELECT reason, source_uri, line, column_name, value, row_data "
                        f"FROM {relation} ORDER BY source_uri, line",
                        limit=2000,
                    )
                    for reason, uri, line, column, value, data in rows:
                        bucket = out.setdefault((table, reason), [])
                        if len(bucket) < SAMPLES_PER_REASON:
                            bucket.append(
                                RejectSample(
                                    source=uri,
                                    line=line,
                                    column=column,
                                    value=value,
                                    record=_record(data),
                                )
                            )
            finally:
                session.close()
    except Exception as exc:  # samples are decoration: the counts stand without them
        ctx.progress.message(f"could not read reject samples: {exc}")
    return out


def _record(data: Any) -> Any:
    if isinstance(data, str):
        try:
            value = orjson.loads(data)
            return value if isinstance(value, dict) else data
        except orjson.JSONDecodeError:
            return data
    return data


def summary_json(ctx: RunContext, status: str, seconds: float) -> dict[str, Any]:
    """The run as one JSON-ready document (``assay run --json``)."""
    tables = []
    for t in ctx.load.tables if ctx.load else []:
        tables.append(
            {
                "table": t.table,
                "rows_read": t.rows_read,
                "rows_loaded": t.rows_loaded,
                "rows_rejected": t.rows_rejected,
                "duplicates_skipped": t.duplicates_skipped,
                "rejected_by_reason": dict(sorted(t.rejected_by_reason.items())),
            }
        )
    totals = {
        key: sum(t[key] for t in tables)
        for key in ("rows_read", "rows_loaded", "rows_rejected", "duplicates_skipped")
    }
    rules = [c for t in ctx.checks or [] for c in t.checks]
    return {
        "run_id": ctx.run_id,
        "status": status,
        "seconds": round(seconds, 3),
        "stages": {
            name: {
                "status": o.status,
                "seconds": round(o.seconds, 3),
                "counts": o.counts,
                **({"error": o.error} if o.error else {}),
                **({"note": o.note} if o.note else {}),
            }
            for name, o in ctx.outcomes.items()
        },
        "tables": tables,
        "totals": {
            **totals,
            "invariant_holds": totals["rows_read"]
            == totals["rows_loaded"] + totals["rows_rejected"] + totals["duplicates_skipped"],
        },
        "checks": {
            "rules": len(rules),
            "passed": sum(c.status == "passed" for c in rules),
            "failed": sum(c.status in ("failed", "error") for c in rules),
            "critical_failed": sum(c.status in ("failed", "error") and c.critical for c in rules),
        },
        "artifacts": [a.path for a in ctx.artifacts],
        "errors": _errors(ctx),
        "problems": problems(ctx),
    }
