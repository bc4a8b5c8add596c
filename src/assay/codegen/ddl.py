"""CREATE SCHEMA / CREATE TABLE for any supported dialect, built as sqlglot syntax trees.

Library entry points (the loader uses them to create its targets):

- :func:`create_table_sql` — the statements that create one table;
- :func:`schema_ddl` — a whole script: schema, tables in dependency order, keys,
  foreign keys, comments;
- :func:`column_type` — the SQL type of a field in a dialect.

What each dialect cannot enforce is still written down: informational keys are
declared with a note, keys an engine cannot declare at all become SQL comments, and a
type that loses something (MySQL's DATETIME drops the offset) says so above the table.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sqlglot import exp

from assay.dialects import SqlDialect, UnsupportedTypeError, get_dialect
from assay.quality.rules import columns, required
from assay.schema import Field, Relationship, Schema, Table, TypeKind


@dataclass(frozen=True)
class DdlOptions:
    """Where the tables go and how the script is written.

    ``schema``: the target schema (BigQuery dataset, ClickHouse database); ``catalog``:
    the level above it where the engine has one (Databricks Unity Catalog, Snowflake
    database, Trino catalog, BigQuery project).
    """

    schema: str | None = None
    catalog: str | None = None
    if_not_exists: bool = True
    comments: bool = True
    primary_key: bool = True  # False: key columns stay NOT NULL, the key is added later


@dataclass(frozen=True)
class ForeignKey:
    name: str
    columns: tuple[str, ...]
    parent: str
    parent_columns: tuple[str, ...]


def dialect_of(dialect: str | SqlDialect) -> SqlDialect:
    return get_dialect(dialect) if isinstance(dialect, str) else dialect


def column_type(field: Field, dialect: str | SqlDialect, *, key: bool = False) -> str:
    """The SQL column type of ``field`` in ``dialect`` (e.g. ``DECIMAL(6, 2)``)."""
    return dialect_of(dialect).type_text(field, key=key)


def declared_foreign_keys(schema: Schema, table: Table) -> tuple[list[ForeignKey], list[str]]:
    """Relationships that can be foreign keys, and a note for each that cannot."""
    keys: list[ForeignKey] = []
    notes: list[str] = []
    names = {t.name: t for t in schema.tables}
    for r in schema.relationships:
        if r.from_table != table.name:
            continue
        why = _not_declarable(r, table, names.get(r.to_table))
        if why:
            notes.append(
                f"relationship {r.from_table}({', '.join(r.from_fields)}) -> "
                f"{r.to_table}({', '.join(r.to_fields)}) not declared: {why}"
            )
            continue
        keys.append(
            ForeignKey(
                _constraint_name("fk", table.name, *r.from_fields, r.to_table),
                r.from_fields,
                r.to_table,
                r.to_fields,
            )
        )
    return keys, notes


def _not_declarable(r: Relationship, child: Table, parent: Table | None) -> str | None:
    if parent is None:
        return f"table {r.to_table!r} is not in the schema"
    if r.coverage < 1.0:
        return f"only {r.coverage:.1%} of the values are found in {r.to_table}"
    child_columns = {f.name for f in columns(child)}
    parent_columns = {f.name for f in columns(parent)}
    if not set(r.from_fields) <= child_columns or not set(r.to_fields) <= parent_columns:
        return "nested fields cannot take part in a foreign key"
    if not _is_key(parent, r.to_fields):
        return f"({', '.join(r.to_fields)}) is not a key of {r.to_table}"
    return None


def _is_key(table: Table, fields: tuple[str, ...]) -> bool:
    keys = [table.primary_key, *table.candidate_keys]
    return any(k is not None and set(k.fields) == set(fields) for k in keys)


def _unique_keys(schema: Schema, table: Table) -> list[tuple[str, ...]]:
    """Non-primary keys that some declared foreign key refers to (they need UNIQUE)."""
    primary = set(table.primary_key.fields) if table.primary_key else set()
    out: list[tuple[str, ...]] = []
    for other in schema.tables:
        for fk in declared_foreign_keys(schema, other)[0]:
            other_key = fk.parent == table.name and set(fk.parent_columns) != primary
            if other_key and fk.parent_columns not in out:
                out.append(fk.parent_columns)
    return out


def primary_key_name(table: str) -> str:
    """The name the DDL gives a table's primary key (``pk_orders``)."""
    return _constraint_name("pk", table)


def _constraint_name(prefix: str, *parts: str, limit: int = 63) -> str:
    """``pk_orders``, ``fk_order_items_order_id_orders``; hashed when too long, so stable."""
    name = "_".join([prefix, *parts]).lower()
    name = "".join(c if c.isalnum() or c == "_" else "_" for c in name)
    if len(name) <= limit:
        return name
    digest = hashlib.sha1(name.encode()).hexdigest()[:8]
    return f"{name[: limit - 9]}_{digest}"


