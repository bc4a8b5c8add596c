"""Raw value → typed value, as a SQL expression per field (used by dbt staging models).

Raw tables hold values as read: text for delimited files, JSON types for JSON.  Each
scalar is normalised the way inference read it — surrounding blanks trimmed, the
empty string and the field's null tokens (``N/A``) made NULL, decimal commas and
thousands separators undone, non-ISO dates parsed with their pattern — and converted
with ``TRY_CAST`` so one bad value yields NULL instead of failing the whole model.
:func:`converts` tells whether a raw value that was present survived the conversion:
rows where it did not are the rejects.
"""

from __future__ import annotations

import ast
import re

from sqlglot import exp

from assay.dialects import SqlDialect
from assay.schema import Field, TypeKind

_TOKEN = re.compile(r"('(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\")×\d+")
_COMPOSITE = (TypeKind.OBJECT, TypeKind.ARRAY, TypeKind.MIXED)


def null_tokens(field: Field) -> tuple[str, ...]:
    """The values inference read as null (``''``, ``'N/A'``, …), from its evidence."""
    out: list[str] = []
    for e in field.evidence:
        if e.decision == "nullable" and e.rule == "null-tokens" and e.note:
            for match in _TOKEN.finditer(e.note):
                token = ast.literal_eval(match.group(1))
                if isinstance(token, str) and token not in out:
                    out.append(token)
    return tuple(out)


def raw_text(field: Field, raw: exp.Expression, d: SqlDialect) -> exp.Expression:
    """The raw value as text with null tokens turned into NULL."""
    text: exp.Expression = d.as_text(raw)
    kind = TypeKind(field.type.kind)
    if kind is not TypeKind.STRING:
        text = exp.Trim(this=text)
    tokens = sorted({"", *null_tokens(field)})
    return exp.Case(
        ifs=[
            exp.If(
                this=exp.In(this=text.copy(), expressions=[exp.Literal.string(t) for t in tokens]),
                true=exp.Null(),
            )
        ],
        default=text,
    )


def typed_value(field: Field, raw: exp.Expression, d: SqlDialect, type_text: str) -> exp.Expression:
    """The typed value of ``raw`` (NULL where it does not convert)."""
    kind = TypeKind(field.type.kind)
    target = d.parse_type(type_text)
    if kind in _COMPOSITE:
        return exp.TryCast(this=raw, to=target)
    text = raw_text(field, raw, d)
    if kind is TypeKind.STRING:
        return (
            text
            if type_text.upper() in ("VARCHAR", "TEXT", "STRING")
            else exp.TryCast(this=text, to=target)
        )
    if kind in (TypeKind.DECIMAL, TypeKind.FLOAT, TypeKind.INTEGER):
        for hint in field.hints:
            if hint.startswith("thousands_separator:"):
                text = exp.func(
                    "REPLACE",
                    text,
                    exp.Literal.string(hint.split(":", 1)[1]),
                    exp.Literal.string(""),
                )
        if "decimal_separator:," in field.hints:
            text = exp.func("REPLACE", text, exp.Literal.string("."), exp.Literal.string(""))
            text = exp.func("REPLACE", text, exp.Literal.string(","), exp.Literal.string("."))
    if kind in (TypeKind.DATE, TypeKind.DATETIME) and field.type.pattern:
        parsed = exp.StrToTime(this=text, format=exp.Literal.string(field.type.pattern), safe=True)
        return exp.TryCast(this=parsed, to=target)
    return exp.TryCast(this=text, to=target)


def raw_value(field: Field, raw: exp.Expression, d: SqlDialect) -> exp.Expression:
    """The raw value, NULL when absent or a null token: a row is rejected when this is
    not NULL but the typed value is."""
    if TypeKind(field.type.kind) in _COMPOSITE:
        return raw
    return raw_text(field, raw, d)
