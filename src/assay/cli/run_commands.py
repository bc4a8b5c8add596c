"""``assay run`` (the whole pipeline), ``assay runs`` and ``assay runs show ID``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table as RichTable

from assay.cli.app import app, console, err_console, handle_errors, settings
from assay.cli.config_commands import ConfigOption, SetOption

if TYPE_CHECKING:
    from assay.config import Config
    from assay.pipeline.context import StageOutcome
    from assay.pipeline.dry_run import Plan
    from assay.pipeline.run import RunResult

runs_app = typer.Typer(
    help="Runs of the pipeline recorded in the staging store.",
    invoke_without_command=True,
    add_completion=False,
)
app.add_typer(runs_app, name="runs")

StagingOption = Annotated[
    str | None, typer.Option("--db", help="Staging store (default: from assay.yaml).")
]


@app.command(
    "run",
    epilog="Examples:\n\n  assay run examples/shop\n\n"
    "  assay run examples/shop --dry-run\n\n"
    "  assay run --config assay.yaml --resume\n\n"
    "  assay run examples/shop --stages infer,generate\n\n"
    "  assay run drops/ --target postgresql://etl@db/dw --llm ollama:qwen2.5:7b --json",
)
@handle_errors
def run_command(
    paths: Annotated[
        list[str] | None,
        typer.Argument(help="Data to run on (replaces the configured sources).", metavar="PATH..."),
    ] = None,
    config: ConfigOption = None,
    assignments: SetOption = None,
    target: Annotated[
        str | None, typer.Option("--target", help="Where to load: duckdb:///…, postgresql://…")
    ] = None,
    out: Annotated[Path | None, typer.Option("--out", help="Output directory (out/).")] = None,
    db: StagingOption = None,
    llm: Annotated[
        str | None, typer.Option("--llm", metavar="SPEC", help="Refine with a model.")
    ] = None,
    no_refine: Annotated[bool, typer.Option("--no-refine", help="Skip refinement.")] = False,
    resume: Annotated[
        bool, typer.Option("--resume", help="Continue the last unfinished run.")
    ] = False,
    force: Annotated[
        bool, typer.Option("--force", help="Resume even if the inputs or config changed.")
    ] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Check everything and show the plan; write nothing.")
    ] = False,
    stages: Annotated[
        str | None, typer.Option("--stages", help="Run only these stages, e.g. infer,generate.")
    ] = None,
    from_stage: Annotated[str | None, typer.Option("--from", help="First stage to run.")] = None,
    to_stage: Annotated[str | None, typer.Option("--to", help="Last stage to run.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Run the whole pipeline: ingest, infer, refine, map, load, generate, check, report."""
    from assay.cli.config_commands import load as load_config
    from assay.config import parse_assignments, with_overrides
    from assay.pipeline.run import RunOptions, run, select_stages

    overrides: dict[str, Any] = parse_assignments(assignments or [])
    if paths:
        overrides["sources"] = [_absolute(p) for p in paths]
    if target:
        overrides["target"] = target
    if out:
        overrides["outputs.dir"] = str(out.resolve())
    if db:
        overrides["staging.db"] = _absolute(db)
    if llm:
        overrides["llm"] = llm
    if no_refine:
        overrides["llm"] = None
    cfg = (
        with_overrides(load_config(config, None), overrides)
        if overrides
        else load_config(config, None)
    )
    options = RunOptions(
        resume=resume,
        force=force,
        stages=tuple(s.strip() for s in stages.split(",") if s.strip()) if stages else None,
        from_stage=from_stage,
        to_stage=to_stage,
    )
    if dry_run:
        from assay.pipeline.dry_run import plan

        result = plan(cfg, select_stages(options))
        _print_plan(result, as_json)
        raise typer.Exit(0 if result.ok else 1)
    progress = _progress(as_json)
    try:
        outcome = run(cfg, options, progress)
    finally:
        progress.close()
    if as_json:
        import orjson

        print(orjson.dumps(outcome.summary, option=orjson.OPT_INDENT_2).decode())
    else:
        _print_summary(outcome, cfg)
    raise typer.Exit(outcome.exit_code)


def _absolute(path: str) -> str:
    """Command-line paths are relative to the current directory (not the config file)."""
    if "://" in path or path == ":memory:":
        return path
    return str(Path(path).expanduser().resolve())