def _key_columns(schema: Schema | None, table: Table) -> set[str]:
    keys = set(table.primary_key.fields) if table.primary_key else set()
    for r in schema.relationships if schema is not None else ():
        if r.from_table == table.name:
            keys.update(r.from_fields)
        if r.to_table == table.name:
            keys.update(r.to_fields)
    return keys


def _column_types(
    dialect: SqlDialect, schema: Schema | None, table: Table, fks: list[ForeignKey]
) -> dict[str, str]:
    """Every column's type; a foreign key column takes the type of the column it refers to."""
    keys = _key_columns(schema, table)
    out: dict[str, str] = {}
    for f in columns(table):
        try:
            out[f.name] = dialect.type_text(f, key=f.name in keys)
        except UnsupportedTypeError as exc:
            raise UnsupportedTypeError(
                f"{table.name}.{f.path}: {exc.message}", hint=exc.hint
            ) from None
    for fk in fks:
        assert schema is not None
        parent = schema.table(fk.parent)
        for child_name, parent_name in zip(fk.columns, fk.parent_columns, strict=True):
            child, ref = table.field(child_name), parent.field(parent_name)
            if TypeKind(child.type.kind) is TypeKind(ref.type.kind) is TypeKind.INTEGER:
                both = ref.type.model_copy(
                    update={
                        "minimum": _least(child.type.minimum, ref.type.minimum, min),
                        "maximum": _least(child.type.maximum, ref.type.maximum, max),
                    }
                )
                ref = ref.model_copy(update={"type": both})
            out[child_name] = dialect.type_text(
                ref.model_copy(update={"nullable": child.nullable}), key=True
            )
    return out


def _least(a: int | None, b: int | None, pick: object) -> int | None:
    if a is None or b is None:
        return None
    return pick(a, b)  # type: ignore[operator]


def create_table_nodes(
    table: Table,
    dialect: str | SqlDialect,
    *,
    schema: Schema | None = None,
    options: DdlOptions = DdlOptions(),
    deferred: frozenset[str] = frozenset(),
) -> tuple[list[exp.Expression], list[str]]:
    """The CREATE TABLE (and COMMENT) nodes for ``table``, and notes to print above them.

    ``schema`` supplies the relationships (foreign keys); foreign keys to tables named
    in ``deferred`` are left out (added later with ALTER TABLE, for cycles).
    """
    d = dialect_of(dialect)
    caps = d.capabilities
    fks, notes = declared_foreign_keys(schema, table) if schema is not None else ([], [])
    types = _column_types(d, schema, table, fks)
    target = d.table(table.name, options.schema, options.catalog)
    definitions: list[exp.Expression] = []
    described: list[tuple[str, str]] = []
    mapper = d.types(d)
    for f in columns(table):
        constraints: list[exp.ColumnConstraint] = []
        if caps.not_null and required(f, table) and not _array_in_bigquery(d, f):
            constraints.append(exp.ColumnConstraint(kind=exp.NotNullColumnConstraint()))
        if f.description and options.comments:
            comment = d.column_comment(f.description)
            if comment is not None:
                constraints.append(comment)
            described.append((f.name, f.description))
        column = exp.ColumnDef(
            this=d.identifier(f.name), kind=d.parse_type(types[f.name]), constraints=constraints
        )
        if f.description and options.comments and caps.column_comments == "sql_comment":
            column.add_comments([" " + f.description.replace("*/", "* /") + " "])
        definitions.append(column)
        lossy = mapper.note(f)
        if lossy:
            notes.append(f"{table.name}.{f.name}: {lossy}")
    primary = list(table.primary_key.fields) if table.primary_key and options.primary_key else []
    if primary:
        ids = [d.identifier(c) for c in primary]
        if caps.primary_key == "none":
            notes.append(
                f"primary key ({', '.join(primary)}) not declared: {d.title} has no "
                "primary key constraint"
                + (" (used as the sort key)" if d.name == "clickhouse" else "")
            )
        else:
            definitions.append(d.primary_key(_constraint_name("pk", table.name), ids))
    if schema is not None and caps.primary_key != "none":
        for unique in _unique_keys(schema, table):
            definitions.append(
                d.unique_key(
                    _constraint_name("uq", table.name, *unique), [d.identifier(c) for c in unique]
                )
            )
    for fk in fks:
        text = (
            f"foreign key ({', '.join(fk.columns)}) -> {fk.parent}({', '.join(fk.parent_columns)})"
        )
        if caps.foreign_key == "none":
            notes.append(f"{text} not declared: {d.title} has no foreign keys")
            continue
        if fk.parent in deferred:
            continue
        definitions.append(_fk_node(d, fk, options))
    informational = [
        what
        for what, declared, enforcement in (
            ("primary key", bool(primary), caps.primary_key),
            ("foreign keys", bool(fks), caps.foreign_key),
        )
        if declared and enforcement == "informational"
    ]
    if informational:
        notes.append(
            f"{' and '.join(informational)} informational: {d.title} does not enforce them"
        )
    properties = d.table_properties(
        table.description if options.comments else None, [d.identifier(c) for c in primary]
    )
    create = exp.Create(
        kind="TABLE",
        this=exp.Schema(this=target, expressions=definitions),
        exists=options.if_not_exists and caps.create_if_not_exists,
        properties=exp.Properties(expressions=properties) if properties else None,
    )
    if table.description and options.comments and caps.table_comments == "sql_comment":
        notes.insert(0, f"{table.name}: {table.description}")
    nodes: list[exp.Expression] = [create]
    if options.comments:
        nodes += d.comment_statements(target, table.description, described)
    return nodes, notes


