"""Kill the loader with SIGKILL mid-load, run it again: every row exactly once.

The loader runs as a real subprocess (``python -m assay load``); it is killed right
after it reports a committed file, while it is busy with the next one, and again at a
moment before any commit.  Afterwards the target must hold exactly the rows its ledger
says were committed (nothing half-written), and a re-run must skip those files and load
the rest, so that every row is there once.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from assay.pipeline import load
from assay.targets import open_target
from tests.conftest import ROOT
from tests.load.conftest import make_uri

FILES, ROWS = 4, 40_000
pytestmark = pytest.mark.slow


def _data(directory: Path) -> Path:
    directory.mkdir()
    for f in range(FILES):
        lines = ["id,user_id,amount,day,note"]
        base = f * ROWS
        lines += [
            f"{base + i},{i % 977},{i % 1000}.{i % 100:02d},2024-01-{1 + i % 28:02d},n{i % 13}"
            for i in range(ROWS)
        ]
        (directory / f"part{f}.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return directory


def _kill_after(uri: str, data: Path, marker: str, count: int) -> None:
    """SIGKILL the loader while it is busy with a file: after its ``count``-th
    ``marker`` line, in the middle of the file it is loading then (half as long after
    that file's ``loading`` line as a whole file took, where one was seen)."""
    command = [
        sys.executable,
        "-m",
        "assay",
        "load",
        str(data),
        "--to",
        uri,
        "--table",
        "events",
        "--no-checks",
    ]
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "COLUMNS": "200"},
    )
    assert process.stderr is not None

    def next_line() -> str:
        line = process.stderr.readline()  # type: ignore[union-attr]
        if not line:
            raise AssertionError(f"the load ended before it could be killed ({process.wait()})")
        return line

    seen = 0
    started = 0.0
    file_seconds: list[float] = []
    while seen < count:
        line = next_line()
        if line.startswith("loading "):
            started = time.perf_counter()
        elif line.startswith("committed "):
            file_seconds.append(time.perf_counter() - started)
        seen += line.startswith(marker)
    if marker != "loading ":
        while not next_line().startswith("loading "):
            pass  # the next file: the kill lands inside it
    # A fixed delay once let the loader finish every file (and exit) before the kill.
    time.sleep(min(file_seconds) / 2 if file_seconds else 0.02)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    assert process.returncode == -signal.SIGKILL


def _ids(uri: str) -> list[int]:
    with open_target(uri) as target:
        return target.scan("events").column("id").to_pylist()


@pytest.mark.parametrize("engine", ["duckdb", "postgresql", "iceberg"])
@pytest.mark.parametrize(("marker", "count"), [("committed ", 2), ("loading ", 1)])
def test_resume_after_sigkill(
    engine: str, marker: str, count: int, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    uri = make_uri(engine, tmp_path, request)
    data = _data(tmp_path / "drop")
    _kill_after(uri, data, marker, count)
    commits = count if marker == "committed " else 0

    with open_target(uri) as target:
        done = target.units("events") if target.describe("events") else {}
        committed = sum(r.rows_loaded for r in done.values())
        held = target.scan("events").num_rows if target.describe("events") else 0
    assert commits <= len(done) < FILES  # killed with a file still to load
    assert held == committed  # nothing of the killed file is visible

    report = load(str(data), target=uri, table="events", checks=False)
    t = report.tables[0]
    assert t.files_skipped == len(done)
    assert t.rows_read == (FILES - len(done)) * ROWS == t.rows_loaded
    ids = _ids(uri)
    assert len(ids) == len(set(ids)) == FILES * ROWS
