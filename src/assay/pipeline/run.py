"""``assay run``: the stages chained, their state kept, resumable, with one summary.

A run discovers its inputs, opens the staging store, records itself in the run ledger
and runs the selected stages in order. Each stage's state is written when it starts and
when it ends, so after a crash ``--resume`` finds the run, refuses if the inputs or the
configuration changed (unless ``--force``), skips the stages that completed and runs the
rest; inside ingest and load the work resumes at the first file not committed.

A stage that fails stops the stages after it, except the report, which then documents
the failure. A failed critical quality rule fails the check stage (and the run's exit
code) but not the report.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assay.config import Config, config_hash
from assay.errors import AssayError, UsageError
from assay.pipeline.context import RunContext, RunProgress, SilentProgress, StageOutcome
from assay.pipeline.inputs import Inputs, discover
from assay.pipeline.runs import STAGES, RunLedger, RunRecord, new_run_id
from assay.redaction import redact_uri


@dataclass
class RunOptions:
    resume: bool = False
    force: bool = False
    stages: tuple[str, ...] | None = None  # an explicit subset, run in pipeline order
    from_stage: str | None = None
    to_stage: str | None = None


@dataclass
class RunResult:
    run_id: str
    status: str  # complete | failed
    summary: dict[str, Any]
    outcomes: dict[str, StageOutcome] = field(default_factory=dict)
    out_dir: Path | None = None

    @property
    def exit_code(self) -> int:
        return 0 if self.status == "complete" else 1


def select_stages(options: RunOptions) -> list[str]:
    """The stages to run, in pipeline order, from ``--stages`` or ``--from``/``--to``."""
    for name in [*(options.stages or ()), options.from_stage, options.to_stage]:
        if name is not None and name not in STAGES:
            raise UsageError(f"unknown stage {name!r}", hint="stages are: " + ", ".join(STAGES))
    if options.stages and (options.from_stage or options.to_stage):
        raise UsageError("give either --stages or --from/--to, not both")
    if options.stages:
        return [s for s in STAGES if s in options.stages]
    start = STAGES.index(options.from_stage) if options.from_stage else 0
    end = STAGES.index(options.to_stage) if options.to_stage else len(STAGES) - 1
    if start > end:
        raise UsageError(f"--from {options.from_stage} comes after --to {options.to_stage}")
    return list(STAGES[start : end + 1])


def run(
    config: Config, options: RunOptions | None = None, progress: RunProgress | None = None
) -> RunResult:
    from assay.pipeline import ahead
    from assay.pipeline import stages as stage_functions
    from assay.pipeline.summary import summary_json
    from assay.staging.connect import open_store

    options = options or RunOptions()
    progress = progress or SilentProgress()
    selected = select_stages(options)
    if not config.sources:
        raise UsageError(
            "nothing to run: no sources",
            hint="give paths (assay run examples/shop) or list sources in assay.yaml",
        )
    started = time.monotonic()
    inputs = discover(config)
    if not inputs.files:
        if inputs.errors:
            raise inputs.errors[0]
        raise UsageError("the sources name no data files: " + ", ".join(_sources(config)))
    digest = config_hash(config)
    out_dir = Path(config.resolve_path(config.outputs.dir))
    with open_store(_staging_path(config)) as store:
        ledger = RunLedger(store)
        record = _prepare(ledger, options, digest, inputs, config, selected)
        ctx = RunContext(
            config=config,
            run_id=record.run_id if record else new_run_id(),
            store=store,
            ledger=ledger,
            inputs=inputs,
            out_dir=out_dir,
            config_hash=digest,
            progress=progress,
            resuming=record is not None,
        )
        if record is None:
            ledger.start(ctx.run_id, digest, inputs.fingerprint(), _describe(config, selected))
        else:
            ledger.resume(record)
            _restore(ctx, record)
        failed: str | None = None
        if record is None or not record.stage_done("ingest"):
            ahead.start(ctx, selected)
        for index, name in enumerate(selected):
            if record is not None and record.stage_done(name):
                ctx.outcomes[name] = _replayed(record, name)
                progress.stage_finished(name, ctx.outcomes[name])
                continue
            if failed is not None and name != "report":
                continue
            outcome = _run_stage(ctx, name, index, len(selected), stage_functions.STAGE_FUNCTIONS)
            if outcome.status == "failed" and failed is None:
                failed = name
        ahead.finish(ctx)
        status = "failed" if failed or _input_errors(ctx) else "complete"
        seconds = time.monotonic() - started
        ledger.finish(ctx.run_id, status, seconds=round(seconds, 3), failed_stage=failed)
        summary = summary_json(ctx, status, seconds)
    return RunResult(ctx.run_id, status, summary, ctx.outcomes, out_dir)


def _run_stage(
    ctx: RunContext, name: str, index: int, total: int, functions: dict[str, Any]
) -> StageOutcome:
    ctx.progress.stage_started(name, index, total)
    state = ctx.ledger.stage_started(ctx.run_id, name, ctx.config_hash)
    begun = time.monotonic()
    try:
        outcome = functions[name](ctx)
    except AssayError as exc:
        outcome = StageOutcome("failed", error=str(exc), note=str(exc))
    except KeyboardInterrupt:
        ctx.ledger.stage_finished(state, "interrupted", detail={"error": "interrupted"})
        ctx.ledger.finish(ctx.run_id, "interrupted")
        raise
    except Exception as exc:
        ctx.ledger.stage_finished(state, "failed", detail={"error": f"{type(exc).__name__}: {exc}"})
        ctx.ledger.finish(ctx.run_id, "failed", failed_stage=name)
        raise
    outcome.seconds = time.monotonic() - begun
    detail = {**outcome.detail, "note": outcome.note}
    if outcome.error:
        detail["error"] = outcome.error
    ctx.ledger.stage_finished(
        state, outcome.status, counts=outcome.counts, outputs=outcome.outputs, detail=detail
    )
    ctx.outcomes[name] = outcome
    ctx.progress.stage_finished(name, outcome)
    return outcome


def _prepare(
    ledger: RunLedger,
    options: RunOptions,
    digest: str,
    inputs: Inputs,
    config: Config,
    selected: list[str],
) -> RunRecord | None:
    """The run to resume (checked against the inputs and configuration), or None."""
    if not options.resume:
        return None
    record = ledger.latest(unfinished=True)
    if record is None:
        newest = ledger.latest()
        raise UsageError(
            "there is no unfinished run to resume"
            + (f" (the last one, {newest.run_id}, completed)" if newest else ""),
            hint="start a new run without --resume",
        )
    if options.force:
        return record
    problems = []
    if record.config_hash != digest:
        problems.append("the configuration changed")
    before = {f[0]: f[1:] for f in record.inputs.get("files", [])}
    now = {f[0]: f[1:] for f in inputs.fingerprint()["files"]}
    for uri in sorted(set(before) | set(now)):
        if uri not in now:
            problems.append(f"{redact_uri(uri)} is gone")
        elif uri not in before:
            problems.append(f"{redact_uri(uri)} is new")
        elif before[uri] != now[uri]:
            size0, size1 = before[uri][0], now[uri][0]
            what = f"size {size0} → {size1}" if size0 != size1 else "modified since"
            problems.append(f"{redact_uri(uri)} changed ({what})")
    if problems:
        shown = "; ".join(problems[:3]) + (
            f"; and {len(problems) - 3} more" if len(problems) > 3 else ""
        )
        raise UsageError(
            f"cannot resume run {record.run_id}: {shown}",
            hint="resume anyway with --force, or start a new run without --resume",
        )
    return record


def _restore(ctx: RunContext, record: RunRecord) -> None:
    """What the finished stages of a resumed run produced, for the stages still to run."""
    from assay.pipeline.report import LoadReport, RuleResult, TableReport
    from assay.report import ArtifactEntry
    from assay.staging.schemas import load_schema

    for name in ("refine", "infer"):
        version = record.stages.get(name) and record.stages[name].outputs.get("schema_version")
        if record.stage_done(name) and version:
            ctx.schema_version, ctx.schema = load_schema(ctx.store, int(version))
            break
    load_state = record.stages.get("load")
    if load_state is not None and record.stage_done("load"):
        data = load_state.outputs.get("load", {})
        ctx.load = LoadReport(data.get("target", ""), record.run_id, ctx.config.load.mode)
        for t in data.get("tables", []):
            report = TableReport(t["table"])
            for key in ("files", "rows_read", "rows_loaded", "rows_rejected", "duplicates_skipped"):
                setattr(report, key, int(t.get(key, 0)))
            report.rejected_by_reason.update(t.get("rejected_by_reason", {}))
            ctx.load.tables.append(report)
    check_state = record.stages.get("check")
    if check_state is not None and record.stage_done("check"):
        ctx.checks = []
        for t in check_state.outputs.get("checks", []):
            report = TableReport(t["table"])
            report.checks = [
                RuleResult(**{k: v for k, v in c.items() if k in RuleResult.__dataclass_fields__})
                for c in t.get("checks", [])
            ]
            ctx.checks.append(report)
    generate_state = record.stages.get("generate")
    if generate_state is not None and record.stage_done("generate"):
        for path in generate_state.outputs.get("files", []):
            kind = path.split("/", 1)[0] if "/" in path else "index"
            ctx.artifacts.append(ArtifactEntry(kind=kind, path=path))


def _replayed(record: RunRecord, name: str) -> StageOutcome:
    state = record.stages[name]
    return StageOutcome(
        state.status,
        counts=state.counts,
        outputs=state.outputs,
        detail=state.detail,
        note=(state.detail.get("note") or "") + " (done before the interruption)",
    )


def _staging_path(config: Config) -> str:
    """The store's location; the default one's folder (``.assay/``) is created on first use."""
    from assay.defaults import DEFAULT_STAGING_DB

    path = config.resolve_path(config.staging.db)
    if config.staging.db == DEFAULT_STAGING_DB:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    return path


def _input_errors(ctx: RunContext) -> bool:
    ingest = ctx.outcomes.get("ingest")
    return bool(ctx.inputs.errors) or bool(ingest and ingest.detail.get("errors"))


def _describe(config: Config, selected: list[str]) -> dict[str, Any]:
    return {
        "stages": selected,
        "sources": _sources(config),
        "target": redact_uri(config.target),
        "staging": redact_uri(config.staging.db),
    }


def _sources(config: Config) -> list[str]:
    return [redact_uri(config.resolve_path(s.path)) for s in config.sources]
