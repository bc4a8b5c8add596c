"""Stages that go ahead on a second thread while ingest stages the inputs.

Inference and the typed load read the input files, not the staged records, whenever
the two hold the same rows (local files, dedup ``none`` or ``path``). So while ingest
writes the staging store, a thread infers the files, loads them into the target with
that schema, writes the artifacts and runs the quality checks: on two or more cores the
run takes about as long as the longest of ingest and that chain, not their sum.

The stages still run in order in the run's loop and are recorded there: each takes what
went ahead from ``ctx.side_work`` (a ``Future`` of ``(schema, result)``; inference's of
the schema) when it works with that very schema, and raises a failure ahead as its own.
The thread touches neither the staging store nor the run ledger, and writes only what
the stage would write (the target, ``out/``), in the same order.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path
from typing import Any

from assay.pipeline import stages
from assay.pipeline.context import RunContext


def start(ctx: RunContext, selected: list[str]) -> None:
    """Start the chain ahead (infer, then load, generate, check where they may go)."""
    if not _infer_can_go_ahead(ctx, selected):
        return
    chain: list[tuple[str, Callable[[Any, dict[str, Any]], Any]]] = [
        ("infer", lambda schema, done: stages.infer_files(ctx))
    ]
    if _load_can_go_ahead(ctx, selected):
        chain.append(("load", lambda schema, done: stages.load_files_with(ctx, schema, _quiet)))
        if "generate" in selected:
            chain.append(("generate", lambda schema, done: stages.write_artifacts(ctx, schema)))
        if "check" in selected:
            chain.append(
                ("check", lambda schema, done: stages.check_tables(ctx, schema, done["load"]))
            )
    futures: dict[str, Future[Any]] = {name: Future() for name, _ in chain}
    stop = threading.Event()

    def work() -> None:
        schema: Any = None
        done: dict[str, Any] = {}
        for index, (name, step) in enumerate(chain):
            if stop.is_set():  # the run ended (a stage failed): start nothing more
                for later, _ in chain[index:]:
                    futures[later].cancel()
                return
            futures[name].set_running_or_notify_cancel()
            try:
                value = step(schema, done)
            except BaseException as exc:  # each later stage raises it as its own failure
                for later, _ in chain[index:]:
                    if later != name:
                        futures[later].set_running_or_notify_cancel()
                    futures[later].set_exception(exc)
                return
            if name == "infer":
                schema = value
                futures[name].set_result(schema)
            else:
                done[name] = value
                futures[name].set_result((schema, value))

    thread = threading.Thread(target=work, name="assay-ahead", daemon=True)
    thread.start()
    ctx.side_work.update(futures)

    def finish() -> None:
        stop.set()
        thread.join()

    ctx.side_work["finish"] = finish


def finish(ctx: RunContext) -> None:
    """Wait for the work ahead to end (after the step it is in) before the run ends, so
    that no load is cut off mid-transaction when the process exits."""
    wait = ctx.side_work.pop("finish", None)
    if wait is not None:
        wait()


def _infer_can_go_ahead(ctx: RunContext, selected: list[str]) -> bool:
    return (
        ctx.config.policies.overlap
        and "ingest" in selected
        and "infer" in selected
        and "ingest" not in ctx.outcomes
        and stages.files_can_be_inferred(ctx)
    )


def _load_can_go_ahead(ctx: RunContext, selected: list[str]) -> bool:
    """Whether the load may run alongside ingest, straight after the inference ahead.

    Only when nothing between infer and load changes the schema (no model configured),
    the mode tolerates running again after a failed ingest (files a target holds are
    skipped by fingerprint, so a resumed run converges; ``create`` would refuse), and
    the target is not the staging database itself."""
    config = ctx.config
    if "load" not in selected:
        return False
    refining = config.llm is not None and config.llm.spec.strip() not in ("", "none")
    if refining and "refine" in selected:
        return False
    if config.load.mode == "create":
        return False
    return not _target_is_staging(ctx)


def _target_is_staging(ctx: RunContext) -> bool:
    from assay.targets.uri import parse_target

    target = parse_target(ctx.config.target)
    if target.scheme != "duckdb":
        return False
    staging = Path(ctx.config.resolve_path(ctx.config.staging.db)).resolve()
    return target.local_path().resolve() == staging


def _quiet(text: str) -> None:
    """Progress messages of work running alongside another stage are not shown."""
