"""Text → typed Arrow values by the rules inference used, vectorized.

A field's textual form is the inference candidate that decided its type (recorded in
its evidence; for schemas without evidence, derived from its kind, pattern and
hints), so the loader accepts exactly the values inference counted as conforming:
``1.234,56`` in a decimal-comma column, ``31.01.2024 10:00`` with the detected
pattern, ``yes``/``no`` booleans.  Validity comes from the candidate's own vectorized
test (shape, then day-within-month, hour < 24 …); values are then built with Arrow
casts (ISO text) or from the extracted components with numpy (regional dates), never
with ``strptime``, which rolls ``31.02.2024`` over to March 2nd.

Every function takes non-null text and returns ``(typed, errors)``: ``typed`` holds
null where a value failed, ``errors`` maps a reason code to a boolean mask.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from assay.inference.candidates import BY_NAME, Candidate, plain_decimal, plain_digits
from assay.schema import Field, TypeKind
from assay.targets.casting import (
    INVALID,
    Errors,
    cast_isolating,
    expand,
    invalid_reason,
    scatter,
    select,
    trimmed,
    try_cast,
)
from assay.targets.text_temporal import parse_temporal

TRUE = ("true", "yes", "y", "t", "on")
FALSE = ("false", "no", "n", "f", "off")
_NUMERIC = (TypeKind.INTEGER, TypeKind.DECIMAL, TypeKind.FLOAT)
_PLAIN_NUMBER = r"^[+-]?(?:[0-9]+(?:\.[0-9]+)?|\.[0-9]+)$"


def text_form(field: Field) -> Candidate | None:
    """The inference candidate whose form this field's text values take."""
    for e in field.evidence:
        if e.decision == "type" and e.note in BY_NAME:
            return BY_NAME[e.note]
    kind = TypeKind(field.type.kind)
    hints = set(field.hints)
    comma = "decimal_separator:," in hints
    if kind is TypeKind.BOOLEAN:
        return BY_NAME["boolean"]
    if kind is TypeKind.INTEGER:
        for sep, name in ((",", "integer_comma"), (".", "integer_dot"), (" ", "integer_space")):
            if f"thousands_separator:{sep}" in hints:
                return BY_NAME[name]
        return BY_NAME["integer"]
    if kind is TypeKind.DECIMAL:
        return BY_NAME["decimal_comma" if comma else "decimal_dot"]
    if kind is TypeKind.FLOAT:
        return BY_NAME["float_comma" if comma else "float"]
    if kind is TypeKind.TIME:
        return BY_NAME["time"]
    if kind in (TypeKind.DATE, TypeKind.DATETIME):
        pattern = field.type.pattern
        if pattern is None:
            if kind is TypeKind.DATE:
                return BY_NAME["date_iso"]
            return BY_NAME["datetime_iso_tz" if field.type.timezone else "datetime_iso"]
        date_part = pattern.split(" %")[0] if kind is TypeKind.DATETIME else pattern
        for c in BY_NAME.values():
            if c.kind is kind and c.pattern and c.pattern.split(" %")[0] == date_part:
                return c
    return None


def fast_text(values: pa.Array, field: Field, target: pa.DataType) -> pa.Array | None:
    """The whole column in one cast when every value is plainly valid, else ``None``.

    Plain numbers (``-?digits(.digits)?``) and ISO dates need no token handling (a null
    token is never one of them) and no cleaning; a column holding anything else — or a
    value the cast refuses — takes the exact path of :func:`parse_text`.
    """
    form = text_form(field)
    if form is None:
        return None
    empty = pc.equal(pc.binary_length(values), 0)  # the empty field is always a null token
    if pc.any(empty).as_py():
        values = pc.if_else(empty, pa.scalar(None, values.type), values)
    numeric = (pa.types.is_integer, pa.types.is_decimal, pa.types.is_floating)
    if form.kind in _NUMERIC and any(test(target) for test in numeric):
        if form.decimal_separator == ",":
            return None
        if form.kind is TypeKind.INTEGER and pa.types.is_integer(target):
            return try_cast(values, target)  # Arrow's integer syntax is a subset of the form
        # Arrow's decimal parser also takes 1e3 and 1., which the form does not.
        plain = pc.match_substring_regex(values, _PLAIN_NUMBER)
        if not pc.all(pc.or_(plain, pc.is_null(values))).as_py():
            return None
        return try_cast(values, target)
    temporal = pa.types.is_date(target) or pa.types.is_timestamp(target)
    if form.pattern is None and form.kind in (TypeKind.DATE, TypeKind.DATETIME) and temporal:
        return try_cast(values, target)
    return None


def parse_text(values: pa.Array, field: Field, target: pa.DataType) -> tuple[pa.Array, Errors]:
    """Non-null text ``values`` as ``target`` values by ``field``'s form."""
    kind = TypeKind(field.type.kind)
    if pa.types.is_string(target) or pa.types.is_large_string(target):
        if kind is TypeKind.TIME:  # engines without TIME keep it as text (normalised)
            typed, errors = parse_text(values, field, pa.time64("us"))
            return pc.cast(typed, pa.string()), errors
        return values.cast(target), {}
    if kind is TypeKind.BOOLEAN or pa.types.is_boolean(target):
        return _boolean(values)
    form = text_form(field)
    if pa.types.is_integer(target) or pa.types.is_decimal(target) or pa.types.is_floating(target):
        return _number(values, field, form, target)
    if pa.types.is_date(target) or pa.types.is_timestamp(target) or pa.types.is_time(target):
        return parse_temporal(values, field, form, target)
    typed, bad = cast_isolating(values, target)
    return typed, ({invalid_reason(kind): bad} if bad is not None else {})


