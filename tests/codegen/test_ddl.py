"""DDL for every dialect: golden files, parsed back by sqlglot, executed where embedded/served."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import duckdb
import pytest
import sqlglot

from assay.codegen.ddl import DdlOptions, column_type, create_table_sql, schema_ddl
from assay.dialects import DIALECTS, UnknownDialectError, UnsupportedTypeError, get_dialect
from assay.schema import DataType, Field, Table, from_text

GOLDEN = Path(__file__).resolve().parents[1] / "golden"
SHOP = from_text((GOLDEN / "shop.schema.yaml").read_text(encoding="utf-8"))


def test_every_dialect_matches_its_golden_file_and_parses_back(update_golden: bool) -> None:
    for name in DIALECTS:
        text = schema_ddl(SHOP, name, DdlOptions(schema="shop"))
        golden = GOLDEN / "ddl" / f"{name}.sql"
        if update_golden:
            golden.write_text(text, encoding="utf-8")
        assert text == golden.read_text(encoding="utf-8"), name
        statements = sqlglot.parse(text, read=get_dialect(name).sqlglot_name)
        creates = [s for s in statements if s is not None and s.key == "create"]
        assert len(creates) == len(SHOP.tables) + (
            1 if get_dialect(name).capabilities.schemas else 0
        )


def test_output_is_deterministic() -> None:
    assert schema_ddl(SHOP, "postgres") == schema_ddl(SHOP.model_copy(), "postgres")


def test_duckdb_executes_with_keys_and_comments() -> None:
    con = duckdb.connect()
    con.execute(schema_ddl(SHOP, "duckdb", DdlOptions(schema="shop")))
    constraints = con.execute(
        "SELECT table_name, constraint_type FROM duckdb_constraints() "
        "WHERE schema_name = 'shop' AND constraint_type IN ('PRIMARY KEY', 'FOREIGN KEY') "
        "ORDER BY 1, 2"
    ).fetchall()
    assert ("orders", "FOREIGN KEY") in constraints and ("reviews", "FOREIGN KEY") in constraints
    assert len([c for c in constraints if c[1] == "PRIMARY KEY"]) == 5
    comment = con.execute(
        "SELECT comment FROM duckdb_tables() WHERE table_name = 'customers'"
    ).fetchone()
    assert comment == ("People who bought at least once",)
    con.execute("INSERT INTO shop.customers VALUES (1, 'a@b.c', 'A', 'B', NULL, 'DE', "
                "DATE '2020-01-01', true, '01067', 'retail')")  # fmt: skip
    with pytest.raises(duckdb.ConstraintException):  # the foreign key is enforced
        con.execute("INSERT INTO shop.orders (order_id, customer_id, ordered_at, status, "
                    "currency, total, shipping) VALUES (1, 999, now(), 'paid', 'EUR', 1.00, "
                    "{'street': 's', 'city': 'c', 'postal_code': 'p', 'country': 'DE', "
                    "'geo': NULL})")  # fmt: skip


def test_sqlite_executes_with_foreign_keys() -> None:
    con = sqlite3.connect(":memory:")
    con.execute("PRAGMA foreign_keys = ON")
    con.executescript(schema_ddl(SHOP, "sqlite"))
    keys = con.execute("SELECT * FROM pragma_foreign_key_list('reviews')").fetchall()
    assert {k[2] for k in keys} == {"orders", "customers"}
    con.execute("INSERT INTO customers VALUES (1, 'a@b.c', 'A', 'B', NULL, 'DE', '2020-01-01', "
                "1, '01067', 'retail')")  # fmt: skip
    with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY"):
        con.execute("INSERT INTO orders (order_id, customer_id, ordered_at, status, currency, "
                    "total, shipping) VALUES (1, 999, '2020', 'paid', 'EUR', 1, '{}')")  # fmt: skip


def test_postgres_executes_with_foreign_keys_and_comments(pg_dsn: str) -> None:
    import psycopg

    with psycopg.connect(pg_dsn, autocommit=True) as con:
        con.execute(schema_ddl(SHOP, "postgres", DdlOptions(schema="shop")))
        rows = con.execute(
            "SELECT conrelid::regclass::text, contype FROM pg_constraint "
            "WHERE connamespace = 'shop'::regnamespace ORDER BY 1, 2"
        ).fetchall()
        assert rows.count(("shop.reviews", "f")) == 2 and rows.count(("shop.orders", "p")) == 1
        comment = con.execute("SELECT obj_description('shop.customers'::regclass)").fetchone()
        assert comment == ("People who bought at least once",)
        with pytest.raises(psycopg.errors.ForeignKeyViolation):
            con.execute("INSERT INTO shop.order_items VALUES (1, 1, 'SKU', 'x', 1, 1.00, NULL)")


def test_create_table_for_the_loader() -> None:
    statements = create_table_sql(SHOP.table("payments"), "postgres")
    assert statements[0].startswith("CREATE TABLE IF NOT EXISTS payments (")
    assert "paid_at TIMESTAMP NOT NULL" in statements[0]
    assert column_type(SHOP.table("orders").field("total"), "duckdb") == "DECIMAL(6, 2)"


def test_unknown_dialect_suggests_the_closest() -> None:
    with pytest.raises(UnknownDialectError) as caught:
        get_dialect("postgress")
    assert str(caught.value) == (
        "unknown SQL dialect 'postgress' — did you mean 'postgres'? valid dialects are: "
        "duckdb, postgres, sqlite, mysql, sqlserver, oracle, bigquery, snowflake, databricks, "
        "spark, redshift, trino, clickhouse"
    )


def test_a_type_the_dialect_cannot_hold_names_the_field() -> None:
    wide = Field(name="amount", path="amount", type=DataType(kind="decimal", precision=40, scale=2))
    table = Table(name="ledger", fields=(wide,))
    with pytest.raises(UnsupportedTypeError) as caught:
        schema_ddl(SHOP.model_copy(update={"tables": (table,), "relationships": ()}), "duckdb")
    assert str(caught.value) == (
        "ledger.amount: decimal(40,2) does not fit DuckDB: its decimals hold at most 38 digits"
        " — store it as text or a float, or generate for an engine with wider decimals"
    )
    assert "DECIMAL(40, 2)" in schema_ddl(
        SHOP.model_copy(update={"tables": (table,), "relationships": ()}), "postgres"
    )


def test_reserved_and_odd_names_are_quoted() -> None:
    fields = (
        Field(name="order", path="order", type=DataType(kind="integer")),
        Field(name="Unit Price", path="Unit Price", type=DataType(kind="float")),
    )
    text = schema_ddl(SHOP.model_copy(update={"tables": (Table(name="select", fields=fields),),
                                              "relationships": ()}), "postgres")  # fmt: skip
    assert (
        'CREATE TABLE IF NOT EXISTS "select" (\n  "order" BIGINT,\n  "Unit Price" DOUBLE PRECISION'
        in text
    )
