"""Pipeline state: one row per run and stage, kept in the staging store.

Generic on purpose (the pipeline decides what a stage is): a status, timestamps, and
JSON documents for counts, input fingerprints, outputs and anything else; a hash of
the configuration lets a re-run tell whether a finished stage can be skipped.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson

from assay.staging.ddl import SCHEMA
from assay.staging.store import StagingStore

_JSON = ("counts", "inputs", "outputs", "detail")


@dataclass
class StageState:
    run_id: str
    stage: str
    status: str
    started_at: datetime | None = None
    finished_at: datetime | None = None
    config_hash: str | None = None
    counts: dict[str, Any] = field(default_factory=dict)
    inputs: dict[str, Any] = field(default_factory=dict)
    outputs: dict[str, Any] = field(default_factory=dict)
    detail: dict[str, Any] = field(default_factory=dict)


def save_state(store: StagingStore, state: StageState) -> None:
    """Insert or replace the state of one stage of one run."""
    values = [orjson.dumps(getattr(state, name), default=str).decode() for name in _JSON]
    with store.transaction():
        store.execute(
            f"DELETE FROM {SCHEMA}.pipeline_state WHERE run_id = ? AND stage = ?",
            (state.run_id, state.stage),
        )
        store.execute(
            f"""INSERT INTO {SCHEMA}.pipeline_state (run_id, stage, status, started_at,
            finished_at, config_hash, counts, inputs, outputs, detail)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            (
                state.run_id,
                state.stage,
                state.status,
                state.started_at,
                state.finished_at,
                state.config_hash,
                *values,
            ),
        )


def load_state(store: StagingStore, run_id: str) -> list[StageState]:
    """Every stage recorded for a run, in stage-name order."""
    _, rows = store.fetch(
        f"""SELECT run_id, stage, status, started_at, finished_at, config_hash, counts,
        inputs, outputs, detail FROM {SCHEMA}.pipeline_state WHERE run_id = ?
        ORDER BY stage""",
        (run_id,),
    )
    out = []
    for row in rows:
        documents = [orjson.loads(v) if isinstance(v, str | bytes) else (v or {}) for v in row[6:]]
        out.append(StageState(*row[:6], *documents))
    return out