# ----------------------------------------------------------------------------- progress
class _PlainProgress:
    """Log lines, for pipes and CI logs."""

    def stage_started(self, stage: str, index: int, total: int) -> None:
        if settings.verbose:
            err_console.print(f"[{index + 1}/{total}] {stage} …", markup=False, highlight=False)

    def advance(self, done: float, total: float | None, unit: str) -> None:
        pass

    def message(self, text: str) -> None:
        if settings.verbose:
            err_console.print(f"  {text}", markup=False, highlight=False)

    def stage_finished(self, stage: str, outcome: StageOutcome) -> None:
        if not settings.quiet:
            err_console.print(_stage_line(stage, outcome), highlight=False)

    def close(self) -> None:
        pass


class _RichProgress(_PlainProgress):
    """An overall bar and a bar for the current stage (bytes, rate, ETA) on a terminal."""

    def __init__(self) -> None:
        from rich.progress import (
            BarColumn,
            DownloadColumn,
            Progress,
            SpinnerColumn,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
            TransferSpeedColumn,
        )

        self.bars = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            DownloadColumn(),
            TransferSpeedColumn(),
            TimeRemainingColumn(),
            TimeElapsedColumn(),
            console=err_console,
            transient=True,
        )
        self.overall = self.bars.add_task("run", total=None)
        self.current: Any = None
        self.bars.start()

    def stage_started(self, stage: str, index: int, total: int) -> None:
        self.bars.update(self.overall, total=total, completed=index, description="run")
        self.current = self.bars.add_task(stage, total=None)

    def advance(self, done: float, total: float | None, unit: str) -> None:
        if self.current is not None:
            self.bars.update(self.current, completed=done, total=total)

    def message(self, text: str) -> None:
        if self.current is not None:
            short = text if len(text) < 60 else "…" + text[-57:]
            self.bars.update(self.current, description=escape(short))
        super().message(text)

    def stage_finished(self, stage: str, outcome: StageOutcome) -> None:
        if self.current is not None:
            self.bars.remove_task(self.current)
            self.current = None
        self.bars.advance(self.overall)
        if not settings.quiet:
            self.bars.console.print(_stage_line(stage, outcome), highlight=False)

    def close(self) -> None:
        self.bars.stop()


def _progress(as_json: bool) -> _PlainProgress:
    if not as_json and not settings.quiet and err_console.is_terminal and sys.stderr.isatty():
        return _RichProgress()
    return _PlainProgress()


_MARK = {"complete": "[green]✓[/]", "skipped": "[dim]–[/]", "failed": "[bold red]✗[/]"}


def _stage_line(stage: str, outcome: StageOutcome) -> str:
    mark = _MARK.get(outcome.status, "·")
    seconds = f"{outcome.seconds:6.1f}s" if outcome.seconds else "       "
    return f"{mark} {stage:<9} {seconds}  {escape(outcome.note or outcome.status)}"


# ----------------------------------------------------------------------------- summary
def _print_summary(result: RunResult, cfg: Config) -> None:
    summary = result.summary
    if summary["tables"]:
        table = RichTable(title="Rows", title_justify="left", header_style="bold")
        for column in ("table", "read", "loaded", "rejected", "duplicates", "rejected by reason"):
            table.add_column(
                column,
                justify="left"
                if column.startswith(("table", "rej")) and column != "rejected"
                else "right",
            )
        for t in summary["tables"]:
            reasons = ", ".join(f"{k} {v}" for k, v in t["rejected_by_reason"].items())
            table.add_row(
                escape(t["table"]),
                f"{t['rows_read']:,}",
                f"{t['rows_loaded']:,}",
                f"{t['rows_rejected']:,}",
                f"{t['duplicates_skipped']:,}",
                escape(reasons) or "-",
            )
        totals = summary["totals"]
        table.add_row(
            "[bold]total[/]",
            f"{totals['rows_read']:,}",
            f"{totals['rows_loaded']:,}",
            f"{totals['rows_rejected']:,}",
            f"{totals['duplicates_skipped']:,}",
            "",
        )
        console.print(table)
        holds = totals["invariant_holds"]
        console.print(
            f"rows read {totals['rows_read']:,} = loaded {totals['rows_loaded']:,} + rejected "
            f"{totals['rows_rejected']:,} + duplicates {totals['duplicates_skipped']:,}: "
            + ("[green]every row accounted for[/]" if holds else "[bold red]MISMATCH[/]")
        )
    checks = summary["checks"]
    if checks["rules"]:
        line = f"checks: {checks['passed']} of {checks['rules']} rule(s) passed"
        if checks["failed"]:
            line += f", {checks['failed']} failed ({checks['critical_failed']} critical)"
        console.print(line)
    if summary["artifacts"]:
        console.print(
            f"artifacts: {len(summary['artifacts'])} file(s) in {escape(str(result.out_dir))}"
        )
    for error in summary["errors"]:
        err_console.print(f"[bold red]error:[/] {escape(error)}")
    verdict = "[green]complete[/]" if result.status == "complete" else "[bold red]failed[/]"
    report = result.out_dir / "report.html" if result.out_dir else None
    tail = f"; report: {escape(str(report))}" if report and report.exists() else ""
    console.print(f"run {result.run_id} {verdict} in {summary['seconds']:.1f}s{tail}")


