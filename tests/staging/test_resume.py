"""Kill an ingest with SIGKILL half-way, resume it, and check every record is there once."""

from __future__ import annotations

import hashlib
import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from assay.errors import UsageError
from assay.staging import IngestOptions, ingest, open_store

FILES = 10
LINES = 30_000


def make_inputs(folder: Path) -> dict[str, list[str]]:
    """Ten JSON Lines files (and their exact lines), big enough to be killed inside one."""
    folder.mkdir()
    out = {}
    for i in range(FILES):
        lines = [
            json.dumps({"file": i, "n": n, "text": f"record {n} of file {i} " + "x" * 80})
            for n in range(LINES)
        ]
        path = folder / f"part_{i:02d}.jsonl"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        out[str(path.resolve())] = lines
    return out


def command(*args: str) -> list[str]:
    return [sys.executable, "-m", "assay", "--log-format", "json", "-vv", "stage", *args]


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["duckdb", "postgres"])
def test_resume_after_sigkill_stages_every_record_exactly_once(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    db = (
        str(tmp_path / "staging.duckdb")
        if backend == "duckdb"
        else request.getfixturevalue("pg_dsn")
    )
    expected = make_inputs(tmp_path / "in")
    ingest_args = ["ingest", str(tmp_path / "in"), "--db", db, "--dedup", "none"]
    process = subprocess.Popen(
        command(*ingest_args, "--batch-size", "2000"),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    committed = 0
    assert process.stderr is not None
    for line in process.stderr:
        message = json.loads(line).get("message", "")
        if "staged version" in message:
            committed += 1
        elif committed == 3 and " record(s) into " in message:
            # The fourth file's transaction is open and part of its records are loaded.
            process.send_signal(signal.SIGKILL)
            break
    process.wait(timeout=120)
    assert process.returncode == -signal.SIGKILL

    # What survived: whole files only, and a batch still marked running.
    with open_store(db) as store:
        batch = store.last_unfinished_batch()
        assert batch is not None and batch.status == "running"
        done = store.committed_uris(batch.batch_id)
        assert len(done) == 3
        statuses = store.fetch("SELECT DISTINCT status FROM assay_staging.files")[1]
        assert statuses == [("staged",)]  # the file being loaded left no trace
        if backend == "postgres":  # ... though some of its records had been written
            time.sleep(1)  # the server notices the lost client and rolls back
            store.execute("SELECT pg_stat_force_next_flush()")
            inserted = store.fetch(
                "SELECT n_tup_ins FROM pg_stat_user_tables WHERE relname = 'records'"
            )[1][0][0]
            assert inserted > 3 * LINES
        rows = store.fetch("SELECT count(*) FROM assay_staging.records")[1][0][0]
        assert rows == len(done) * LINES
        # A new batch without --resume would say so (and is not what we want here).
        with pytest.raises(UsageError, match="other inputs"):
            ingest(store, [str(tmp_path)], IngestOptions(resume=True))

    resumed = subprocess.run(
        command("ingest", "--resume", "--db", db), capture_output=True, text=True, timeout=300
    )
    assert resumed.returncode == 0, resumed.stderr
    assert f"resumed {batch.batch_id}: {FILES - len(done)} file(s) staged" in resumed.stdout

    with open_store(db) as store:
        records = store.fetch(
            "SELECT f.uri, r.record_no, r.line_no, r.content_hash FROM assay_staging.records r "
            "JOIN assay_staging.files f ON f.file_id = r.file_id"
        )[1]
        final = store.batch(batch.batch_id)
        batches = store.fetch("SELECT count(*) FROM assay_staging.batches")[1][0][0]
    assert len(records) == FILES * LINES
    got = {(uri, record_no, line_no, digest) for uri, record_no, line_no, digest in records}
    want = {
        (uri, n + 1, n + 1, hashlib.md5(text.encode()).hexdigest())
        for uri, lines in expected.items()
        for n, text in enumerate(lines)
    }
    assert got == want  # nothing missing, nothing twice (a duplicate would shrink the set)
    assert final is not None
    assert (final.status, final.files_staged, final.records_staged) == (
        "complete",
        FILES,
        FILES * LINES,
    )
    assert batches == 1
