"""Opening stores: paths checked, passwords never shown, migrations forward and once."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from assay.errors import StagingError
from assay.staging import StagingStore, ddl, open_store
from assay.staging.connect import describe


def test_default_store_is_created_under_dot_assay(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    with open_store() as store:
        assert store.display == str(tmp_path / ".assay" / "staging.duckdb")
    assert (tmp_path / ".assay" / "staging.duckdb").is_file()


@pytest.mark.parametrize(
    ("target", "message"),
    [
        (".", "is a directory, not a staging database"),
        ("missing/dir/s.duckdb", "no such directory for the staging database"),
    ],
)
def test_bad_paths_are_clear_errors(tmp_path: Path, monkeypatch, target: str, message: str) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    with pytest.raises(StagingError, match=message):
        open_store(target)


def test_reading_a_store_that_does_not_exist_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(StagingError, match="there is no staging database here") as info:
        open_store(tmp_path / "nothing.duckdb", read_only=True)
    assert info.value.code == "not_found"
    assert not (tmp_path / "nothing.duckdb").exists()


def test_passwords_never_appear_in_messages() -> None:
    url = "postgresql://loader:s3cr3t-pw@127.0.0.1:1/warehouse"
    assert describe(url) == "postgresql://loader:***@127.0.0.1:1/warehouse"
    with pytest.raises(StagingError) as info:
        open_store(url)
    text = str(info.value)
    assert "s3cr3t-pw" not in text
    assert text.startswith("cannot connect to postgresql://loader:***@127.0.0.1:1/warehouse")
    assert info.value.code == "unreachable"


def test_a_second_writer_gets_a_clear_error(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    with open_store(db):
        holder = textwrap.dedent(
            f"""
            from assay.staging import open_store
            try:
                open_store({str(db)!r})
            except Exception as exc:
                print(type(exc).__name__, getattr(exc, "code", ""), exc)
            """
        )
        result = subprocess.run(
            [sys.executable, "-c", holder], capture_output=True, text=True, timeout=60
        )
    assert result.stdout.startswith("StagingError locked ")
    assert "in use by another process" in result.stdout


def test_migrations_are_recorded_and_applied_forward_once(
    store: StagingStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    versions = store.fetch("SELECT version, description FROM assay_staging.schema_version")[1]
    assert versions == [(m.version, m.description) for m in ddl.MIGRATIONS]
    assert store.migrate() == []  # nothing left to do
    extra = ddl.Migration(
        len(ddl.MIGRATIONS) + 1,
        "test: a later column",
        (f"ALTER TABLE {ddl.SCHEMA}.batches ADD COLUMN note VARCHAR",),
    )
    monkeypatch.setattr(ddl, "MIGRATIONS", (*ddl.MIGRATIONS, extra))
    assert store.migrate() == [extra.version]
    assert store.migrate() == []
    assert store.schema_version() == extra.version
    assert store.fetch(f"SELECT note FROM {ddl.SCHEMA}.batches")[1] == []


def test_the_same_tables_exist_on_every_backend(store: StagingStore) -> None:
    names = store.fetch(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = ? "
        "ORDER BY table_name",
        (ddl.SCHEMA,),
    )[1]
    assert [n[0] for n in names] == [
        "batches",
        "current_records",
        "file_partitions",
        "files",
        "pipeline_state",
        "quarantine",
        "records",
        "schema_version",
        "schemas",
    ]
