"""Typed inputs (Parquet), contracts, and widening schema changes on every target."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from assay.cli.main import app
from assay.errors import TargetError
from assay.pipeline import load
from assay.targets import open_target
from tests.conftest import SHOP


def test_parquet_input_with_nanoseconds_and_nesting(target_uri: str, tmp_path: Path) -> None:
    path = tmp_path / "events.parquet"
    table = pa.table(
        {
            "event_id": pa.array(range(1, 201), pa.int64()),
            "at": pa.array(
                [1_700_000_000_123_456_789 + i for i in range(200)], pa.timestamp("ns", "UTC")
            ),
            "price": pa.array([Decimal(f"{i}.25") for i in range(200)], pa.decimal128(6, 2)),
            "device": pa.array([{"os": "linux", "version": i % 3} for i in range(200)]),
            "tags": pa.array([["a", "b"][: i % 3] for i in range(200)]),
        }
    )
    pq.write_table(table, path)
    report = load(str(path), target=target_uri)
    t = report.tables[0]
    assert (t.rows_read, t.rows_loaded, t.rows_rejected) == (200, 200, 0)
    with open_target(target_uri) as target:
        rows = {r["event_id"]: r for r in target.scan("events").to_pylist()}
    first = rows[1]
    at = first["at"].astimezone(dt.UTC)
    assert at == dt.datetime(2023, 11, 14, 22, 13, 20, 123456, tzinfo=dt.UTC)  # µs, truncated
    assert first["price"] == Decimal("0.25")
    device = first["device"] if isinstance(first["device"], dict) else json.loads(first["device"])
    assert device == {"os": "linux", "version": 0}


def test_a_wider_integer_widens_the_column(target_uri: str, engine: str, tmp_path: Path) -> None:
    small = tmp_path / "small.csv"
    # n repeats: not a key (DuckDB cannot retype a key column)
    small.write_text("n,label\n" + "".join(f"{i % 25},x{i}\n" for i in range(50)), encoding="utf-8")
    big = tmp_path / "big.csv"
    big.write_text(
        "n,label\n" + "".join(f"{3_000_000_000 + i},y{i}\n" for i in range(50)), encoding="utf-8"
    )
    load(str(small), target=target_uri, table="numbers")
    if engine == "delta":
        with pytest.raises(TargetError, match=r"n: smallint -> bigint \(this target cannot widen"):
            load(str(big), target=target_uri, table="numbers")
        return
    report = load(str(big), target=target_uri, table="numbers")
    assert report.tables[0].schema_changes[0].startswith("wider n: ")
    with open_target(target_uri) as target:
        values = sorted(target.scan("numbers").column("n").to_pylist())
    assert values[:3] == [0, 0, 1] and values[-1] == 3_000_000_049 and len(values) == 100


def test_load_with_the_contract_assay_generated(tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["generate", "contract", str(SHOP), "--out", str(tmp_path)])
    assert result.exit_code == 0
    contract = next(tmp_path.glob("*.yaml"))
    db = tmp_path / "shop.duckdb"
    result = runner.invoke(
        app, ["load", str(SHOP), "--contract", str(contract), "--to", f"duckdb:///{db}", "--json"]
    )
    assert result.exit_code == 0, result.stdout
    totals = json.loads(result.stdout)["totals"]
    assert [totals[k] for k in ("rows_read", "rows_loaded", "rows_rejected")] == [3202, 3187, 10]


def test_a_broken_file_is_an_error_and_the_others_still_load(tmp_path: Path) -> None:
    import gzip

    good = tmp_path / "drop" / "a.csv"
    good.parent.mkdir()
    good.write_text("id,x\n" + "".join(f"{i},{i}\n" for i in range(100)), encoding="utf-8")
    packed = gzip.compress(("id,x\n" + "".join(f"{i},{i}\n" for i in range(50_000))).encode())
    (tmp_path / "drop" / "b.csv.gz").write_bytes(packed[: len(packed) // 2])
    runner = CliRunner()
    db = tmp_path / "t.duckdb"
    result = runner.invoke(
        app, ["load", str(tmp_path / "drop"), "--to", f"duckdb:///{db}", "--table", "t", "--json"]
    )
    assert result.exit_code == 1
    doc = json.loads(result.stdout)
    assert doc["tables"]["t"]["rows_loaded"] == 100 and doc["totals"]["invariant_holds"]
    assert any("b.csv.gz" in e and "truncated" in e.lower() for e in doc["errors"])


@pytest.mark.parametrize("scheme", ["duckdb", "parquet"])
def test_a_target_path_under_a_file_is_a_clear_error(scheme: str, tmp_path: Path) -> None:
    """Not an internal error: the folder that cannot be made, and what to do."""
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder\n")
    path = blocker / ("x.duckdb" if scheme == "duckdb" else "lake")
    uri = f"{scheme}:///{path}"
    folder = path.parent if scheme == "duckdb" else path
    with pytest.raises(TargetError) as caught:
        load(str(SHOP / "customers.csv"), target=uri, table="customers")
    assert str(caught.value).startswith(f"{uri}: cannot create the folder {folder}: ")
    result = CliRunner().invoke(app, ["load", str(SHOP / "customers.csv"), "--to", uri])
    assert result.exit_code == 1
    assert "internal error" not in result.stderr
    assert f"cannot create the folder {folder}" in result.stderr
