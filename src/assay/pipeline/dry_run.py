"""``assay run --dry-run``: check the configuration and every input, then say what a run
would do — stages, tables, files, estimated rows, time, memory and disk — writing nothing.

Nothing here opens the staging store or the target (both may not exist yet, and opening
a DuckDB file creates it); inputs are only detected (a bounded prefix of each file).
The estimates are throughputs measured on the project's benchmark machine (2 cores):
rough, stated as such, and enough to tell minutes from hours.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from assay.config import Config
from assay.pipeline.inputs import Inputs, discover
from assay.redaction import redact_uri

# Bytes per second of input, per stage, one after another (docs/performance.md: the
# 1e6-row benchmark CSV on the 2-core machine: ingest 5.0 s, infer 1.6 s, load 3.2 s).
RATES = {"ingest": 43e6, "infer": 130e6, "load": 65e6, "check": 700e6}
# Start-up, the artifacts and the report (~0.5 s each of start-up and the rest).
FIXED_SECONDS = 1.0
# Stages alongside each other on two cores finish in the sum of their times divided by
# this (measured: 10.1 s of stages in order took 7.6 s alongside), never faster than the
# longest of them.
OVERLAP_SPEEDUP = 1.33
# Peak memory: readers, encoders and engine buffers (a few 16 MB chunks each, more with
# the stages alongside), plus the load's duplicate index and sketches per row (1.2 GB at
# 1e6 rows and 2.5 GB at 1e7 with the stages alongside; 0.8 GB and ~2 GB in order).
BASE_MEMORY = 700e6
OVERLAP_MEMORY = 400e6
MEMORY_PER_ROW = 130
# The staging store keeps the raw records compressed; the target the typed rows.
STAGING_PER_INPUT_BYTE = 0.7
TARGET_PER_INPUT_BYTE = 0.5


@dataclass
class PlannedTable:
    name: str
    files: list[str]
    bytes: int
    estimated_rows: int
    reason: str


@dataclass
class Plan:
    stages: list[str]
    inputs: Inputs
    tables: list[PlannedTable] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    seconds: float = 0.0
    memory_bytes: float = 0.0
    disk_bytes: float = 0.0
    staging: str = ""
    target: str = ""
    out_dir: str = ""

    @property
    def ok(self) -> bool:
        return not self.problems


def plan(config: Config, stages: list[str]) -> Plan:
    inputs = discover(config)
    out = Plan(stages, inputs)
    out.problems += [str(e) for e in inputs.errors]
    if not config.sources:
        out.problems.append("no sources: give paths or list sources in assay.yaml")
    elif not inputs.files:
        out.problems.append("the sources name no data files")
    files = {f.uri: f for f in inputs.files}
    for name, uris in sorted(inputs.grouping.tables.items()):
        members = [files[u] for u in uris if u in files]
        out.tables.append(
            PlannedTable(
                name,
                [redact_uri(u) for u in uris],
                sum(f.size or 0 for f in members),
                sum(f.estimated_rows for f in members),
                inputs.grouping.reasons.get(name, ""),
            )
        )
    total = inputs.total_bytes
    seconds = {stage: total / rate for stage, rate in RATES.items() if stage in stages}
    overlap = (
        config.policies.overlap
        and config.policies.dedup in ("none", "path")
        and {"ingest", "infer"} <= set(stages)
    )
    if overlap:  # infer, load and check run while ingest stages (pipeline.ahead)
        alongside = [seconds.pop(s, 0.0) for s in ("ingest", "infer", "load", "check")]
        seconds["alongside"] = max(max(alongside), sum(alongside) / OVERLAP_SPEEDUP)
    out.seconds = sum(seconds.values()) + FIXED_SECONDS
    rows = inputs.estimated_rows or 0
    out.memory_bytes = BASE_MEMORY + (OVERLAP_MEMORY if overlap else 0) + MEMORY_PER_ROW * rows
    disk = 0.0
    if "ingest" in stages:
        disk += total * STAGING_PER_INPUT_BYTE
    if "load" in stages:
        disk += total * TARGET_PER_INPUT_BYTE
    out.disk_bytes = disk
    out.staging = redact_uri(config.resolve_path(config.staging.db))
    out.target = redact_uri(config.target)
    out.out_dir = str(Path(config.resolve_path(config.outputs.dir)))
    if config.llm is not None and "refine" in stages:
        out.problems += _llm_problems(config)
    return out


def _llm_problems(config: Config) -> list[str]:
    assert config.llm is not None
    spec = config.llm.spec
    problems = []
    if spec.startswith("gguf:"):
        path = Path(config.resolve_path(spec[len("gguf:") :]))
        if not path.is_file():
            problems.append(f"llm: the model file {path} does not exist")
    for doc in config.llm.docs:
        if not Path(config.resolve_path(doc)).exists():
            problems.append(f"llm.docs: {doc} does not exist")
    return problems
