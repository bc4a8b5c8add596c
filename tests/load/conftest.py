"""One behaviour suite over every target: fixtures giving a fresh target URI per engine."""

from __future__ import annotations

from pathlib import Path

import pytest

ENGINES = ("duckdb", "postgresql", "parquet", "iceberg", "delta")


def make_uri(engine: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    if engine == "duckdb":
        return f"duckdb:///{tmp_path / 'target.duckdb'}"
    if engine == "postgresql":
        return request.getfixturevalue("pg_dsn") + "?schema=loaded"
    if engine == "parquet":
        return f"parquet:///{tmp_path / 'parquet'}"
    if engine == "iceberg":
        return f"iceberg:///shop?warehouse={tmp_path / 'iceberg'}"
    return f"delta:///{tmp_path / 'delta'}"


@pytest.fixture(params=ENGINES)
def target_uri(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return make_uri(request.param, tmp_path, request)


@pytest.fixture
def engine(target_uri: str) -> str:
    return target_uri.split(":", 1)[0]