def _boolean(values: pa.Array) -> tuple[pa.Array, Errors]:
    lowered = pc.utf8_lower(trimmed(values))
    true = pc.is_in(lowered, value_set=pa.array(TRUE))
    false = pc.is_in(lowered, value_set=pa.array(FALSE))
    ok = pc.or_(true, false)
    typed = pc.if_else(ok, true, pa.scalar(None, pa.bool_()))
    if pc.all(ok).as_py():
        return typed, {}
    return typed, {"invalid_boolean": ~np.asarray(ok.to_numpy(zero_copy_only=False), dtype=bool)}


def _plain_test(form: Candidate | None):  # type: ignore[no-untyped-def]
    """A cheap test accepting a subset of ``form`` that needs no cleaning (or ``None``)."""
    if form is None or form.decimal_separator == ",":
        return None
    if form.kind is TypeKind.INTEGER:
        return plain_digits
    if form.kind in (TypeKind.DECIMAL, TypeKind.FLOAT):
        return lambda v: pc.or_(plain_decimal(v), plain_digits(v))
    return None


def _number_text(values: pa.Array, field: Field, form: Candidate | None) -> pa.Array:
    """Digits, sign and a dot: separators, currency and percent signs removed."""
    comma = form is not None and form.decimal_separator == ","
    text = values
    decorated = any(h == "percent" or h.startswith("currency:") for h in field.hints)
    if decorated or pc.any(pc.match_substring_regex(text, r"[$€£¥%]")).as_py():
        text = pc.replace_substring_regex(text, r"[$€£¥%]", "")
    text = pc.utf8_trim_whitespace(text)
    grouping = form.thousands_separator if form is not None else None
    if comma:
        text = pc.replace_substring_regex(text, "[. \\x{00A0}']", "")
        text = pc.replace_substring(text, ",", ".")
    elif grouping == " ":
        text = pc.replace_substring_regex(text, "[ \\x{00A0}']", "")
    elif grouping == ".":
        text = pc.replace_substring(text, ".", "")
    elif pc.any(pc.match_substring(text, ",")).as_py():  # 1,234.56 is a dot decimal too
        text = pc.replace_substring(text, ",", "")
    text = pc.replace_substring_regex(text, r"^\+", "")
    return pc.replace_substring_regex(text, r"^(-?)\.", r"\10.")


def _number(
    values: pa.Array, field: Field, form: Candidate | None, target: pa.DataType
) -> tuple[pa.Array, Errors]:
    kind = TypeKind(field.type.kind)
    reason = invalid_reason(kind if kind in INVALID else TypeKind.FLOAT)
    ok = None
    quick = _plain_test(form)
    plain = quick is not None and bool(pc.all(quick(values)).as_py())
    if not plain and form is not None and form.kind in _NUMERIC:
        mask = form.matches(values)
        if not pc.all(mask).as_py():
            ok = np.asarray(mask.to_numpy(zero_copy_only=False), dtype=bool)
    subset = values if ok is None else pc.filter(values, select(ok))
    text = subset if plain else _number_text(subset, field, form)
    if pa.types.is_decimal(target):
        typed, bad = cast_isolating(text, target)
        errors = _too_precise(text, bad, target) if bad is not None else {}
    elif pa.types.is_integer(target) and form is not None and form.kind is not TypeKind.INTEGER:
        # An integer column read with a decimal form (a contract said integer): 12.0 is 12.
        typed, bad = cast_isolating(
            text, target, lambda v: pc.cast(pc.cast(v, pa.float64()), target)
        )
        errors = {"out_of_range": bad} if bad is not None else {}
    else:
        typed, bad = cast_isolating(text, target)
        if bad is not None:
            wide = try_cast(pc.filter(text, select(bad)), pa.float64())
            errors = {("out_of_range" if wide is not None else reason): bad}
        else:
            errors = {}
    if ok is None:
        return typed, errors
    full = {code: expand(mask, ok) for code, mask in errors.items()}
    full[reason] = full.get(reason, np.zeros(len(values), bool)) | ~ok
    return scatter(typed, ok, target), full


def _too_precise(text: pa.Array, bad: np.ndarray, target: pa.DataType) -> Errors:
    """Split decimal failures into too many decimal places and too many digits."""
    failed = pc.filter(text, select(bad))
    fraction = pc.utf8_length(pc.replace_substring_regex(failed, r"^[^.]*\.?", ""))
    extra = np.asarray(pc.greater(fraction, target.scale).to_numpy(zero_copy_only=False))
    numeric = np.asarray(
        pc.match_substring_regex(failed, r"^-?\d+(\.\d+)?$").to_numpy(zero_copy_only=False)
    )
    codes: Errors = {}
    for code, picked in (
        ("too_many_decimals", extra & numeric),
        ("out_of_range", ~extra & numeric),
        ("invalid_decimal", ~numeric),
    ):
        if picked.any():
            codes[code] = expand(picked, bad)
    return codes
