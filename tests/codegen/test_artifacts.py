"""Every generated artifact really runs: dbt builds green, GX validates, SQL checks find
the defects, migrations apply, pgloader's script passes shellcheck, the CLI writes it all."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from assay.cli.main import app
from assay.codegen.bundle import GenerateOptions, generate
from assay.codegen.checks import checks_sql
from assay.codegen.ddl import schema_ddl
from assay.codegen.migration import migration_sql
from assay.inference.evolution import diff
from assay.quality import quality_rules
from assay.schema import DataType, from_text
from tests.codegen.shop_raw import build_raw_duckdb

GOLDEN = Path(__file__).resolve().parents[1] / "golden"
SHOP = from_text((GOLDEN / "shop.schema.yaml").read_text(encoding="utf-8"))
BIN = Path(sys.executable).parent


@pytest.fixture(scope="module")
def dbt_built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dbt")
    for path, text in generate("dbt", SHOP, GenerateOptions(name="shop")).items():
        (out / path).parent.mkdir(parents=True, exist_ok=True)
        (out / path).write_text(text, encoding="utf-8")
    build_raw_duckdb(out / "shop.duckdb")
    env = {
        **os.environ,
        "ASSAY_DUCKDB": str(out / "shop.duckdb"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    result = subprocess.run(
        [str(BIN / "dbt"), "build", "--profiles-dir", ".", "--project-dir", "."],
        cwd=out,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-3000:]
    assert "ERROR=0" in result.stdout and "PASS=" in result.stdout
    return out


@pytest.mark.slow
def test_dbt_project_builds_and_tests_green(dbt_built: Path) -> None:
    con = duckdb.connect(str(dbt_built / "shop.duckdb"), read_only=True)
    # the exact duplicates and the rows with values that do not convert are left out
    assert con.execute("SELECT count(*) FROM stg_customers").fetchone() == (247,)
    assert con.execute("SELECT count(*) FROM stg_order_items").fetchone() == (1528,)
    assert con.execute(
        "SELECT typeof(paid_at), typeof(amount) FROM stg_payments LIMIT 1"
    ).fetchone() == ("TIMESTAMP", "DECIMAL(6,2)")


@pytest.mark.slow
def test_gx_suite_loads_and_validates_the_staged_data(dbt_built: Path) -> None:
    import great_expectations as gx

    con = duckdb.connect(str(dbt_built / "shop.duckdb"), read_only=True)
    context = gx.get_context(mode="ephemeral")
    source = context.data_sources.add_pandas("shop")
    for table in SHOP.tables:
        doc = json.loads(generate("gx", SHOP)[f"{table.name}.json"])
        suite = context.suites.add(gx.ExpectationSuite(**doc))
        frame = con.execute(f"SELECT * FROM stg_{table.name}").df()
        batch = (
            source.add_dataframe_asset(table.name)
            .add_batch_definition_whole_dataframe("all")
            .get_batch(batch_parameters={"dataframe": frame})
        )
        result = batch.validate(suite)
        assert result.success, [r.expectation_config.type for r in result.results if not r.success]
        assert len(result.results) == len(doc["expectations"]) > 3
    raw = con.execute("SELECT * FROM stg_customers UNION ALL SELECT * FROM stg_customers").df()
    doc = json.loads(generate("gx", SHOP)["customers.json"])
    batch = (
        source.add_dataframe_asset("dupes")
        .add_batch_definition_whole_dataframe("all")
        .get_batch(batch_parameters={"dataframe": raw})
    )
    failed = {
        r.expectation_config.type
        for r in batch.validate(context.suites.get(doc["name"])).results
        if not r.success
    }
    assert failed == {"expect_column_values_to_be_unique"}


def test_sql_checks_run_on_duckdb_and_find_the_defects(tmp_path: Path) -> None:
    con = duckdb.connect()
    from assay.codegen.ddl import create_table_sql

    ddl = create_table_sql(SHOP.table("customers"), "duckdb")[0]
    con.execute(ddl.replace("CONSTRAINT pk_customers PRIMARY KEY (customer_id)", "UNIQUE (email)"))
    con.execute(
        "INSERT INTO customers VALUES (1, 'a@b.c', 'A', 'B', 'x', 'DE', DATE '2020-01-01', "
        "true, '01067', 'retail'), (1, 'not-an-email', 'A', 'B', NULL, 'XX', "
        "DATE '2020-01-01', true, '01067', 'vip')"
    )
    script = checks_sql(SHOP, "duckdb")
    failing = {}
    for rule in quality_rules(SHOP.table("customers"), SHOP):
        failing[rule.id] = len(con.execute(rule.to_sql("duckdb")).fetchall())
        assert rule.to_sql("duckdb") + ";" in script
    assert failing["customers.customer_id.unique"] == 2
    assert failing["customers.email.pattern"] == 1
    assert failing["customers.country.accepted_values"] == 1
    assert failing["customers.segment.accepted_values"] == 1
    assert failing["customers.phone.pattern"] == 1
    assert failing["customers.row_count"] == 1
    assert failing["customers.email.not_null"] == 0


def _changed_schema():
    items = SHOP.table("order_items")
    fields = []
    for f in items.fields:
        if f.name == "quantity":
            f = f.model_copy(update={"type": DataType(kind="integer", minimum=1, maximum=100_000)})
        if f.name == "sku":
            f = f.model_copy(update={"nullable": True})
        fields.append(f)
    fields.append(
        items.fields[2].model_copy(update={"name": "note", "path": "note", "nullable": True})
    )
    new_items = items.model_copy(update={"fields": tuple(fields)})
    return SHOP.model_copy(
        update={"tables": tuple(new_items if t.name == "order_items" else t for t in SHOP.tables)}
    )


def test_migrations_apply_on_duckdb_sqlite_and_postgres(pg_dsn: str) -> None:
    new = _changed_schema()
    changes = diff(SHOP, new).changes
    con = duckdb.connect()
    con.execute(schema_ddl(SHOP, "duckdb"))
    con.execute(migration_sql(SHOP, new, changes, "duckdb"))
    columns = con.execute(
        "SELECT column_name, data_type, is_nullable FROM information_schema.columns "
        "WHERE table_name = 'order_items' ORDER BY ordinal_position"
    ).fetchall()
    assert ("quantity", "INTEGER", "NO") in columns and ("sku", "VARCHAR", "YES") in columns
    assert columns[-1] == ("note", "VARCHAR", "YES")
    lite = sqlite3.connect(":memory:")
    lite.executescript(schema_ddl(SHOP, "sqlite"))
    script = migration_sql(SHOP, new, changes, "sqlite")
    assert "-- BREAKING on SQLite: ~ order_items.sku: not null -> nullable" in script
    lite.executescript(script)
    assert "note" in [r[1] for r in lite.execute("PRAGMA table_info(order_items)")]
    import psycopg

    with psycopg.connect(pg_dsn, autocommit=True) as pg:
        pg.execute(schema_ddl(SHOP, "postgres"))
        pg.execute(migration_sql(SHOP, new, changes, "postgres"))
        row = pg.execute(
            "SELECT data_type, is_nullable FROM information_schema.columns "
            "WHERE table_name = 'order_items' AND column_name = 'sku'"
        ).fetchone()
        assert row == ("text", "YES")


def test_breaking_change_is_reported_with_the_rebuild_commented() -> None:
    customers = SHOP.table("customers")
    fewer = customers.model_copy(
        update={"fields": tuple(f for f in customers.fields if f.name != "phone")}
    )
    new = SHOP.model_copy(
        update={"tables": tuple(fewer if t.name == "customers" else t for t in SHOP.tables)}
    )
    script = migration_sql(SHOP, new, diff(SHOP, new).changes, "postgres")
    assert (
        "-- BREAKING: - customers.phone: string(14), nullable  (breaking: removed field)" in script
    )
    assert "-- ALTER TABLE customers DROP COLUMN phone;" in script
    assert "-- DROP TABLE customers;" in script
    assert not [line for line in script.splitlines() if line and not line.startswith("--")]


@pytest.mark.skipif(
    shutil.which("shellcheck") is None and not os.environ.get("CI"), reason="no shellcheck"
)
def test_pgloader_script_passes_shellcheck_and_guards_a_completed_import(tmp_path: Path) -> None:
    files = generate("pgloader", SHOP)
    assert sorted(files) == ["customers.load", "import.sh", "order_items.load", "payments.load"]
    for path, text in files.items():
        (tmp_path / path).write_text(text, encoding="utf-8")
    script = tmp_path / "import.sh"
    result = subprocess.run(["shellcheck", str(script)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout
    (tmp_path / "import-state.json").write_text('{\n  "status": "completed"\n}\n')
    run = subprocess.run(
        ["bash", str(script)],
        capture_output=True,
        text=True,
        env={**os.environ, "PGURL": "postgresql://nowhere/db"},
    )
    assert run.returncode == 1
    assert run.stderr.strip() == (
        "import already completed (see import-state.json); run with --force to import again"
    )
    assert (
        "BEFORE LOAD DO" in files["payments.load"]
        and "fields terminated by ','" in files["payments.load"]
    )


def test_cli_generate_all_writes_every_kind(tmp_path: Path) -> None:
    runner = CliRunner()
    schema_file = GOLDEN / "shop.schema.yaml"
    result = runner.invoke(
        app, ["generate", "all", str(schema_file), "--out", str(tmp_path), "--name", "shop"]
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "README.md").is_file()
    assert len(list((tmp_path / "ddl").glob("*.sql"))) == 13
    again = tmp_path / "again"
    runner.invoke(app, ["generate", "all", str(schema_file), "--out", str(again), "--name", "shop"])
    for path in tmp_path.rglob("*"):
        if path.is_file() and again not in path.parents:
            assert path.read_bytes() == (again / path.relative_to(tmp_path)).read_bytes()
    valid = runner.invoke(
        app, ["contract", "validate", str(tmp_path / "contract" / "shop.odcs.yaml")]
    )
    assert valid.exit_code == 0 and "valid ODCS v3.1.0 contract" in valid.output


def test_cli_unknown_dialect_and_kind_are_usage_errors() -> None:
    runner = CliRunner()
    bad = runner.invoke(
        app, ["generate", "ddl", str(GOLDEN / "shop.schema.yaml"), "--dialect", "snowflak"]
    )
    assert bad.exit_code == 2
    assert "unknown SQL dialect 'snowflak' — did you mean 'snowflake'?" in bad.output
    kind = runner.invoke(app, ["generate", "ddls", str(GOLDEN / "shop.schema.yaml")])
    assert kind.exit_code == 2 and "unknown artifact kind 'ddls'" in kind.output


def test_cli_contract_bump_minor_then_major(tmp_path: Path) -> None:
    runner = CliRunner()
    contract = tmp_path / "shop.odcs.yaml"
    runner.invoke(
        app,
        [
            "generate",
            "contract",
            str(GOLDEN / "shop.schema.yaml"),
            "--out",
            str(tmp_path),
            "--name",
            "shop",
        ],
    )
    new = tmp_path / "new.schema.yaml"
    from assay.schema import to_yaml

    new.write_text(to_yaml(_changed_schema()), encoding="utf-8")
    result = runner.invoke(app, ["contract", "bump", str(contract), str(new)])
    assert result.exit_code == 0, result.output
    assert "1.0.0 -> 1.1.0 (minor)" in result.output
    log = (tmp_path / "shop.odcs.yaml.changelog.md").read_text()
    assert "## 1.1.0 (minor, from 1.0.0)" in log and "order_items.note" in log
    result = runner.invoke(
        app, ["contract", "bump", str(contract), str(GOLDEN / "shop.schema.yaml")]
    )
    assert "1.1.0 -> 2.0.0 (major)" in result.output