def _print_plan(result: Plan, as_json: bool) -> None:
    if as_json:
        import orjson

        doc = {
            "ok": result.ok,
            "stages": result.stages,
            "tables": [t.__dict__ for t in result.tables],
            "problems": result.problems,
            "estimated_rows": result.inputs.estimated_rows,
            "bytes": result.inputs.total_bytes,
            "estimated_seconds": round(result.seconds, 1),
            "memory_bytes": int(result.memory_bytes),
            "disk_bytes": int(result.disk_bytes),
            "staging": result.staging,
            "target": result.target,
            "out_dir": result.out_dir,
        }
        print(orjson.dumps(doc, option=orjson.OPT_INDENT_2).decode())
        return
    console.print(f"[bold]plan[/] (dry run: nothing is written): {' → '.join(result.stages)}")
    table = RichTable(header_style="bold", title="Tables", title_justify="left")
    for column in ("table", "files", "size", "rows (est.)", "how"):
        table.add_column(column, justify="right" if column in ("size", "rows (est.)") else "left")
    for t in result.tables:
        names = ", ".join(Path(f).name for f in t.files[:4]) + (" …" if len(t.files) > 4 else "")
        table.add_row(
            escape(t.name),
            escape(names),
            _bytes(t.bytes),
            f"{t.estimated_rows:,}",
            escape(t.reason),
        )
    console.print(table)
    console.print(
        f"staging {escape(result.staging)} · target {escape(result.target)} · "
        f"outputs {escape(result.out_dir)}"
    )
    console.print(
        f"estimated: ~{result.inputs.estimated_rows:,} rows, {_bytes(result.inputs.total_bytes)} "
        f"read, ~{_duration(result.seconds)}, ~{_bytes(result.memory_bytes)} memory, "
        f"~{_bytes(result.disk_bytes)} disk"
    )
    for problem in result.problems:
        err_console.print(f"[bold red]problem:[/] {escape(problem)}")
    console.print("[green]ready to run[/]" if result.ok else "[bold red]not ready[/]")


def _bytes(n: float) -> str:
    for unit in ("B", "kB", "MB", "GB", "TB"):
        if n < 1000 or unit == "TB":
            return f"{n:,.0f} {unit}" if unit == "B" else f"{n:,.1f} {unit}"
        n /= 1000
    return f"{n:.1f} TB"


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f}s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


# ----------------------------------------------------------------------------- runs
@runs_app.callback()
def runs_command(
    ctx: typer.Context,
    config: ConfigOption = None,
    db: StagingOption = None,
    limit: Annotated[int, typer.Option("--limit", "-n", help="Newest N runs.")] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="As JSON.")] = False,
) -> None:
    """List the runs recorded in the staging store, newest first.

    Examples: assay runs · assay runs show 20261127T101500Z-3fa9c1
    """
    if ctx.invoked_subcommand is not None:
        ctx.obj = {"config": config, "db": db}
        return
    handle_errors(_list_runs)(config, db, limit, as_json)


