"""Row-level rules counted on Arrow batches, where that provably equals the SQL scan.

A load that fills an empty table writes exactly its converted batches, so the rows
failing a row-level rule in the table are the sum, over those batches, of the rows
failing it in each.  Counting them on the client while the engine stores the rows
spares a scan of the whole table afterwards (PostgreSQL's POSIX regular expressions
alone cost more than a second per million rows).

Only where both sides agree by construction: a column the engine stores as its
converted values (the target says which), format patterns only (fixed, portable
regular expressions: RE2 and PostgreSQL's ARE agree on them, see the tests),
literals of the column's own kind.  Anything else returns ``None`` from
:func:`countable` and is left to the SQL scan.
"""

from __future__ import annotations

import datetime as dt
import decimal
import re
from collections.abc import Callable
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from assay.quality.formats import FORMAT_PATTERNS
from assay.quality.rules import Rule

Counter = Callable[[pa.Array | pa.ChunkedArray], int]
_PORTABLE = frozenset(FORMAT_PATTERNS.values())
_ISO_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


def countable(rule: Rule, arrow: pa.DataType) -> Counter | None:
    """How to count ``rule``'s failing rows in a column of type ``arrow``, or ``None``
    where the count could differ from the engine's (then the SQL scan counts it)."""
    try:
        return _BUILDERS[rule.code](rule, arrow) if rule.code in _BUILDERS else None
    except (ValueError, TypeError, ArithmeticError, pa.ArrowException):
        return None


def _true(mask: pa.Array | pa.ChunkedArray) -> int:
    """Rows where ``mask`` is true (null, like SQL's ``IF(NULL, 1, 0)``, counts 0)."""
    return int(pc.sum(mask).as_py() or 0)


def _text(arrow: pa.DataType) -> bool:
    return pa.types.is_string(arrow) or pa.types.is_large_string(arrow)


def _integer(arrow: pa.DataType) -> bool:
    return pa.types.is_integer(arrow)


def _int_value(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _not_null(rule: Rule, arrow: pa.DataType) -> Counter:
    return lambda column: column.null_count


def _pattern(rule: Rule, arrow: pa.DataType) -> Counter | None:
    if not _text(arrow) or rule.pattern not in _PORTABLE:
        return None
    pattern = rule.pattern
    return lambda column: _true(pc.invert(pc.match_substring_regex(column, pattern)))


def _accepted(rule: Rule, arrow: pa.DataType) -> Counter | None:
    values = rule.values or ()
    if _text(arrow) and all(isinstance(v, str) for v in values):
        allowed = pa.array(values, pa.string())
    elif _integer(arrow) and all(_int_value(v) for v in values):
        allowed = pa.array(values, pa.int64())
    else:
        return None
    allowed = allowed.cast(arrow)  # values the column cannot hold: not countable (raises)

    def count(column: pa.Array | pa.ChunkedArray) -> int:  # null is in no list, yet passes
        outside = pc.invert(pc.is_in(column, value_set=allowed))
        return _true(pc.and_(pc.is_valid(column), outside))

    return count


def _max_length(rule: Rule, arrow: pa.DataType) -> Counter | None:
    if not _text(arrow) or not _int_value(rule.maximum):
        return None
    limit = rule.maximum
    return lambda column: _true(pc.greater(pc.utf8_length(column), limit))


def _bound(value: Any, arrow: pa.DataType, kind: str | None) -> pa.Scalar:
    """A range bound as the engine reads the rule's literal against this column."""
    if pa.types.is_integer(arrow) and _int_value(value):
        return pa.scalar(value, pa.int64())
    if pa.types.is_floating(arrow) and isinstance(value, int | float) and kind != "date":
        return pa.scalar(float(value), pa.float64())  # numeric literal → float8
    if pa.types.is_decimal(arrow) and isinstance(value, int | float) and kind != "date":
        exact = decimal.Decimal(str(value))  # the literal as written in the SQL: exact
        if not exact.is_finite():
            raise ValueError(value)
        return pa.scalar(exact)
    if pa.types.is_date32(arrow) and kind == "date" and _ISO_DATE.match(str(value)):
        return pa.scalar(dt.date.fromisoformat(str(value)), pa.date32())
    raise ValueError(value)


def _range(rule: Rule, arrow: pa.DataType) -> Counter | None:
    low = _bound(rule.minimum, arrow, rule.kind)
    high = _bound(rule.maximum, arrow, rule.kind)
    floating = pa.types.is_floating(arrow)

    def count(column: pa.Array | pa.ChunkedArray) -> int:
        outside = pc.or_(pc.less(column, low), pc.greater(column, high))
        if floating:  # NaN sorts above every number in SQL engines: it is > the maximum
            outside = pc.or_(outside, pc.is_nan(column))
        return _true(outside)

    return count


_BUILDERS: dict[str, Callable[[Rule, pa.DataType], Counter | None]] = {
    "not_null": _not_null,
    "pattern": _pattern,
    "accepted_values": _accepted,
    "max_length": _max_length,
    "range": _range,
}


__all__ = ["Counter", "countable"]
