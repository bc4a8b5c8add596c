"""One behaviour suite over every backend: each test that takes ``store_url`` runs on a
DuckDB file, DuckDB in memory and a real PostgreSQL database (a fresh one per test)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from assay.staging import StagingStore, open_store

BACKENDS = ["duckdb-file", "duckdb-memory", "postgres"]


@pytest.fixture(params=BACKENDS)
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "duckdb-file":
        return str(tmp_path / "staging.duckdb")
    if request.param == "duckdb-memory":
        return ":memory:"
    return request.getfixturevalue("pg_dsn")


@pytest.fixture
def store(store_url: str) -> Iterator[StagingStore]:
    with open_store(store_url) as opened:
        yield opened


def write_jsonl(path: Path, lines: list[str], newline: str = "\n") -> Path:
    path.write_bytes(newline.join(lines).encode("utf-8") + newline.encode())
    return path
