"""``assay run`` end to end on the example data: every stage, the summary, the report,
idempotent re-runs, stage subsets, dry runs that write nothing, and refused resumes."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from assay.cli.main import app
from tests.conftest import SHOP
from tests.report.dom import parse

runner = CliRunner()


def assay(*args: str, cwd: Path) -> tuple[int, str, str]:
    """The command line in ``cwd`` (a fresh project directory per test)."""
    old = os.getcwd()
    os.chdir(cwd)
    try:
        result = runner.invoke(app, list(args), env={"COLUMNS": "200"})
    finally:
        os.chdir(old)
    return result.exit_code, result.stdout, result.stderr


def copy_shop(folder: Path) -> Path:
    folder.mkdir()
    for path in SHOP.iterdir():
        if path.suffix in (".csv", ".json", ".jsonl"):
            (folder / path.name).write_bytes(path.read_bytes())
    return folder


def test_run_on_the_example_data_does_every_stage_and_accounts_for_every_row(
    tmp_path: Path,
) -> None:
    code, out, err = assay("run", str(SHOP), "--json", cwd=tmp_path)
    assert code == 0, err
    summary = json.loads(out)
    assert [(name, s["status"]) for name, s in summary["stages"].items()] == [
        ("ingest", "complete"),
        ("infer", "complete"),
        ("refine", "skipped"),
        ("map", "skipped"),
        ("load", "complete"),
        ("generate", "complete"),
        ("check", "complete"),
        ("report", "complete"),
    ]
    totals = summary["totals"]
    # examples/shop/dirty.yaml: 10 bad rows and 5 duplicated records in 3,202 read
    assert (totals["rows_read"], totals["rows_loaded"], totals["rows_rejected"]) == (
        3202,
        3187,
        10,
    )
    assert totals["duplicates_skipped"] == 5 and totals["invariant_holds"] is True
    assert summary["checks"] == {"rules": 73, "passed": 73, "failed": 0, "critical_failed": 0}
    # what went wrong, by kind, with where to look
    problems = {p["kind"]: p for p in summary["problems"]}
    quarantined = problems.pop("records quarantined by ingest")
    assert quarantined["count"] == summary["stages"]["ingest"]["counts"]["quarantined"] == 5
    assert quarantined["where"] == "assay stage quarantine --db .assay/staging.duckdb"
    assert all(kind.startswith("rows rejected: ") for kind in problems)
    assert sum(p["count"] for p in problems.values()) == totals["rows_rejected"]
    assert problems["rows rejected: ragged_row"]["tables"] == {
        "customers": 1,
        "order_items": 1,
        "payments": 1,
    }
    # the typed tables, in the default target
    with duckdb.connect(str(tmp_path / "assay.duckdb"), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM customers").fetchone() == (247,)
        assert con.execute(
            "SELECT typeof(ordered_at), typeof(total) FROM orders LIMIT 1"
        ).fetchone() == ("TIMESTAMP WITH TIME ZONE", "DECIMAL(6,2)")
        assert con.execute("SELECT count(*) FROM payments__rejects").fetchone() == (2,)
    out_dir = tmp_path / "out"
    assert (out_dir / "contract" / "shop.odcs.yaml").is_file()
    assert (out_dir / "ddl" / "duckdb.sql").is_file()
    assert (out_dir / "report.html").is_file()
    assert sorted(summary["artifacts"]) == sorted(
        str(p.relative_to(out_dir)) for p in out_dir.rglob("*") if p.is_file()
    )


def test_a_second_run_on_unchanged_data_stages_and_loads_nothing_again(tmp_path: Path) -> None:
    assert assay("run", str(SHOP), cwd=tmp_path)[0] == 0
    code, out, err = assay("run", str(SHOP), "--json", cwd=tmp_path)
    assert code == 0, err
    summary = json.loads(out)
    assert summary["stages"]["ingest"]["note"] == (
        "nothing new: 5 file(s) unchanged since they were staged"
    )
    assert summary["totals"]["rows_read"] == 0
    assert summary["stages"]["load"]["counts"]["files_skipped"] == 5
    with duckdb.connect(str(tmp_path / "assay.duckdb"), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM order_items").fetchone() == (1528,)
    code, out, _ = assay("runs", "--json", cwd=tmp_path)
    runs = json.loads(out)
    assert len(runs) == 2 and all(r["status"] == "complete" for r in runs)


def test_stage_subsets_use_what_earlier_runs_stored(tmp_path: Path) -> None:
    assert assay("run", str(SHOP), "--stages", "ingest,infer", cwd=tmp_path)[0] == 0
    assert not (tmp_path / "out").exists()
    code, out, err = assay(
        "run", str(SHOP), "--from", "generate", "--to", "generate", "--json", cwd=tmp_path
    )
    assert code == 0, err
    summary = json.loads(out)
    assert list(summary["stages"]) == ["generate"]
    assert (tmp_path / "out" / "contract" / "shop.odcs.yaml").is_file()
    assert not (tmp_path / "assay.duckdb").exists()  # no load ran
    code, _, err = assay("run", str(SHOP), "--stages", "infer,loud", cwd=tmp_path)
    assert code == 2
    assert "unknown stage 'loud'" in err


def test_a_dry_run_checks_everything_and_writes_nothing(tmp_path: Path) -> None:
    data = copy_shop(tmp_path / "data")

    def snapshot() -> dict[str, tuple[int, int]]:
        return {
            str(p.relative_to(tmp_path)): (p.stat().st_size, p.stat().st_mtime_ns)
            for p in tmp_path.rglob("*")
        }

    before = snapshot()
    code, out, err = assay("run", str(data), "--dry-run", cwd=tmp_path)
    assert code == 0, err
    assert snapshot() == before
    assert "ingest → infer → refine → map → load → generate → check → report" in out
    assert "order_items" in out and "ready to run" in out
    code, out, _ = assay("run", str(data), "--dry-run", "--json", cwd=tmp_path)
    plan = json.loads(out)
    assert plan["ok"] is True and plan["estimated_rows"] > 3000
    assert [t["name"] for t in plan["tables"]] == [
        "customers",
        "order_items",
        "orders",
        "payments",
        "reviews",
    ]
    assert snapshot() == before
    code, _, err = assay("run", str(tmp_path / "missing"), "--dry-run", cwd=tmp_path)
    assert code == 1
    assert "missing" in err and "not ready" not in err
    assert snapshot() == before


def test_resume_is_refused_on_changed_inputs_unless_forced(tmp_path: Path) -> None:
    data = copy_shop(tmp_path / "data")
    blocked = tmp_path / "t.duckdb"
    blocked.mkdir()  # a directory where the target's file should be: the load fails
    code, out, err = assay(
        "run", str(data), "--target", f"duckdb:///{blocked}", "--json", cwd=tmp_path
    )
    assert code == 1
    failed = json.loads(out)
    assert failed["stages"]["load"]["status"] == "failed"
    assert failed["stages"]["report"]["status"] == "complete"  # the report documents it
    assert "generate" not in failed["stages"]
    with (data / "customers.csv").open("a", encoding="utf-8") as handle:
        handle.write("9999,new@example.com,New,Customer,,DE,2024-01-01,false,10115,online\n")
    args = ["run", str(data), "--target", f"duckdb:///{blocked}", "--resume"]
    code, _, err = assay(*args, cwd=tmp_path)
    assert code == 2
    assert f"cannot resume run {failed['run_id']}:" in err
    assert "customers.csv changed (size" in err
    assert "--force" in err
    code, _, err = assay("run", str(data), "--resume", cwd=tmp_path)
    assert code == 2 and "the configuration changed" in err
    blocked.rmdir()
    code, out, err = assay(*args, "--force", "--json", cwd=tmp_path)
    assert code == 0, err
    resumed = json.loads(out)
    assert resumed["run_id"] == failed["run_id"]
    assert "done before the interruption" in resumed["stages"]["ingest"]["note"]
    assert resumed["totals"]["rows_loaded"] == 3188  # the added customer was loaded too


def test_a_critical_rule_failing_fails_the_run(tmp_path: Path) -> None:
    data = copy_shop(tmp_path / "data")
    assert assay("run", str(data), cwd=tmp_path)[0] == 0
    with duckdb.connect(str(tmp_path / "assay.duckdb")) as con:
        # a parent row gone: its orders are orphans
        con.execute(
            "DELETE FROM customers WHERE customer_id = (SELECT min(customer_id) FROM orders)"
        )
    code, out, _ = assay("run", str(data), "--stages", "check", "--json", cwd=tmp_path)
    assert code == 1
    summary = json.loads(out)
    assert summary["checks"]["critical_failed"] >= 1
    assert summary["stages"]["check"]["error"].endswith("critical quality rule(s) failed")
    failed = [p for p in summary["problems"] if p["kind"] == "quality rule failed (critical)"]
    assert len(failed) == summary["checks"]["critical_failed"]
    assert all(
        p["where"] == f"assay check {p['table']} --target duckdb:///assay.duckdb" for p in failed
    )


def test_files_that_cannot_be_read_are_one_problem_each_with_their_code(tmp_path: Path) -> None:
    """Inputs, ingest and load all meet an unreadable file: it is reported once."""
    import gzip

    data = tmp_path / "data"
    data.mkdir()
    (data / "customers.csv").write_bytes((SHOP / "customers.csv").read_bytes())
    (data / "broken.csv").write_bytes(bytes(range(256)) * 12)
    (data / "cut.csv.gz").write_bytes(gzip.compress(b"a,b\n1,2\n" * 100)[:25])
    code, out, _ = assay("run", str(data), "--json", cwd=tmp_path)
    assert code == 1
    summary = json.loads(out)
    files = {p["kind"]: p for p in summary["problems"] if p["kind"].startswith("files not read")}
    assert sorted(files) == ["files not read: truncated", "files not read: unsupported_format"]
    for kind, name in (("truncated", "cut.csv.gz"), ("unsupported_format", "broken.csv")):
        problem = files[f"files not read: {kind}"]
        assert problem["count"] == 1
        assert problem["examples"][0].startswith(f"{data / name}: ")
        assert "ingest" in problem["stages"]
    # the readable file went through
    assert summary["totals"]["rows_loaded"] > 0


def test_configuration_errors_name_the_key(tmp_path: Path) -> None:
    (tmp_path / "assay.yaml").write_text("target: postgress://x\npolicies:\n  dedup: always\n")
    code, _, err = assay("run", str(SHOP), cwd=tmp_path)
    assert code == 2
    assert "assay.yaml: target: unknown scheme 'postgress' (did you mean 'postgresql'?)" in err
    assert "(and 1 more: `assay config validate` lists them all)" in err


@pytest.mark.slow
def test_the_run_report_renders_in_a_browser(tmp_path: Path, browser) -> None:
    assert assay("run", str(SHOP), cwd=tmp_path)[0] == 0
    dom = parse(browser(tmp_path / "out" / "report.html", "--dump-dom"))
    headings = [s.find("h2").text() for s in dom.find_all("section", "table")]
    assert headings == [
        f"Table {n}" for n in ("customers", "order_items", "orders", "payments", "reviews")
    ]
    timeline = dom.find("svg", "timeline")
    assert len(timeline.find_all("rect")) == 8
    assert "running" not in dom.find("header").text()


def test_inferring_the_files_gives_the_schema_inferring_the_staged_records_gives(
    tmp_path: Path,
) -> None:
    """The run reads local files again rather than the store's JSON (faster): same rows,
    same schema, byte for byte."""
    from assay.api import infer_staged
    from assay.schema import to_json
    from assay.staging import open_store
    from assay.staging.schemas import load_schema

    code, _, err = assay("run", str(SHOP), "--stages", "ingest,infer", "--json", cwd=tmp_path)
    assert code == 0, err
    with open_store(str(tmp_path / ".assay" / "staging.duckdb")) as store:
        _, from_files = load_schema(store, 1)
        from_store, _ = infer_staged(store, save=False)
    assert to_json(from_files) == to_json(from_store)


def test_overlapping_stages_give_what_one_stage_after_another_gives(tmp_path: Path) -> None:
    """Inference and load run from the files while ingest stages them: the same schema,
    the same rows in the target, the same accounting as running the stages in order."""
    from assay.schema import to_json
    from assay.staging import open_store
    from assay.staging.schemas import load_schema

    results = {}
    for overlap in ("true", "false"):
        folder = tmp_path / overlap
        folder.mkdir()
        setting = f"policies.overlap={overlap}"
        code, out, err = assay("run", str(SHOP), "--set", setting, "--json", cwd=folder)
        assert code == 0, err
        # nothing is left running when the run returns
        assert not [t for t in threading.enumerate() if t.name == "assay-ahead"]
        summary = json.loads(out)
        with open_store(str(folder / ".assay" / "staging.duckdb")) as store:
            schema = to_json(load_schema(store, 1)[1])
        with duckdb.connect(str(folder / "assay.duckdb"), read_only=True) as con:
            rows = con.execute(
                "SELECT count(*), sum(hash(order_id, customer_id, ordered_at, total)) FROM orders"
            ).fetchone()
            rejects = con.execute("SELECT count(*) FROM orders__rejects").fetchone()
        results[overlap] = (schema, rows, rejects, summary["totals"], summary["checks"])
        notes = summary["stages"]["infer"]["note"] + summary["stages"]["load"]["note"]
        assert ("while ingest ran" in notes) == (overlap == "true")
    assert results["true"] == results["false"]


@pytest.mark.slow
def test_a_team_runs_on_postgresql_for_staging_and_target(tmp_path: Path, pg_dsn: str) -> None:
    code, out, err = assay(
        "run", str(SHOP), "--db", pg_dsn, "--target", pg_dsn, "--json", cwd=tmp_path
    )
    assert code == 0, err
    summary = json.loads(out)
    assert summary["totals"]["rows_loaded"] == 3187 and summary["totals"]["invariant_holds"]
    assert summary["checks"]["failed"] == 0
    assert "password" not in out.lower()
    import psycopg

    with psycopg.connect(pg_dsn) as conn:
        assert conn.execute("SELECT count(*) FROM public.orders").fetchone() == (598,)
        runs = conn.execute(
            "SELECT status FROM assay_staging.pipeline_state WHERE stage = '_run'"
        ).fetchall()
    assert runs == [("complete",)]