def _open_ledger(config: Path | None, db: str | None) -> Any:
    from assay.cli.config_commands import load as load_config
    from assay.staging.connect import open_store

    cfg = load_config(config, None)
    return open_store(_absolute(db) if db else cfg.resolve_path(cfg.staging.db), create=False)


def _list_runs(config: Path | None, db: str | None, limit: int, as_json: bool) -> None:
    from assay.pipeline.runs import RunLedger

    with _open_ledger(config, db) as store:
        ledger = RunLedger(store)
        records = [ledger.get(r) for r in ledger.run_ids(limit)]
    if as_json:
        import orjson

        rows = [_run_json(r) for r in records]
        print(orjson.dumps(rows, option=orjson.OPT_INDENT_2).decode())
        return
    if not records:
        console.print("no runs yet: assay run PATH")
        return
    table = RichTable(header_style="bold")
    table.add_column("run", no_wrap=True)
    for column in ("status", "seconds", "stages", "rows loaded"):
        table.add_column(column, justify="left" if column == "status" else "right")
    for r in records:
        load = r.stages.get("load")
        loaded = load.counts.get("rows_loaded") if load else None
        done = [s for s in r.stages if r.stage_done(s)]
        table.add_row(
            r.run_id,
            _status(r.status),
            f"{r.detail.get('seconds', 0):.1f}" if r.detail.get("seconds") else "-",
            f"{len(done)}/{len(r.detail.get('stages', []))}",
            f"{loaded:,}" if loaded is not None else "-",
        )
    console.print(table)


@runs_app.command("show", epilog="Example:\n\n  assay runs show 20261127T101500Z-3fa9c1")
@handle_errors
def runs_show(
    ctx: typer.Context,
    run_id: Annotated[str, typer.Argument(help="The run's id (see assay runs).")],
    as_json: Annotated[bool, typer.Option("--json", help="As JSON.")] = False,
) -> None:
    """One run: its stages with timings, counts and errors."""
    from assay.pipeline.runs import STAGES, RunLedger

    obj = ctx.obj or {}
    with _open_ledger(obj.get("config"), obj.get("db")) as store:
        record = RunLedger(store).get(run_id)
    if as_json:
        import orjson

        print(orjson.dumps(_run_json(record), option=orjson.OPT_INDENT_2).decode())
        return
    console.print(
        f"run {record.run_id}: {_status(record.status)}"
        + (f", {record.detail.get('seconds'):.1f}s" if record.detail.get("seconds") else "")
    )
    console.print(f"sources: {escape(', '.join(record.detail.get('sources', [])))}")
    console.print(f"target: {escape(str(record.detail.get('target', '')))}")
    wide = console.width >= 120
    table = RichTable(header_style="bold")
    for column in ("stage", "status", "started", "seconds", *(("counts",) if wide else ()), "note"):
        table.add_column(column, overflow="fold", no_wrap=column in ("stage", "status", "started"))
    for name in STAGES:
        state = record.stages.get(name)
        if state is None:
            continue
        seconds = (
            f"{(state.finished_at - state.started_at).total_seconds():.1f}"
            if state.started_at and state.finished_at
            else "-"
        )
        counts = ", ".join(f"{k} {v:,}" for k, v in state.counts.items() if isinstance(v, int))
        note = state.detail.get("error") or state.detail.get("note") or ""
        table.add_row(
            name,
            _status(state.status),
            state.started_at.strftime("%H:%M:%S") if state.started_at else "-",
            seconds,
            *((escape(counts),) if wide else ()),
            escape(str(note)),
        )
    console.print(table)


def _status(status: str) -> str:
    colour = {"complete": "green", "failed": "bold red", "running": "yellow"}.get(status, "dim")
    return f"[{colour}]{status}[/]"


def _run_json(record: Any) -> dict[str, Any]:
    return {
        "run_id": record.run_id,
        "status": record.status,
        "started_at": record.started_at.isoformat() if record.started_at else None,
        "finished_at": record.finished_at.isoformat() if record.finished_at else None,
        "detail": record.detail,
        "stages": {
            name: {
                "status": s.status,
                "started_at": s.started_at.isoformat() if s.started_at else None,
                "finished_at": s.finished_at.isoformat() if s.finished_at else None,
                "counts": s.counts,
                "detail": s.detail,
            }
            for name, s in record.stages.items()
        },
    }
