"""Quality rules derived from a schema's evidence: one object per check, data not code.

Every artifact that checks data — the ODCS contract's ``quality`` section, dbt tests,
Great Expectations suites, and the SQL checks the loader runs — is rendered from the
same :func:`quality_rules`, so they can never disagree.

A rule has a stable ``id`` (``table.column.code``) and ``code`` (the kind of check),
``critical`` (a failing row must not be loaded as clean: it goes to the rejects
table) and a one-line ``message``.  Critical: not null, primary key and declared
unique keys, foreign keys.  Warnings: accepted values, patterns, ranges, lengths, row
count — facts observed in one drop of the data, which the next drop may rightly break.
"""

from __future__ import annotations

from typing import Any, Literal

from assay.quality.formats import FORMAT_PATTERNS, FORMAT_RANGES
from assay.schema import Field, Schema, Table, TypeKind
from assay.schema.types import Model

RuleCode = Literal[
    "not_null", "unique", "accepted_values", "pattern", "range", "max_length", "row_count",
    "foreign_key",
]  # fmt: skip
RULE_CODES: tuple[str, ...] = RuleCode.__args__  # type: ignore[attr-defined]
_ORDERABLE = (TypeKind.INTEGER, TypeKind.DECIMAL, TypeKind.FLOAT, TypeKind.DATE)
_NUMERIC = (TypeKind.INTEGER, TypeKind.DECIMAL, TypeKind.FLOAT)


class Rule(Model):
    """One check on one table; :meth:`to_sql` renders the query returning failing rows."""

    id: str
    code: RuleCode
    table: str
    columns: tuple[str, ...] = ()
    critical: bool
    message: str
    values: tuple[Any, ...] | None = None  # accepted_values
    pattern: str | None = None  # pattern (anchored, portable)
    minimum: Any = None  # range / row_count
    maximum: Any = None
    kind: str | None = None  # logical kind of the column (range literals are typed by it)
    parent: str | None = None  # foreign_key: the referenced table
    parent_columns: tuple[str, ...] = ()

    @property
    def severity(self) -> str:
        return "error" if self.critical else "warning"

    def to_sql(
        self,
        dialect: Any,
        relation: str | None = None,
        *,
        relations: dict[str, str] | None = None,
    ) -> str:
        """A SELECT returning the rows that fail this rule, in ``dialect``.

        ``relation`` is the table to check (default: the rule's table name), written as
        SQL (``shop.orders``); ``relations`` maps other table names (a foreign key's
        parent) to theirs.
        """
        from assay.quality.sql import rule_sql

        return rule_sql(self, dialect, relation, relations or {})

    def supported(self, dialect: Any) -> bool:
        from assay.quality.sql import supported

        return supported(self, dialect)


def columns(table: Table) -> list[Field]:
    """Top-level fields (flattened copies of nested members dropped): one column each."""
    objects = [f.path for f in table.fields if TypeKind(f.type.kind) is TypeKind.OBJECT]
    return [
        f
        for f in table.fields
        if "." not in f.path or not any(f.path.startswith(p + ".") for p in objects)
    ]


def required(field: Field, table: Table) -> bool:
    """NOT NULL: a key column, or never null and present in every record."""
    primary = table.primary_key.fields if table.primary_key else ()
    return field.name in primary or (not field.nullable and field.frequency >= 1.0)


def quality_rules(table: Table, schema: Schema | None = None) -> list[Rule]:
    """The rules for ``table`` in a stable order (``schema`` adds its foreign keys)."""
    rules: list[Rule] = []
    name = table.name
    if table.row_count > 0:
        low, high = table.row_count // 2, table.row_count * 2
        rules.append(
            Rule(
                id=f"{name}.row_count", code="row_count", table=name, critical=False,
                minimum=low, maximum=high,
                message=f"{name} should have between {low} and {high} rows "
                f"(observed {table.row_count})",
            )
        )  # fmt: skip
    if table.primary_key:
        key = table.primary_key.fields
        rules.append(_unique(name, key, "primary key"))
    keys = set(table.primary_key.fields) if table.primary_key else set()
    for r in schema.relationships if schema is not None else ():
        keys.update(r.from_fields if r.from_table == name else ())
    for f in columns(table):
        rules += _field_rules(name, f, table, ranged=f.name not in keys)
    if schema is not None:
        rules += _foreign_keys(schema, table)
    return rules


