"""The stages of ``assay run``, each a function of the run's context.

ingest → infer → refine → map → load → generate → check → report. Each stage calls
the library that does the work (staging, inference, refinement, loading, codegen,
quality, report) and returns a :class:`StageOutcome`; it never re-implements a stage.
``outputs`` hold what a later stage, a resumed run or a stage subset reads back.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from assay.errors import UsageError
from assay.pipeline.context import RunContext, StageOutcome

StageFunction = Callable[[RunContext], StageOutcome]


# ---------------------------------------------------------------------------- ingest
def ingest(ctx: RunContext) -> StageOutcome:
    """Stage every input into the staging store, one table per grouping decision; a
    resumed run continues the unfinished batch, then stages the source groups it had
    not reached (files already staged are skipped by their checksum)."""
    from assay.staging import IngestOptions
    from assay.staging import ingest as stage_files

    config = ctx.config
    totals: dict[str, int] = {}
    batches: list[int] = []
    errors: list[str] = []
    codes: list[str] = []
    notes: list[str] = []

    def progress(p: Any) -> None:
        ctx.progress.advance(p.bytes_done, p.bytes_total or None, "bytes")

    if ctx.resuming and ctx.store.last_unfinished_batch() is not None:
        ctx.progress.message("continuing the interrupted ingest batch")
        report = stage_files(ctx.store, None, IngestOptions(resume=True), progress)
        _add(totals, report)
        batches.append(report.batch_id)
        errors += [str(e) for e in report.errors]
        codes += [getattr(e, "code", type(e).__name__) for e in report.errors]
    for group in ctx.inputs.groups:
        # A resumed run must not stage again what it staged before it stopped: without
        # any dedup, the files are at least compared by checksum then.
        dedup = config.policies.dedup
        if ctx.resuming and dedup == "none":
            dedup = "path"
        options = IngestOptions(
            dedup=dedup,
            partitions=dict(ctx.inputs.grouping.partitions),
            batch_size=config.staging.batch_size,
            read=group.read,
        )
        report = stage_files(ctx.store, group.paths, options, progress)
        _add(totals, report)
        batches.append(report.batch_id)
        errors += [str(e) for e in report.errors]
        codes += [getattr(e, "code", type(e).__name__) for e in report.errors]
        notes += report.notes
    # A file that could not be read is reported (and fails the run at the end); the
    # other files are staged and the run goes on with them.
    return StageOutcome(
        counts=totals,
        outputs={"batches": batches},
        detail={"errors": errors, "error_codes": codes, "notes": notes},
        note=_ingest_note(totals, errors),
    )


def _ingest_note(totals: dict[str, int], errors: list[str]) -> str:
    staged, skipped = totals.get("files_staged", 0), totals.get("files_skipped", 0)
    if not staged and skipped and not errors:
        return f"nothing new: {skipped} file(s) unchanged since they were staged"
    note = (
        f"{totals.get('records_staged', 0):,} record(s) staged from {staged} file(s), "
        f"{totals.get('duplicates', 0):,} duplicate(s), "
        f"{totals.get('quarantined', 0):,} quarantined"
    )
    if skipped:
        note += f"; {skipped} file(s) unchanged"
    if errors:
        note += f"; {len(errors)} file(s) failed"
    return note


def _add(totals: dict[str, int], report: Any) -> None:
    c = report.counts
    for key in ("records_read", "records_staged", "duplicates", "quarantined"):
        totals[key] = totals.get(key, 0) + int(getattr(c, key, 0) or 0)
    totals["files_staged"] = (
        totals.get("files_staged", 0) + report.count("staged") + report.count("replaced")
    )
    totals["files_skipped"] = totals.get("files_skipped", 0) + report.count("skipped")
    totals["files_failed"] = totals.get("files_failed", 0) + report.count("failed")


# ---------------------------------------------------------------------------- infer
def infer(ctx: RunContext) -> StageOutcome:
    """Infer the run's tables (every row) and keep the schema as a new version in the store.

    When the staged records are exactly the input files' records (local files, no
    content dedup), the files themselves are read: the same rows, parsed once from their
    own format instead of back from the store's JSON (several times faster). Otherwise
    (content dedup, remote inputs, a stage subset over earlier runs) the staged records
    are inferred."""
    from assay.staging import schemas as staged

    wanted = set(ctx.tables)
    parts = [p for p in staged.partitions(ctx.store) if p.name in wanted]
    if not parts:
        raise UsageError(
            "nothing was staged for this run's tables: " + ", ".join(sorted(wanted)),
            hint="check the inputs (assay run --dry-run) and the ingest stage's errors",
        )
    ahead = ctx.side_work.pop("infer", None)
    if _files_are_the_staged_records(ctx):
        if ahead is not None:  # inferred from the files while ingest staged them
            schema, source = ahead.result(), "input files, read while ingest ran"
        else:
            schema, source = infer_files(ctx), "input files"
    else:
        schema, source = _infer_staged(ctx, parts), "staged records"
    version = _same_version(ctx, schema) or staged.save_schema(
        ctx.store,
        schema,
        partition=None,
        first_batch=min(p.first_batch for p in parts),
        last_batch=max(p.last_batch for p in parts),
        records=sum(p.records for p in parts),
    )
    ctx.schema, ctx.schema_version = schema, version
    fields = sum(len(t.fields) for t in schema.tables)
    rows = sum(t.row_count for t in schema.tables)
    return StageOutcome(
        counts={"tables": len(schema.tables), "fields": fields, "rows": rows},
        outputs={"schema_version": version},
        detail={"read_from": source},
        note=f"{len(schema.tables)} table(s), {fields} field(s), "
        f"{len(schema.relationships)} relationship(s); schema version {version}"
        + ("; inferred from the files while ingest ran" if "while ingest ran" in source else ""),
    )


def _files_are_the_staged_records(ctx: RunContext) -> bool:
    ingest = ctx.outcomes.get("ingest")
    return ingest is not None and ingest.status == "complete" and files_can_be_inferred(ctx)


def files_can_be_inferred(ctx: RunContext) -> bool:
    """Whether the input files hold exactly what ingest stages (no content dedup, local)."""
    return ctx.config.policies.dedup in ("none", "path") and all(
        "://" not in f.uri or f.uri.startswith("file://") for f in ctx.inputs.files
    )


def infer_files(ctx: RunContext) -> Any:
    from assay.inference.engine import infer_detailed

    schemas = []
    for group in ctx.inputs.groups:
        result = infer_detailed(
            group.paths,
            read=group.read,
            table_of=ctx.inputs.table_of,
            tolerance=ctx.config.policies.tolerance,
        )
        schemas.append(result.schema)
    if len(schemas) == 1:
        return schemas[0]
    from functools import reduce

    from assay.inference.evolution import merge_schemas

    return reduce(merge_schemas, schemas)


def _infer_staged(ctx: RunContext, parts: list[Any]) -> Any:
    from assay.inference.engine import BatchTable, infer_batches
    from assay.staging import schemas as staged

    tables = [
        BatchTable(
            name=p.name,
            batches=lambda name=p.name: staged.partition_batches(ctx.store, name),
            sources=p.files,
            json_strings=not p.text_values,
            decimal="," if ";" in p.delimiters else ".",
            estimated_rows=p.records,
        )
        for p in parts
    ]
    return infer_batches(tables, tolerance=ctx.config.policies.tolerance).schema


# ---------------------------------------------------------------------------- refine
def refine(ctx: RunContext) -> StageOutcome:
    """Refine the schema with the configured model; nothing to do without one."""
    llm = ctx.config.llm
    if llm is None or llm.spec.strip() in ("", "none"):
        return StageOutcome("skipped", note="no model configured (llm: null)")
    from assay.refinement.session import refine_with
    from assay.staging import schemas as staged

    schema = _schema(ctx)
    if llm.api_key:  # interpolated from the environment by the configuration: hand it on
        os.environ.setdefault("ASSAY_LLM_API_KEY", llm.api_key)
    from assay.refinement import RefineOptions

    result = refine_with(
        schema,
        llm.spec,
        docs=[ctx.config.resolve_path(d) for d in llm.docs] or None,
        timeout=llm.timeout,
        config={"provider": llm.spec},
        options=RefineOptions(max_retries=llm.max_retries),
    )
    version = staged.save_schema(
        ctx.store, result.schema, partition=None, first_batch=0, last_batch=0, records=0
    )
    ctx.schema, ctx.schema_version = result.schema, version
    changes = len(result.changes)
    return StageOutcome(
        counts={"changes": changes, "rejected": len(result.rejections)},
        outputs={"schema_version": version},
        detail={"warnings": list(result.warnings)},
        note=f"{changes} change(s) accepted, {len(result.rejections)} suggestion(s) rejected by "
        f"the checks; schema version {version}",
    )


# ---------------------------------------------------------------------------- map
def map_stage(ctx: RunContext) -> StageOutcome:
    """Reserved: mapping onto a target schema comes in a later version."""
    return StageOutcome("skipped", note="no target mapping configured")


# ---------------------------------------------------------------------------- load
def load(ctx: RunContext) -> StageOutcome:
    """Typed load of every input into the target with the run's schema; files a target
    already holds (by fingerprint) are skipped, so a resumed run loads the rest."""
    schema = _schema(ctx)
    report = _ahead(ctx, "load", schema)
    if report is not None:
        return _load_outcome(ctx, report, alongside=True)
    return _load_outcome(ctx, load_files_with(ctx, schema, ctx.progress.message), alongside=False)


def load_files_with(ctx: RunContext, schema: Any, message: Callable[[str], None]) -> Any:
    from assay.pipeline.loading import LoadOptions
    from assay.pipeline.loading import load as load_files

    config = ctx.config
    reports = []
    for group in ctx.inputs.groups:
        read = dict(group.read)
        on_error = "fail" if read.get("on_error") == "fail" else "quarantine"
        read.pop("on_error", None)
        options = LoadOptions(
            target=config.target,
            schema=schema,
            mode=config.load.mode,
            naming=config.naming,
            on_schema_change=config.policies.on_schema_change,
            on_error=on_error,
            check_before_load=config.policies.check_before_load,
            checks=False,
            partition_by=tuple(config.load.partition_by),
            assign=dict(ctx.inputs.grouping.partitions),
            read=read,
            progress=message,
        )
        reports.append(load_files(group.paths, options))
    report = reports[0]
    for extra in reports[1:]:
        report.tables += extra.tables
        report.errors += extra.errors
        report.seconds += extra.seconds
    return report


def _load_outcome(ctx: RunContext, report: Any, *, alongside: bool) -> StageOutcome:
    ctx.load = report
    totals = report.totals()
    counts = {
        k: totals[k]
        for k in (
            "rows_read",
            "rows_loaded",
            "rows_rejected",
            "duplicates_skipped",
            "files",
            "files_skipped",
        )
    }
    return StageOutcome(
        counts=counts,
        outputs={"load": {"target": report.target, "tables": [t.to_dict() for t in report.tables]}},
        detail={"errors": report.errors, "rejected_by_reason": totals["rejected_by_reason"]},
        note=f"{counts['rows_loaded']:,} loaded, {counts['rows_rejected']:,} rejected, "
        f"{counts['duplicates_skipped']:,} duplicate(s) of {counts['rows_read']:,} read"
        + (f"; {counts['files_skipped']} file(s) already loaded" if counts["files_skipped"] else "")
        + (f"; loaded while ingest ran ({report.seconds:.1f}s)" if alongside else ""),
    )


# ---------------------------------------------------------------------------- generate
def generate(ctx: RunContext) -> StageOutcome:
    """Write the configured artifacts into the output directory (each file atomically)."""
    schema = _schema(ctx)
    entries = _ahead(ctx, "generate", schema)
    if entries is None:
        entries = write_artifacts(ctx, schema)
    ctx.artifacts += entries
    paths = [e.path for e in entries]
    return StageOutcome(
        counts={"files": len(paths)},
        outputs={"files": paths},
        note=f"{len(paths)} file(s) in {ctx.out_dir}",
    )


def write_artifacts(ctx: RunContext, schema: Any) -> list[Any]:
    """The configured artifacts of ``schema``, written; their index entries."""
    from assay.codegen.bundle import GenerateOptions, generate_all
    from assay.codegen.contract_export import ContractOptions
    from assay.report import ArtifactEntry
    from assay.targets.naming import rename_schema

    config, schema = ctx.config, rename_schema(schema, ctx.config.naming)
    outputs = config.outputs
    name = config.contract.name or _dataset_name(ctx)
    contract = ContractOptions(
        name=name,
        id=config.contract.id,
        version=config.contract.version,
        status=config.contract.status,
        domain=config.contract.domain,
        team=config.contract.team,
        owner=config.contract.owner,
        description=config.contract.description,
        tags=tuple(config.contract.tags),
        dialect=outputs.ddl[0] if outputs.ddl else "duckdb",
    )
    wanted = {
        "contract": outputs.contract,
        "json-schema": outputs.json_schema,
        "ddl": bool(outputs.ddl),
        "checks": outputs.checks and bool(outputs.ddl),
        "dbt": outputs.dbt,
        "gx": outputs.gx,
        "pgloader": outputs.pgloader,
    }
    kept = generate_all(
        schema,
        GenerateOptions(name=name, contract=contract),
        kinds=tuple(kind for kind, on in wanted.items() if on),
        dialects=tuple(outputs.ddl),
    )
    entries = []
    for path, text in sorted(kept.items()):
        write_atomically(ctx.out_dir / path, text)
        kind = path.split("/", 1)[0] if "/" in path else "index"
        entries.append(ArtifactEntry(kind=kind, path=path, size=len(text.encode())))
    return entries


def write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# ---------------------------------------------------------------------------- check
def check(ctx: RunContext) -> StageOutcome:
    """The schema's quality rules, as SQL, against the loaded tables."""
    schema = _schema(ctx)
    results = _ahead(ctx, "check", schema)
    if results is None:
        results = check_tables(ctx, schema, ctx.load)
    ctx.checks = results
    rules = [c for t in results for c in t.checks]
    failed = [c for c in rules if c.status in ("failed", "error")]
    critical = [c for c in failed if c.critical]
    status = "failed" if critical else "complete"
    return StageOutcome(
        status,
        counts={
            "rules": len(rules),
            "passed": len(rules) - len(failed),
            "failed": len(failed),
            "critical_failed": len(critical),
        },
        outputs={"checks": [t.to_dict() for t in results]},
        note=f"{len(rules) - len(failed)} of {len(rules)} rule(s) passed"
        + (
            f"; {len(critical)} critical failed: " + ", ".join(c.id for c in critical[:3])
            if critical
            else ""
        ),
        error=(f"{len(critical)} critical quality rule(s) failed" if critical else None),
    )


