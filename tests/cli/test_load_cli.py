"""``assay load``, ``assay check`` and ``assay query`` as a user runs them."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from assay.cli.main import app
from tests.conftest import ROOT, SHOP

runner = CliRunner()


def invoke(*args: str, cwd: Path | None = None) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), env={"COLUMNS": "200"})
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(scope="module")
def shop_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    db = tmp_path_factory.mktemp("cli") / "shop.duckdb"
    code, out, _ = invoke("load", str(SHOP), "--to", f"duckdb:///{db}", "--json")
    assert code == 0, out
    return str(db)


@pytest.mark.parametrize("command", ["load", "check", "query"])
def test_help_ends_with_examples(command: str) -> None:
    code, out, _ = invoke(command, "--help")
    assert code == 0 and "Examples:" in out and f"assay {command} " in out


def test_load_json_has_per_table_and_total_counts(tmp_path: Path) -> None:
    code, out, err = invoke(
        "load", str(SHOP), "--to", f"duckdb:///{tmp_path / 's.duckdb'}", "--json"
    )
    assert code == 0 and err == ""
    doc = json.loads(out)
    keys = ("rows_read", "rows_loaded", "rows_rejected", "duplicates_skipped")
    assert [doc["totals"][k] for k in keys] == [3202, 3187, 10, 5]
    assert [doc["tables"]["customers"][k] for k in keys] == [251, 247, 3, 1]
    assert doc["tables"]["customers"]["rejected_by_reason"] == {
        "invalid_date": 1,
        "ragged_row": 1,
        "undecodable_bytes": 1,
    }
    assert doc["totals"]["invariant_holds"] is True
    assert all(c["status"] == "passed" for t in doc["tables"].values() for c in t["checks"])


def test_load_summary_prints_the_invariant_and_progress(tmp_path: Path) -> None:
    code, out, err = invoke(
        "load", str(SHOP / "payments.csv"), "--to", f"duckdb:///{tmp_path / 'p.duckdb'}"
    )
    assert code == 0
    assert "rows read 518 = loaded 515 + rejected 2 + duplicates skipped 1  ✓" in out
    assert "rejected by reason: invalid_datetime 1, ragged_row 1" in out
    assert "checks: " in out and "0 failed (0 critical)" in out
    assert "rows/s" in out
    assert "committed " in err and "payments.csv → payments: read 518, loaded 515" in err


def test_default_target_is_assay_duckdb_in_the_working_directory(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "assay", "-q", "load", str(SHOP / "customers.csv")],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    with duckdb.connect(str(tmp_path / "assay.duckdb")) as connection:
        assert connection.execute("SELECT count(*) FROM customers").fetchall() == [(247,)]


def test_benchmark_harness_syntax(tmp_path: Path) -> None:
    data = tmp_path / "wide.csv"
    data.write_text("id,x\n" + "".join(f"{i},{i * 2}\n" for i in range(50)), encoding="utf-8")
    code, _, _ = invoke(
        "load", str(data), "--to", f"duckdb:///{tmp_path / 'b.duckdb'}", "--table", "bench"
    )
    assert code == 0
    with duckdb.connect(str(tmp_path / "b.duckdb")) as connection:
        assert connection.execute("SELECT sum(x) FROM bench").fetchall() == [(2450,)]


def test_query_reads_tables_and_rejects(shop_db: str) -> None:
    code, out, _ = invoke(
        "query", "customers__rejects", "--to", f"duckdb:///{shop_db}", "--format", "json"
    )
    assert code == 0
    rows = json.loads(out)
    assert sorted((r["line"], r["reason"]) for r in rows) == [
        (23, "undecodable_bytes"),
        (215, "invalid_date"),
        (234, "ragged_row"),
    ]
    code, out, _ = invoke(
        "query", "payments", "--to", f"duckdb:///{shop_db}", "-n", "1", "-F", "csv"
    )
    assert code == 0 and out.splitlines()[1].startswith(
        "70001,50001,2023-01-02 12:57:00.000000,23.66"
    )


def test_check_passes_then_fails_a_critical_rule(shop_db: str, tmp_path: Path) -> None:
    contract = tmp_path / "shop.odcs.yaml"
    code, out, _ = invoke("generate", "contract", str(SHOP), "--out", str(tmp_path))
    assert code == 0
    contract = next(tmp_path.glob("*.yaml"))
    code, out, _ = invoke(
        "check", "--contract", str(contract), "--to", f"duckdb:///{shop_db}", "--json"
    )
    assert code == 0, out
    doc = json.loads(out)
    assert doc["critical_failed"] == 0 and doc["failed"] == 0 and doc["passed"] >= 70
    with duckdb.connect(shop_db) as connection:
        connection.execute("DELETE FROM customers WHERE customer_id = 1147")
    code, out, _ = invoke(
        "check", "orders", "--contract", str(contract), "--to", f"duckdb:///{shop_db}"
    )
    assert code == 1
    assert re.search(r"failed\s+orders\.customer_id\.foreign_key\s+critical\s+598\s+1\n", out)
    assert 'orders.customer_id.foreign_key fails: {"order_id":50001,"customer_id":1147,' in out
    assert "critical orders.customer_id.foreign_key" in out


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    code, _, err = invoke(
        "load", str(SHOP), "--mode", "upsert", "--to", f"duckdb:///{tmp_path / 'x.duckdb'}"
    )
    assert code == 2
    assert "invalid --mode 'upsert' — valid values are: create, replace, append, merge" in err
    code, _, err = invoke("check", "--to", f"duckdb:///{tmp_path / 'x.duckdb'}")
    assert code == 2 and "needs --contract" in err


def test_module_entry_point_runs_load() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "assay", "load", "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0 and "--check-before-load" in result.stdout


def test_query_of_a_missing_table_is_one_line(shop_db: str) -> None:
    code, _, err = invoke("query", "nope", "--to", f"duckdb:///{shop_db}")
    assert code == 1 and err.strip().startswith("error: no table 'nope' in duckdb:///")