def _unique(table: str, key: tuple[str, ...], what: str) -> Rule:
    joined = ", ".join(key)
    return Rule(
        id=f"{table}.{'.'.join(key)}.unique", code="unique", table=table, columns=key,
        critical=True, message=f"{what} ({joined}) must be unique",
    )  # fmt: skip


def _field_rules(table: str, f: Field, t: Table, *, ranged: bool) -> list[Rule]:
    """Rules on one column; ``ranged``: observed ranges apply (not to ids, which grow)."""
    out: list[Rule] = []
    kind = TypeKind(f.type.kind)
    base = f"{table}.{f.name}"
    if required(f, t):
        out.append(
            Rule(
                id=f"{base}.not_null", code="not_null", table=table, columns=(f.name,),
                critical=True, message=f"{f.name} must not be null",
            )
        )  # fmt: skip
    c = f.constraints
    primary = t.primary_key.fields if t.primary_key else ()
    if c is not None and c.unique and (f.name,) != tuple(primary):
        out.append(_unique(table, (f.name,), f"{f.name}"))
    if c is not None and c.enum and kind in (TypeKind.STRING, TypeKind.INTEGER):
        values = tuple(c.enum)
        out.append(
            Rule(
                id=f"{base}.accepted_values", code="accepted_values", table=table,
                columns=(f.name,), critical=False, values=values,
                message=f"{f.name} must be one of {', '.join(map(str, values))}",
            )
        )  # fmt: skip
    pattern = c.pattern if c is not None and c.pattern else None
    if pattern is None and f.format is not None and kind is TypeKind.STRING:
        pattern = FORMAT_PATTERNS.get(f.format.name)
    if pattern is not None:
        what = f.format.name if f.format is not None else "the pattern"
        out.append(
            Rule(
                id=f"{base}.pattern", code="pattern", table=table, columns=(f.name,),
                critical=False, pattern=pattern, message=f"{f.name} must be a valid {what}",
            )
        )  # fmt: skip
    bounds = _range(f, kind) if ranged else None
    if bounds is not None:
        low, high = bounds
        out.append(
            Rule(
                id=f"{base}.range", code="range", table=table, columns=(f.name,),
                critical=False, minimum=low, maximum=high, kind=kind.value,
                message=f"{f.name} must be between {low} and {high}",
            )
        )  # fmt: skip
    if c is not None and c.max_length is not None and kind is TypeKind.STRING:
        out.append(
            Rule(
                id=f"{base}.max_length", code="max_length", table=table, columns=(f.name,),
                critical=False, maximum=c.max_length,
                message=f"{f.name} must be at most {c.max_length} characters",
            )
        )  # fmt: skip
    return out


def _range(f: Field, kind: TypeKind) -> tuple[Any, Any] | None:
    """Declared bounds, a coordinate's bounds, else the observed minimum and maximum."""
    c = f.constraints
    if c is not None and c.minimum is not None and c.maximum is not None:
        return c.minimum, c.maximum
    if f.format is not None and f.format.name in FORMAT_RANGES and kind in _NUMERIC:
        return FORMAT_RANGES[f.format.name]
    if kind not in _ORDERABLE or f.stats is None:
        return None
    low, high = f.stats.min, f.stats.max
    if low is None or high is None:
        return None
    if kind is TypeKind.DATE and (f.type.pattern is not None or not isinstance(low, str)):
        return None  # only ISO dates compare as literals
    if kind in _NUMERIC and not all(isinstance(v, int | float) for v in (low, high)):
        return None
    return low, high


def _foreign_keys(schema: Schema, table: Table) -> list[Rule]:
    out: list[Rule] = []
    names = {t.name for t in schema.tables}
    for r in schema.relationships:
        if r.from_table != table.name or r.to_table not in names or r.coverage < 1.0:
            continue
        cols = ", ".join(r.from_fields)
        out.append(
            Rule(
                id=f"{table.name}.{'.'.join(r.from_fields)}.foreign_key", code="foreign_key",
                table=table.name, columns=r.from_fields, critical=True, parent=r.to_table,
                parent_columns=r.to_fields,
                message=f"({cols}) must exist in {r.to_table}({', '.join(r.to_fields)})",
            )
        )  # fmt: skip
    return out
