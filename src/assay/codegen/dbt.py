"""A dbt project: sources with descriptions and tests, one typed staging model per table.

Layout (all paths relative to the output directory)::

    dbt_project.yml, profiles.yml (DuckDB; the file from $ASSAY_DUCKDB)
    models/staging/_sources.yml   raw tables: descriptions; tests at severity warn
                                  (raw data is expected to hold the defects)
    models/staging/_models.yml    staging models: the same tests, enforced
    models/staging/stg_<table>.sql

A staging model converts every raw column to its type (:mod:`assay.codegen.casts`),
leaves out rows whose present values do not convert (they belong in the rejects) and
keeps one row per primary key (exact duplicates in the raw data).  Tests come from
:func:`assay.quality.quality_rules`: critical rules are ``error``, the rest ``warn``.
"""

from __future__ import annotations

import re
from typing import Any

import yaml
from sqlglot import exp

from assay.codegen.casts import raw_value, typed_value
from assay.codegen.ddl import dialect_of
from assay.dialects import SqlDialect
from assay.quality import Rule, columns, quality_rules
from assay.schema import Schema, Table

ADAPTERS = {
    "duckdb": "duckdb",
    "postgres": "postgres",
    "snowflake": "snowflake",
    "bigquery": "bigquery",
    "databricks": "databricks",
    "spark": "spark",
    "redshift": "redshift",
    "trino": "trino",
    "clickhouse": "clickhouse",
    "sqlserver": "sqlserver",
    "mysql": "mysql",
    "oracle": "oracle",
    "sqlite": "sqlite",
}


def _dump(doc: Any) -> str:
    return yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=100)


def project_name(name: str) -> str:
    slug = re.sub(r"[^a-z0-9_]+", "_", name.lower()).strip("_") or "dataset"
    return slug if slug[0].isalpha() else f"p_{slug}"


def dbt_project(
    schema: Schema, *, name: str = "dataset", dialect: str = "duckdb", raw_schema: str = "raw"
) -> dict[str, str]:
    """File path → content of the project."""
    d = dialect_of(dialect)
    project = project_name(name)
    files = {
        "dbt_project.yml": _dump(
            {
                "name": project,
                "version": "1.0.0",
                "config-version": 2,
                "profile": project,
                "model-paths": ["models"],
                "models": {project: {"staging": {"+materialized": "table"}}},
            }
        ),
        "profiles.yml": _dump(
            {
                project: {
                    "target": "dev",
                    "outputs": {
                        "dev": {
                            "type": ADAPTERS[d.name],
                            "path": "{{ env_var('ASSAY_DUCKDB', '" + project + ".duckdb') }}",
                            "threads": 1,
                        }
                    },
                }
            }
        ),
        "models/staging/_sources.yml": _dump(_sources(schema, raw_schema)),
        "models/staging/_models.yml": _dump(_models(schema)),
    }
    for table in schema.tables:
        files[f"models/staging/stg_{table.name}.sql"] = staging_sql(table, d, schema)
    return files


def _tests(rules: list[Rule], column: str, *, staging: bool) -> list[Any]:
    out: list[Any] = []
    for r in rules:
        if r.columns != (column,):
            continue
        severity = "error" if (r.critical and staging) else "warn"
        config = {"config": {"severity": severity}}
        if r.code == "not_null":
            out.append({"not_null": config})
        elif r.code == "unique":
            out.append({"unique": config})
        elif r.code == "accepted_values":
            out.append(
                {"accepted_values": {"arguments": {"values": list(r.values or ())}, **config}}
            )
        elif r.code == "foreign_key" and staging:
            target = f"ref('stg_{r.parent}')"
            out.append(
                {
                    "relationships": {
                        "arguments": {"to": target, "field": r.parent_columns[0]},
                        **config,
                    }
                }
            )
        elif r.code == "foreign_key":
            target = f"source('raw', '{r.parent}')"
            out.append(
                {
                    "relationships": {
                        "arguments": {"to": target, "field": r.parent_columns[0]},
                        **config,
                    }
                }
            )
    return out


