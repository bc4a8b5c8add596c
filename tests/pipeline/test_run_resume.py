"""Kill ``assay run`` with SIGKILL inside the ingest and inside the load stage, resume it,
and check every row is staged and loaded exactly once."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from assay.staging import open_store

pytestmark = pytest.mark.slow

FILES = 8
ROWS = 30_000


def make_inputs(folder: Path) -> None:
    """Dated exports of one table: grouped into table ``sales`` by the run."""
    folder.mkdir()
    for i in range(FILES):
        lines = ["id,day,amount,note"]
        lines += [
            f"{i * ROWS + n},2024-01-{1 + n % 28:02d},{n % 997}.{n % 100:02d},row {n} of {i}"
            for n in range(ROWS)
        ]
        (folder / f"sales_2024-{i + 1:02d}.csv").write_text("\n".join(lines) + "\n")


def start(tmp_path: Path, *args: str) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "assay", "--log-format", "json", "-vv", "run", *args]
    return subprocess.Popen(
        command, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )


def messages(process: subprocess.Popen[str]):
    assert process.stderr is not None
    for line in process.stderr:
        try:
            yield json.loads(line).get("message", "")
        except ValueError:
            continue  # the stage lines of the plain progress display


def kill_when(process: subprocess.Popen[str], after: str, count: int, then: str) -> None:
    """SIGKILL once ``after`` was logged ``count`` times and ``then`` appears."""
    seen = 0
    for message in messages(process):
        if after in message:
            seen += 1
        elif seen >= count and then in message:
            process.send_signal(signal.SIGKILL)
            break
    process.wait(timeout=300)
    assert process.returncode == -signal.SIGKILL


def resume(tmp_path: Path, data: Path, *args: str) -> dict:
    """The same command again with --resume (other options would be another config)."""
    result = subprocess.run(
        [sys.executable, "-m", "assay", "run", str(data), *args, "--resume", "--json"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout)


def assert_exactly_once(tmp_path: Path) -> None:
    with open_store(str(tmp_path / ".assay" / "staging.duckdb")) as store:
        staged = store.fetch(
            "SELECT count(*), count(DISTINCT raw) FROM assay_staging.current_records "
            "WHERE partition_key = 'sales'"
        )[1][0]
    assert staged == (FILES * ROWS, FILES * ROWS)
    with duckdb.connect(str(tmp_path / "assay.duckdb"), read_only=True) as con:
        loaded = con.execute("SELECT count(*), count(DISTINCT id), min(id), max(id) FROM sales")
        assert loaded.fetchone() == (FILES * ROWS, FILES * ROWS, 0, FILES * ROWS - 1)


def test_a_run_killed_while_ingesting_resumes_and_stages_every_row_once(tmp_path: Path) -> None:
    data = tmp_path / "data"
    make_inputs(data)
    process = start(tmp_path, str(data), "--set", "staging.batch_size=5000")
    kill_when(process, "staged version", 3, " record(s) into ")
    summary = resume(tmp_path, data, "--set", "staging.batch_size=5000")
    assert summary["stages"]["ingest"]["status"] == "complete"
    assert summary["totals"]["rows_loaded"] == FILES * ROWS
    assert_exactly_once(tmp_path)


@pytest.mark.parametrize("overlap", ["true", "false"])
def test_a_run_killed_while_loading_resumes_and_loads_every_row_once(
    tmp_path: Path, overlap: str
) -> None:
    """With overlap the load runs alongside ingest, which may or may not have finished
    when the process dies; either way the resumed run loads each file once."""
    data = tmp_path / "data"
    make_inputs(data)
    setting = ("--set", f"policies.overlap={overlap}")
    process = start(tmp_path, str(data), *setting)
    kill_when(process, "committed ", 3, "loading ")
    summary = resume(tmp_path, data, *setting)
    if overlap == "false":
        assert "done before the interruption" in summary["stages"]["ingest"]["note"]
    load = summary["stages"]["load"]["counts"]
    assert load["files_skipped"] == 3 and load["rows_loaded"] == (FILES - 3) * ROWS
    assert_exactly_once(tmp_path)
