"""Shared fixtures: paths to the bundled data, and a helper to read a whole input."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

import assay.sources as sources

ROOT = Path(__file__).resolve().parents[1]
SHOP = ROOT / "examples" / "shop"


@pytest.fixture
def shop() -> Path:
    return SHOP


def read_all(
    path: str | Path | list[str], **options: Any
) -> tuple[sources.Source, list[tuple[sources.Stream, pa.Table]]]:
    """Open inputs and read every stream fully; return the source and one table per stream."""
    inputs = [str(p) for p in path] if isinstance(path, list) else str(path)
    source = sources.open_source(inputs, **options)
    tables = []
    for stream in source.streams():
        batches = []
        try:
            batches = [b.data for b in stream.batches()]
        except sources.InputError as exc:  # as Source.batches() does
            source.errors.append(exc)
        table = pa.Table.from_batches(batches) if batches else None
        tables.append((stream, table))
    return source, tables


@pytest.fixture(scope="session")
def pg_server():
    """A real PostgreSQL server on loopback (see ``tests/pg_server.py``); skipped locally when
    none can be had, a failure in CI (``CI`` set)."""
    pytest.importorskip("psycopg")
    from tests import pg_server as pg

    try:
        server = pg.start()
    except pg.NoServerError as exc:
        if os.environ.get("CI"):
            pytest.fail(f"CI needs a PostgreSQL server: {exc}")
        pytest.skip(f"no PostgreSQL server: {exc}")
    yield server
    server.stop()


@pytest.fixture
def pg_dsn(pg_server, request) -> str:
    """A fresh, empty database on the test server for one test; returns its DSN."""
    import re

    name = "t_" + re.sub(r"[^a-z0-9_]", "_", request.node.name.lower())[:50]
    return pg_server.create_database(name)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden", action="store_true", help="rewrite tests/golden files from the output"
    )


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))


@pytest.fixture
def fake_llm():
    """A scripted LLM server on 127.0.0.1 speaking the Ollama and OpenAI protocols
    (see ``tests/llm/fake_llm.py``)."""
    from tests.llm.fake_llm import FakeLLM

    server = FakeLLM().start()
    yield server
    server.stop()