def check_tables(ctx: RunContext, schema: Any, loaded: Any) -> list[Any]:
    """The quality rules of ``schema`` against the tables the load wrote."""
    from assay.pipeline.loading import check as run_checks
    from assay.targets.naming import rename_schema

    schema = rename_schema(schema, ctx.config.naming)
    names = [t.name for t in schema.tables]
    if loaded is not None:
        names = [t.table for t in loaded.tables]
    return run_checks(ctx.config.target, schema, names)


# ---------------------------------------------------------------------------- report
def report(ctx: RunContext) -> StageOutcome:
    """The self-contained HTML report of the run (and its summary as JSON)."""
    from assay.pipeline.summary import run_report
    from assay.report import ArtifactEntry, render_report

    path = ctx.out_dir / "report.html"
    model = run_report(ctx, finished=datetime.now(UTC))
    text = render_report(model)
    write_atomically(path, text)
    ctx.artifacts.append(ArtifactEntry(kind="report", path="report.html", size=len(text.encode())))
    return StageOutcome(
        counts={"bytes": len(text.encode())},
        outputs={"report": str(path)},
        note=str(path),
    )


# ---------------------------------------------------------------------------- helpers
def _ahead(ctx: RunContext, stage: str, schema: Any) -> Any:
    """What a stage computed ahead (see :mod:`assay.pipeline.ahead`) when it used the
    schema this stage works with; None when nothing went ahead or the schema changed.
    A failure ahead is raised here, as the stage itself would have raised it."""
    future = ctx.side_work.pop(stage, None)
    if future is None:
        return None
    used, value = future.result()
    return value if used is schema else None


def _schema(ctx: RunContext) -> Any:
    """The run's schema: inferred (or refined) in this run, else the newest stored."""
    if ctx.schema is None:
        from assay.staging.schemas import load_schema

        ctx.schema_version, ctx.schema = load_schema(ctx.store)
    return ctx.schema


def _same_version(ctx: RunContext, schema: Any) -> int | None:
    """The newest stored schema version when it is this very schema (nothing changed)."""
    from assay.errors import StagingError
    from assay.schema import to_json
    from assay.staging.schemas import load_schema

    try:
        version, stored = load_schema(ctx.store)
    except StagingError:
        return None
    return version if to_json(stored) == to_json(schema) else None


def _dataset_name(ctx: RunContext) -> str:
    if ctx.config.sources:
        return Path(ctx.config.sources[0].path.rstrip("/")).stem or "dataset"
    return "dataset"


STAGE_FUNCTIONS: dict[str, StageFunction] = {
    "ingest": ingest,
    "infer": infer,
    "refine": refine,
    "map": map_stage,
    "load": load,
    "generate": generate,
    "check": check,
    "report": report,
}
