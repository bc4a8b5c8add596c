"""Quality rules as SQL: one SELECT per rule returning the failing rows, any dialect.

Built as sqlglot syntax trees (values become escaped literals, names quoted
identifiers; nothing is concatenated) and rendered through the dialect layer, which
knows each engine's regular-expression predicate and whether it has one at all.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlglot import exp

from assay.dialects import SqlDialect, get_dialect
from assay.errors import UsageError

if TYPE_CHECKING:
    from assay.quality.rules import Rule


class UnsupportedRuleError(UsageError):
    code = "unsupported_rule"


def _dialect(dialect: str | SqlDialect) -> SqlDialect:
    return get_dialect(dialect) if isinstance(dialect, str) else dialect


def supported(rule: Rule, dialect: str | SqlDialect) -> bool:
    d = _dialect(dialect)
    return rule.code != "pattern" or d.capabilities.regex


def relation_table(d: SqlDialect, relation: str) -> exp.Table:
    """A relation written as SQL (``schema.table``), parsed, never pasted into the query."""
    return exp.to_table(relation, dialect=d.sqlglot_name)


def rule_sql(
    rule: Rule, dialect: str | SqlDialect, relation: str | None, relations: dict[str, str]
) -> str:
    d = _dialect(dialect)
    if not supported(rule, d):
        raise UnsupportedRuleError(
            f"rule {rule.id} ({rule.code}) cannot be checked in SQL on {d.title}: "
            "it has no regular-expression function"
        )
    source = relation_table(d, relation) if relation else d.table(rule.table)
    query = _BUILDERS[rule.code](rule, d, source, relations)
    return d.render(query)


def _col(d: SqlDialect, name: str, alias: str | None = None) -> exp.Column:
    return d.column(name, alias)


def _where(source: exp.Table, condition: exp.Expression) -> exp.Select:
    return exp.select("*").from_(source).where(condition)


def _not_null(rule: Rule, d: SqlDialect, source: exp.Table, _: dict[str, str]) -> exp.Select:
    return _where(source, exp.Is(this=_col(d, rule.columns[0]), expression=exp.Null()))


def _present(d: SqlDialect, column: str) -> exp.Expression:
    return exp.Not(this=exp.Is(this=_col(d, column), expression=exp.Null()))


def _unique(rule: Rule, d: SqlDialect, source: exp.Table, _: dict[str, str]) -> exp.Select:
    keys = [_col(d, c) for c in rule.columns]
    duplicates = (
        exp.select(*keys)
        .from_(source.copy())
        .where(exp.and_(*[_present(d, c) for c in rule.columns]))
        .group_by(*[k.copy() for k in keys])
        .having(exp.GT(this=exp.Count(this=exp.Star()), expression=exp.Literal.number(1)))
    )
    on = exp.and_(*[exp.EQ(this=_col(d, c, "t"), expression=_col(d, c, "d")) for c in rule.columns])
    return (
        exp.select(exp.Column(this=exp.Star(), table=exp.to_identifier("t")))
        .from_(source.as_("t"))
        .join(duplicates.subquery("d"), on=on)
    )


def _literal(value: Any, kind: str | None, d: SqlDialect) -> exp.Expression:
    if isinstance(value, bool):
        return exp.Boolean(this=value)
    if isinstance(value, int | float):
        return exp.Literal.number(value)
    text = exp.Literal.string(str(value))
    if kind == "date":
        return exp.cast(text, exp.DataType.build("DATE"))
    return text


def _accepted(rule: Rule, d: SqlDialect, source: exp.Table, _: dict[str, str]) -> exp.Select:
    column = rule.columns[0]
    values = [_literal(v, None, d) for v in rule.values or ()]
    outside = exp.Not(this=exp.In(this=_col(d, column), expressions=values))
    return _where(source, exp.and_(_present(d, column), outside))


def _pattern(rule: Rule, d: SqlDialect, source: exp.Table, _: dict[str, str]) -> exp.Select:
    column = rule.columns[0]
    assert rule.pattern is not None
    mismatch = exp.Not(this=d.regex_match(d.as_text(_col(d, column)), rule.pattern))
    return _where(source, exp.and_(_present(d, column), mismatch))


def _range(rule: Rule, d: SqlDialect, source: exp.Table, _: dict[str, str]) -> exp.Select:
    column = rule.columns[0]
    low = exp.LT(this=_col(d, column), expression=_literal(rule.minimum, rule.kind, d))
    high = exp.GT(this=_col(d, column), expression=_literal(rule.maximum, rule.kind, d))
    return _where(source, exp.or_(low, high))


def _max_length(rule: Rule, d: SqlDialect, source: exp.Table, _: dict[str, str]) -> exp.Select:
    column = rule.columns[0]
    too_long = exp.GT(this=d.length(_col(d, column)), expression=exp.Literal.number(rule.maximum))
    return _where(source, too_long)


def _row_count(rule: Rule, d: SqlDialect, source: exp.Table, _: dict[str, str]) -> exp.Select:
    count = exp.select(exp.alias_(exp.Count(this=exp.Star()), "row_count")).from_(source)
    n = exp.column("row_count")
    outside = exp.or_(
        exp.LT(this=n, expression=exp.Literal.number(rule.minimum)),
        exp.GT(this=n.copy(), expression=exp.Literal.number(rule.maximum)),
    )
    return exp.select("*").from_(count.subquery("c")).where(outside)


def _foreign_key(
    rule: Rule, d: SqlDialect, source: exp.Table, relations: dict[str, str]
) -> exp.Select:
    assert rule.parent is not None
    parent = (
        relation_table(d, relations[rule.parent])
        if rule.parent in relations
        else d.table(rule.parent)
    )
    pairs = list(zip(rule.columns, rule.parent_columns, strict=True))
    on = exp.and_(*[exp.EQ(this=_col(d, c, "c"), expression=_col(d, p, "p")) for c, p in pairs])
    present = [exp.Not(this=exp.Is(this=_col(d, c, "c"), expression=exp.Null())) for c, _p in pairs]
    orphan = exp.Is(this=_col(d, pairs[0][1], "p"), expression=exp.Null())
    return (
        exp.select(exp.Column(this=exp.Star(), table=exp.to_identifier("c")))
        .from_(source.as_("c"))
        .join(parent.as_("p"), on=on, join_type="left")
        .where(exp.and_(*present, orphan))
    )


_BUILDERS = {
    "not_null": _not_null,
    "unique": _unique,
    "accepted_values": _accepted,
    "pattern": _pattern,
    "range": _range,
    "max_length": _max_length,
    "row_count": _row_count,
    "foreign_key": _foreign_key,
}