def _fk_node(d: SqlDialect, fk: ForeignKey, options: DdlOptions) -> exp.Expression:
    return d.foreign_key(
        fk.name,
        [d.identifier(c) for c in fk.columns],
        d.table(fk.parent, options.schema, options.catalog),
        [d.identifier(c) for c in fk.parent_columns],
    )


def _array_in_bigquery(d: SqlDialect, f: Field) -> bool:
    """BigQuery arrays are REPEATED: never NULL, and NOT NULL may not be written."""
    return d.name == "bigquery" and TypeKind(f.type.kind) is TypeKind.ARRAY


def create_table_sql(
    table: Table,
    dialect: str | SqlDialect,
    *,
    schema: Schema | None = None,
    options: DdlOptions = DdlOptions(),
) -> list[str]:
    """The statements (without trailing semicolons) that create ``table``."""
    d = dialect_of(dialect)
    nodes, _ = create_table_nodes(table, d, schema=schema, options=options)
    return [d.render(n, pretty=isinstance(n, exp.Create)) for n in nodes]


def table_order(schema: Schema) -> tuple[list[Table], list[tuple[Table, ForeignKey]]]:
    """Tables with parents first (by name among equals), and foreign keys closing a cycle."""
    remaining = {t.name: t for t in schema.tables}
    done: list[Table] = []
    deferred: list[tuple[Table, ForeignKey]] = []
    while remaining:
        ready = [
            t
            for t in remaining.values()
            if all(
                fk.parent not in remaining or fk.parent == t.name
                for fk in declared_foreign_keys(schema, t)[0]
            )
        ]
        if not ready:  # a cycle: take the first by name, its foreign keys come later
            first = remaining[min(remaining)]
            deferred += [
                (first, fk)
                for fk in declared_foreign_keys(schema, first)[0]
                if fk.parent in remaining and fk.parent != first.name
            ]
            ready = [first]
        for t in sorted(ready, key=lambda t: t.name):
            done.append(t)
            del remaining[t.name]
    return done, deferred


def schema_ddl(
    schema: Schema, dialect: str | SqlDialect, options: DdlOptions = DdlOptions()
) -> str:
    """A complete script for ``schema``: CREATE SCHEMA, the tables, keys and comments."""
    d = dialect_of(dialect)
    caps = d.capabilities
    blocks: list[str] = [f"-- {d.title} DDL generated by assay"]
    if options.schema:
        if caps.schemas:
            node = exp.Create(
                kind="SCHEMA",
                this=exp.Table(
                    db=d.identifier(options.schema),
                    catalog=d.identifier(options.catalog)
                    if options.catalog and caps.catalogs
                    else None,
                ),
                exists=options.if_not_exists and caps.create_if_not_exists,
            )
            blocks.append(d.render(node) + ";")
        else:
            blocks.append(f"-- {d.title} has no CREATE SCHEMA: {d.schema_hint(options.schema)}")
    ordered, cycles = table_order(schema)
    for table in ordered:
        later = frozenset(fk.parent for t, fk in cycles if t.name == table.name)
        if d.name == "sqlite":  # SQLite resolves foreign keys lazily: no ALTER needed
            later = frozenset()
        nodes, notes = create_table_nodes(table, d, schema=schema, options=options, deferred=later)
        lines = [f"-- {n}" for n in notes]
        lines += [d.render(n, pretty=isinstance(n, exp.Create)) + ";" for n in nodes]
        blocks.append("\n".join(lines))
    for table, fk in cycles:
        if d.capabilities.foreign_key == "none" or d.name == "sqlite":
            continue
        alter = exp.Alter(
            this=d.table(table.name, options.schema, options.catalog),
            kind="TABLE",
            actions=[exp.AddConstraint(expressions=[_fk_node(d, fk, options)])],
        )
        blocks.append(d.render(alter) + ";")
    return "\n\n".join(blocks) + "\n"