def _columns(table: Table, schema: Schema, *, staging: bool) -> list[dict[str, Any]]:
    rules = quality_rules(table, schema)
    out = []
    for f in columns(table):
        entry: dict[str, Any] = {"name": f.name if staging else (f.source_name or f.name)}
        if f.description:
            entry["description"] = f.description
        tests = _tests(rules, f.name, staging=staging)
        if tests:
            entry["data_tests"] = tests
        out.append(entry)
    return out


def _sources(schema: Schema, raw_schema: str) -> dict[str, Any]:
    tables = []
    for t in schema.tables:
        entry: dict[str, Any] = {"name": t.name}
        if t.description:
            entry["description"] = t.description
        entry["columns"] = _columns(t, schema, staging=False)
        tables.append(entry)
    return {"version": 2, "sources": [{"name": "raw", "schema": raw_schema, "tables": tables}]}


def _models(schema: Schema) -> dict[str, Any]:
    models = []
    for t in schema.tables:
        entry: dict[str, Any] = {"name": f"stg_{t.name}"}
        entry["description"] = (
            t.description or f"{t.name}: typed, de-duplicated rows of raw.{t.name}"
        )
        key = t.primary_key.fields if t.primary_key else ()
        if len(key) > 1:
            expression = " || '|' || ".join(f"CAST({c} AS VARCHAR)" for c in key)
            entry["data_tests"] = [
                {
                    "unique": {
                        "arguments": {"column_name": f"({expression})"},
                        "config": {"severity": "error"},
                    }
                }
            ]
        entry["columns"] = _columns(t, schema, staging=True)
        models.append(entry)
    return {"version": 2, "models": models}


def staging_sql(table: Table, d: SqlDialect, schema: Schema | None = None) -> str:
    """SELECT typed rows from the raw source (a dbt model: Jinja ``source()`` for the table)."""
    from assay.codegen.ddl import _column_types, declared_foreign_keys

    fks = declared_foreign_keys(schema, table)[0] if schema is not None else []
    types = _column_types(d, schema, table, fks)
    selected: list[exp.Expression] = []
    kept: list[exp.Expression] = []
    for i, f in enumerate(columns(table)):
        raw = exp.column(d.identifier(f.source_name or f.name), table="raw_rows")
        value = typed_value(f, raw, d, types[f.name])
        selected.append(exp.alias_(value, d.identifier(f.name)))
        selected.append(exp.alias_(raw_value(f, raw.copy(), d), f"assay_raw_{i}"))
        present = exp.Not(this=exp.Is(this=d.column(f.name), expression=exp.Null()))
        absent = exp.Is(this=exp.column(f"assay_raw_{i}"), expression=exp.Null())
        kept.append(exp.paren(exp.or_(absent, present)))
    key = list(table.primary_key.fields) if table.primary_key else []
    names = [d.column(f.name) for f in columns(table)]
    query = exp.select(*names).with_("raw_rows", as_=exp.select("*").from_("__SOURCE__"))
    query = query.with_("typed", as_=exp.select(*selected).from_("raw_rows"))
    query = query.with_("kept", as_=exp.select("*").from_("typed").where(exp.and_(*kept)))
    if key:
        rank = exp.Window(
            this=exp.RowNumber(),
            partition_by=[d.column(c) for c in key],
            order=exp.Order(expressions=[exp.Ordered(this=d.column(c)) for c in key]),
        )
        ranked = exp.select("*", exp.alias_(rank, "assay_row_rank")).from_("kept")
        query = query.with_("ranked", as_=ranked).from_("ranked").where("assay_row_rank = 1")
    else:
        query = query.from_("kept")
    text = d.render(query, pretty=True)
    header = (
        f"-- {table.name}: typed rows of raw.{table.name}; "
        "rows with values that do not convert are left out"
    )
    return (
        header
        + "\n"
        + text.replace("__SOURCE__", "{{ source('raw', '" + table.name + "') }}")
        + "\n"
    )
