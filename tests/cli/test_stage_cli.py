"""The stage commands as a user runs them: ingest the example shop, inspect, query, view."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assay.cli.main import app
from tests.conftest import SHOP

runner = CliRunner()
STAGE_COMMANDS = ["ingest", "stats", "batches", "history", "sample", "quarantine", "query"]


def invoke(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), env={"COLUMNS": "200"})
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def db(tmp_path: Path) -> str:
    path = str(tmp_path / "staging.duckdb")
    code, _out, err = invoke("stage", "ingest", str(SHOP), "--db", path)
    assert code == 0, err
    return path


@pytest.mark.parametrize("command", [*STAGE_COMMANDS, "view create"])
def test_every_stage_command_has_help_with_an_example(command: str) -> None:
    code, out, _ = invoke("stage", *command.split(), "--help")
    assert code == 0
    assert "Examples:" in out
    assert f"assay stage {command}" in out


def test_ingest_reports_what_it_staged_and_skips_unchanged_files(tmp_path: Path) -> None:
    path = str(tmp_path / "staging.duckdb")
    code, out, _ = invoke("stage", "ingest", str(SHOP), "--db", path)
    assert code == 0
    assert out.startswith(
        "batch 1: 5 file(s) staged, 0 unchanged and skipped; 3,197 record(s) staged, "
        "0 duplicate(s), 5 quarantined → "
    )
    assert "see them with: assay stage quarantine" in out
    code, out, _ = invoke("stage", "ingest", str(SHOP), "--db", path)
    assert (code, out.split(";")[0]) == (0, "batch 2: 0 file(s) staged, 5 unchanged and skipped")


def test_stats_json_has_totals_partitions_and_files(db: str) -> None:
    code, out, _ = invoke("stage", "stats", "--db", db, "--format", "json")
    assert code == 0
    payload = json.loads(out)
    assert payload["totals"]["records"] == 3197
    assert payload["totals"]["quarantined"] == 5
    assert {p["partition"]: p["records_staged"] for p in payload["partitions"]} == {
        "customers": 249,
        "order_items": 1530,
        "orders": 600,
        "payments": 517,
        "reviews": 301,
    }
    assert {Path(f["uri"]).name for f in payload["files"]} == {
        "customers.csv",
        "order_items.csv",
        "orders.jsonl",
        "payments.csv",
        "reviews.json",
    }


def test_stats_table_names_partitions_and_files(db: str) -> None:
    code, out, _ = invoke("stage", "stats", "--db", db)
    assert code == 0
    assert out.splitlines()[0] == (
        "5 file(s), 3,197 record(s) staged, 0 duplicate(s), 5 quarantined, 454,700 bytes, "
        "1 batch(es)"
    )
    assert "payments.csv" in out and "order_items" in out


def test_quarantine_lists_each_record_with_line_and_reason(db: str) -> None:
    code, out, _ = invoke("stage", "quarantine", "--db", db, "--format", "csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [(r["partition"], r["line"], r["code"]) for r in rows] == [
        ("customers", "23", "undecodable_bytes"),
        ("customers", "234", "ragged_row"),
        ("order_items", "1110", "ragged_row"),
        ("orders", "495", "invalid_json"),
        ("payments", "194", "ragged_row"),
    ]
    assert rows[2]["reason"] == "expected 7 fields, found 8"


def test_query_formats_and_refuses_writes(db: str) -> None:
    sql = "SELECT partition_key, count(*) AS n FROM records GROUP BY 1 ORDER BY 1"
    code, out, _ = invoke("stage", "query", sql, "--db", db, "--format", "csv")
    assert code == 0
    assert out.splitlines()[:2] == ["partition_key,n", "customers,249"]
    code, out, _ = invoke("stage", "query", sql, "--db", db, "--format", "json")
    assert json.loads(out)[-1] == {"partition_key": "reviews", "n": 301}
    code, out, _ = invoke(
        "stage",
        "query",
        "SELECT raw->>'status' AS s FROM records WHERE partition_key = 'orders' LIMIT 2",
        "--db",
        db,
    )
    assert code == 0 and "┃ s " in out
    code, _, err = invoke("stage", "query", "DELETE FROM records", "--db", db)
    assert code == 2
    assert "error: stage query only reads; this is not a query (DELETE …)" in err


def test_batches_history_and_sample(db: str) -> None:
    invoke("stage", "ingest", str(SHOP), "--db", db, "--dedup", "none")
    code, out, _ = invoke("stage", "batches", "--db", db, "--format", "json")
    assert code == 0
    batches = json.loads(out)
    assert [(b["batch"], b["records_staged"]) for b in batches] == [(2, 3197), (1, 3197)]
    code, out, _ = invoke("stage", "history", "--db", db, "--format", "csv")
    assert code == 0
    history = list(csv.DictReader(io.StringIO(out)))
    assert [h["current_records"] for h in history] == ["3197", "6394"]
    code, out, _ = invoke(
        "stage", "sample", "--db", db, "--partition", "orders", "--limit", "2", "--format", "json"
    )
    assert code == 0
    sample = json.loads(out)
    assert len(sample) == 2 and all(json.loads(s["raw"])["order_id"] for s in sample)
    code, out, _ = invoke(
        "stage",
        "query",
        "SELECT count(*) AS n FROM current_records",
        "--db",
        db,
        "--as-of-batch",
        "1",
        "--format",
        "csv",
    )
    assert (code, out.splitlines()) == (0, ["n", "3197"])


def test_infer_db_then_view_create_as_a_user_would(db: str, tmp_path: Path) -> None:
    code, out, err = invoke("infer", "--db", db, "--partition", "payments", "--format", "json")
    assert code == 0, err
    assert "stored as schema version 1" in err
    schema = json.loads(out)
    assert [t["name"] for t in schema["tables"]] == ["payments"]
    code, out, err = invoke("stage", "view", "create", "--db", db, "--name", "payments")
    assert code == 0, err
    assert out.startswith("created view payments (7 field(s) of payments, partition payments)")
    code, out, _ = invoke(
        "stage",
        "query",
        "SELECT payment_id, paid_at, amount FROM payments ORDER BY payment_id LIMIT 1",
        "--db",
        db,
        "--format",
        "csv",
    )
    assert out.splitlines()[1] == "70001,2023-01-02T12:57:00,23.66"
    # From a schema file, with the SQL printed and nothing created.
    schema_file = tmp_path / "shop.json"
    code, out, _ = invoke("infer", str(SHOP), "--format", "json", "--output", str(schema_file))
    code, out, _ = invoke(
        "stage",
        "view",
        "create",
        "--db",
        db,
        "--schema",
        str(schema_file),
        "--name",
        "orders_typed",
        "--source-table",
        "orders",
        "--dry-run",
    )
    assert code == 0
    assert "TRY_CAST(TRIM(r.raw ->> '$.order_id') AS BIGINT) AS \"order_id\"" in out
    assert "r.raw ->> '$.shipping.city' AS \"shipping_city\"" in out
    code, _, err = invoke("stage", "query", "SELECT * FROM orders_typed", "--db", db)
    assert code == 1 and "orders_typed does not exist" in err


def test_errors_are_one_line_with_the_right_exit_code(tmp_path: Path) -> None:
    missing = str(tmp_path / "none.duckdb")
    code, _, err = invoke("stage", "stats", "--db", missing)
    assert code == 1
    assert err.startswith(f"error: {missing}: there is no staging database here")
    code, _, err = invoke("stage", "ingest", str(SHOP), "--db", missing, "--dedup", "sometimes")
    assert code == 2 and "invalid dedup 'sometimes'" in err
    code, _, err = invoke("infer", str(SHOP), "--db", missing)
    assert code == 2 and "either PATH... or --db" in err
    code, _, err = invoke("stage", "view", "create", "--db", missing, "--name", "records")
    assert code == 2 and "'records' cannot be a view name" in err
