"""What the stages of a run share: the configuration, the store, the inputs, the
results so far, and a way to tell the user what is happening."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from assay.config import Config
    from assay.pipeline.inputs import Inputs
    from assay.pipeline.report import LoadReport, TableReport
    from assay.pipeline.runs import RunLedger
    from assay.report import ArtifactEntry
    from assay.schema import Schema
    from assay.staging.store import StagingStore


class RunProgress(Protocol):
    """How a run reports itself (a Rich display on a terminal, log lines elsewhere)."""

    def stage_started(self, stage: str, index: int, total: int) -> None: ...

    def advance(self, done: float, total: float | None, unit: str) -> None: ...

    def message(self, text: str) -> None: ...

    def stage_finished(self, stage: str, outcome: StageOutcome) -> None: ...


class SilentProgress:
    def stage_started(self, stage: str, index: int, total: int) -> None:
        pass

    def advance(self, done: float, total: float | None, unit: str) -> None:
        pass

    def message(self, text: str) -> None:
        pass

    def stage_finished(self, stage: str, outcome: StageOutcome) -> None:
        pass


@dataclass
class StageOutcome:
    """What one stage did: ``status`` complete, skipped or failed; numbers for the summary;
    ``outputs`` what later stages (and a resumed run) read back."""

    status: str = "complete"
    counts: dict[str, Any] = field(default_factory=dict)
    outputs: dict[str, Any] = field(default_factory=dict)
    detail: dict[str, Any] = field(default_factory=dict)
    note: str = ""  # one line for the user
    error: str | None = None
    seconds: float = 0.0


@dataclass
class RunContext:
    config: Config
    run_id: str
    store: StagingStore
    ledger: RunLedger
    inputs: Inputs
    out_dir: Path
    config_hash: str
    progress: RunProgress = field(default_factory=SilentProgress)
    resuming: bool = False
    # Results, filled by the stages (or read back from the store for a stage subset).
    schema: Schema | None = None
    schema_version: int | None = None
    load: LoadReport | None = None
    checks: list[TableReport] | None = None
    artifacts: list[ArtifactEntry] = field(default_factory=list)
    outcomes: dict[str, StageOutcome] = field(default_factory=dict)
    # Work started ahead of its stage on another thread (stage name -> Future).
    side_work: dict[str, Any] = field(default_factory=dict)

    @property
    def tables(self) -> list[str]:
        return sorted(self.inputs.grouping.tables)
