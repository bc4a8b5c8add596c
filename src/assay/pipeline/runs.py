"""The run ledger: what each ``assay run`` did, stage by stage, kept in the staging store.

A run is a row ``(run_id, "_run")`` holding its status, configuration hash, input
fingerprints and command, plus one row per stage it touched (status, timings, counts,
outputs, errors), all through :mod:`assay.staging.state`, which writes each row in its
own transaction (a crash leaves the last finished stage recorded, never half a row).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from assay.errors import UsageError
from assay.staging.ddl import SCHEMA
from assay.staging.state import StageState, load_state, save_state
from assay.staging.store import StagingStore

RUN = "_run"  # the row that describes the run as a whole
STAGES = ("ingest", "infer", "refine", "map", "load", "generate", "check", "report")


def now() -> datetime:
    return datetime.now(UTC)


def new_run_id() -> str:
    """Sortable by time, unique across machines: ``20261127T101500Z-3fa9c1``."""
    return now().strftime("%Y%m%dT%H%M%SZ") + "-" + secrets.token_hex(3)


@dataclass
class RunRecord:
    run_id: str
    status: str  # running | complete | failed | interrupted
    started_at: datetime | None
    finished_at: datetime | None
    config_hash: str | None
    inputs: dict[str, Any] = field(default_factory=dict)
    detail: dict[str, Any] = field(default_factory=dict)
    stages: dict[str, StageState] = field(default_factory=dict)

    def stage_done(self, stage: str) -> bool:
        state = self.stages.get(stage)
        return state is not None and state.status in ("complete", "skipped")


class RunLedger:
    """Reads and writes the ledger of runs in one staging store."""

    def __init__(self, store: StagingStore) -> None:
        self.store = store

    # ------------------------------------------------------------------ writing
    def start(
        self, run_id: str, config_hash: str, inputs: dict[str, Any], detail: dict[str, Any]
    ) -> None:
        save_state(
            self.store,
            StageState(
                run_id,
                RUN,
                "running",
                started_at=now(),
                config_hash=config_hash,
                inputs=inputs,
                detail=detail,
            ),
        )

    def resume(self, record: RunRecord) -> None:
        state = self._row(record.run_id, RUN)
        state.status = "running"
        state.finished_at = None
        state.detail = {**state.detail, "resumed": state.detail.get("resumed", 0) + 1}
        save_state(self.store, state)

    def finish(self, run_id: str, status: str, **detail: Any) -> None:
        state = self._row(run_id, RUN)
        state.status = status
        state.finished_at = now()
        state.detail = {**state.detail, **detail}
        save_state(self.store, state)

    def stage_started(self, run_id: str, stage: str, config_hash: str) -> StageState:
        state = StageState(run_id, stage, "running", started_at=now(), config_hash=config_hash)
        save_state(self.store, state)
        return state

    def stage_finished(
        self,
        state: StageState,
        status: str,
        *,
        counts: dict[str, Any] | None = None,
        outputs: dict[str, Any] | None = None,
        detail: dict[str, Any] | None = None,
    ) -> StageState:
        state.status = status
        state.finished_at = now()
        state.counts = counts or {}
        state.outputs = outputs or {}
        state.detail = detail or {}
        save_state(self.store, state)
        return state

    # ------------------------------------------------------------------ reading
    def get(self, run_id: str) -> RunRecord:
        states = {s.stage: s for s in load_state(self.store, run_id)}
        head = states.pop(RUN, None)
        if head is None:
            raise UsageError(
                f"there is no run {run_id!r} in {self.store.display}",
                hint="list them with: assay runs",
            )
        return RunRecord(
            run_id,
            head.status,
            head.started_at,
            head.finished_at,
            head.config_hash,
            head.inputs,
            head.detail,
            states,
        )

    def latest(self, *, unfinished: bool = False) -> RunRecord | None:
        """The newest run (``unfinished``: the newest run that did not complete)."""
        for run_id in self.run_ids():
            record = self.get(run_id)
            if not unfinished or record.status != "complete":
                return record
            if unfinished:
                return None  # the newest run completed: nothing to resume
        return None

    def run_ids(self, limit: int | None = None) -> list[str]:
        sql = (
            f"SELECT run_id FROM {SCHEMA}.pipeline_state WHERE stage = ? "
            "ORDER BY started_at DESC, run_id DESC"
        )
        _, rows = self.store.fetch(sql + (f" LIMIT {int(limit)}" if limit else ""), (RUN,))
        return [r[0] for r in rows]

    def latest_output(self, stage: str) -> StageState | None:
        """The outputs of the newest complete run of ``stage`` (for stage subsets)."""
        _, rows = self.store.fetch(
            f"SELECT run_id FROM {SCHEMA}.pipeline_state WHERE stage = ? AND status = ? "
            "ORDER BY finished_at DESC LIMIT 1",
            (stage, "complete"),
        )
        return self._row(rows[0][0], stage) if rows else None

    def _row(self, run_id: str, stage: str) -> StageState:
        for state in load_state(self.store, run_id):
            if state.stage == stage:
                return state
        raise UsageError(f"run {run_id} has no {stage} stage recorded")
