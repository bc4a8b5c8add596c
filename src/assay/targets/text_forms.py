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

Errors = dict[str, np.ndarray]

TRUE = ("true", "yes", "y", "t", "on")
FALSE = ("false", "no", "n", "f", "off")
_INVALID = {
    TypeKind.INTEGER: "invalid_integer",
    TypeKind.DECIMAL: "invalid_decimal",
    TypeKind.FLOAT: "invalid_number",
    TypeKind.DATE: "invalid_date",
    TypeKind.DATETIME: "invalid_datetime",
    TypeKind.TIME: "invalid_time",
    TypeKind.BOOLEAN: "invalid_boolean",
}
_MONTHS = {
    "jan": 1,
    "january": 1,
    "feb": 2,
    "february": 2,
    "mar": 3,
    "march": 3,
    "apr": 4,
    "april": 4,
    "may": 5,
    "jun": 6,
    "june": 6,
    "jul": 7,
    "july": 7,
    "aug": 8,
    "august": 8,
    "sep": 9,
    "sept": 9,
    "september": 9,
    "oct": 10,
    "october": 10,
    "nov": 11,
    "november": 11,
    "dec": 12,
    "december": 12,
}
_NUMERIC = (TypeKind.INTEGER, TypeKind.DECIMAL, TypeKind.FLOAT)
_PLAIN_NUMBER = r"^[+-]?(?:[0-9]+(?:\.[0-9]+)?|\.[0-9]+)$"
_MONTH_NAMES = pa.array(list(_MONTHS))
_MONTH_NUMBERS = np.array(list(_MONTHS.values()), dtype=np.int64)
_FRACTION = r":\d{2}[.,](?P<f>\d{1,9})"
_OFFSET = r"(?i)(?:(?P<z>z)|(?P<s>[+-])(?P<oh>\d{2}):?(?P<om>\d{2})?)\s*$"
_MERIDIEM = r"(?i)(?P<p>[ap])\.?\s?m\.?\s*$"
_US = 1_000_000


def invalid_reason(kind: TypeKind) -> str:
    return _INVALID.get(kind, "invalid_value")


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


def _trimmed(values: pa.Array) -> pa.Array:
    return pc.utf8_trim_whitespace(values)


def _cast(values: pa.Array, target: pa.DataType) -> pa.Array | None:
    try:
        return pc.cast(values, target)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None


def cast_isolating(
    values: pa.Array, target: pa.DataType, cast=None
) -> tuple[pa.Array, np.ndarray | None]:
    """Cast, finding the values that fail by halving (a handful of casts per bad value).

    Returns the cast values (null where one failed) and the mask of failures (``None``
    when all converted): Arrow has no per-value "try cast", so this is one.
    """
    run = cast or (lambda v: pc.cast(v, target))
    try:
        return run(values), None
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        pass
    bad = np.zeros(len(values), dtype=bool)
    pieces: list[pa.Array] = []
    stack = [(0, len(values))]
    while stack:
        start, stop = stack.pop()
        piece = values.slice(start, stop - start)
        try:
            pieces.append(run(piece))
            continue
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            pass
        if stop - start == 1:
            bad[start] = True
            pieces.append(pa.nulls(1, target))
            continue
        middle = (start + stop) // 2
        stack.append((middle, stop))  # popped after the first half: pieces stay in order
        stack.append((start, middle))
    return pa.concat_arrays([p.cast(target) for p in pieces]), bad


def _select(mask: np.ndarray) -> pa.Array:
    return pa.array(mask, type=pa.bool_())


def scatter(subset: pa.Array, keep: np.ndarray, target: pa.DataType) -> pa.Array:
    """Values of ``subset`` at the positions where ``keep`` is true, null elsewhere."""
    if keep.all():
        return subset
    index = np.cumsum(keep) - 1
    index[~keep] = len(subset)
    extended = pa.concat_arrays([subset.cast(target), pa.nulls(1, target)])
    return pc.take(extended, pa.array(index, type=pa.int64()))


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
            return _cast(values, target)  # Arrow's integer syntax is a subset of the form
        # Arrow's decimal parser also takes 1e3 and 1., which the form does not.
        plain = pc.match_substring_regex(values, _PLAIN_NUMBER)
        if not pc.all(pc.or_(plain, pc.is_null(values))).as_py():
            return None
        return _cast(values, target)
    temporal = pa.types.is_date(target) or pa.types.is_timestamp(target)
    if form.pattern is None and form.kind in (TypeKind.DATE, TypeKind.DATETIME) and temporal:
        return _cast(values, target)
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
        return _temporal(values, field, form, target)
    typed, bad = cast_isolating(values, target)
    return typed, ({invalid_reason(kind): bad} if bad is not None else {})


def _boolean(values: pa.Array) -> tuple[pa.Array, Errors]:
    lowered = pc.utf8_lower(_trimmed(values))
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
    reason = invalid_reason(kind if kind in _INVALID else TypeKind.FLOAT)
    ok = None
    quick = _plain_test(form)
    plain = quick is not None and bool(pc.all(quick(values)).as_py())
    if not plain and form is not None and form.kind in _NUMERIC:
        mask = form.matches(values)
        if not pc.all(mask).as_py():
            ok = np.asarray(mask.to_numpy(zero_copy_only=False), dtype=bool)
    subset = values if ok is None else pc.filter(values, _select(ok))
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
            wide = _cast(pc.filter(text, _select(bad)), pa.float64())
            errors = {("out_of_range" if wide is not None else reason): bad}
        else:
            errors = {}
    if ok is None:
        return typed, errors
    full = {code: _expand(mask, ok) for code, mask in errors.items()}
    full[reason] = full.get(reason, np.zeros(len(values), bool)) | ~ok
    return scatter(typed, ok, target), full


def _expand(mask: np.ndarray, keep: np.ndarray) -> np.ndarray:
    out = np.zeros(len(keep), dtype=bool)
    out[np.flatnonzero(keep)] = mask
    return out


def _too_precise(text: pa.Array, bad: np.ndarray, target: pa.DataType) -> Errors:
    """Split decimal failures into too many decimal places and too many digits."""
    failed = pc.filter(text, _select(bad))
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
            codes[code] = _expand(picked, bad)
    return codes


# ----------------------------------------------------------------------------- temporal
def _temporal(
    values: pa.Array, field: Field, form: Candidate | None, target: pa.DataType
) -> tuple[pa.Array, Errors]:
    kind = TypeKind(field.type.kind)
    reason = invalid_reason(kind if kind in _INVALID else TypeKind.DATETIME)
    if form is not None and form.pattern is None and form.kind is not TypeKind.TIME:
        # ISO text: Arrow's parser validates it (no Feb 30th); only a batch holding a
        # value it refuses pays for the exact path below.
        fast = _cast(values, target)
        if fast is None:
            fast = _cast(_trimmed(values), target)
        if fast is not None:
            return fast, {}
    if form is None and field.type.pattern:
        return _strptime(values, field.type.pattern, target, reason)
    if form is None or form.components is None:
        typed, bad = cast_isolating(values, target)
        return typed, ({reason: bad} if bad is not None else {})
    mask = form.matches(values)
    ok = np.asarray(mask.to_numpy(zero_copy_only=False), dtype=bool)
    subset = values if ok.all() else pc.filter(values, _select(ok))
    micros, valid = _components(subset, form, target)
    errors: Errors = {}
    if not valid.all():
        ok = _expand(valid, ok) if not ok.all() else valid
        micros = micros[valid]
    typed = _as_arrow(micros, target)
    if not ok.all():
        errors[reason] = ~ok
        typed = scatter(typed, ok, target)
    return typed, errors


def _strptime(
    values: pa.Array, pattern: str, target: pa.DataType, reason: str
) -> tuple[pa.Array, Errors]:
    """A pattern no candidate knows (a hand-written contract): ``strptime``, then a round
    trip through ``strftime`` so that a rolled-over date (Feb 30th) is refused."""
    text = _trimmed(values)
    parsed = pc.strptime(text, format=pattern, unit="us", error_is_null=True)
    again = pc.strftime(parsed, format=pattern)
    ok = pc.fill_null(pc.equal(again, text), False)
    typed = pc.if_else(ok, parsed, pa.scalar(None, parsed.type))
    if pa.types.is_date(target):
        typed = pc.cast(typed, pa.date32())
    elif pa.types.is_timestamp(target) and target.tz is not None:
        typed = pc.assume_timezone(typed, "UTC")
    typed = typed.cast(target)
    if pc.all(ok).as_py():
        return typed, {}
    return typed, {reason: ~np.asarray(ok.to_numpy(zero_copy_only=False), dtype=bool)}


def _ints(parts: pa.StructArray, name: str, default: int = 0) -> np.ndarray:
    column = pc.struct_field(parts, name)
    column = pc.if_else(pc.equal(column, ""), str(default), column)
    return np.asarray(pc.cast(column, pa.int64()).fill_null(default), dtype=np.int64)


def _components(
    values: pa.Array, form: Candidate, target: pa.DataType
) -> tuple[np.ndarray, np.ndarray]:
    """Microseconds since the epoch (since midnight for times) and a validity mask."""
    assert form.components is not None
    parts = pc.extract_regex(values, form.components)
    names = {parts.type.field(i).name for i in range(parts.type.num_fields)}
    n = len(values)
    valid = np.ones(n, dtype=bool)
    days = np.zeros(n, dtype=np.int64)
    if "y" in names:
        year = _ints(parts, "y", 1970)
        if "b" in names:
            found = pc.index_in(pc.utf8_lower(pc.struct_field(parts, "b")), _MONTH_NAMES)
            month = _MONTH_NUMBERS[np.asarray(found.fill_null(0), dtype=np.int64)]
        else:
            month = _ints(parts, "m", 1)
        day = _ints(parts, "d", 1)
        valid &= (month >= 1) & (month <= 12) & (day >= 1) & (day <= 31)
        month = np.clip(month, 1, 12)
        first = (year - 1970).astype("datetime64[Y]").astype("datetime64[M]") + (month - 1)
        days = (first.astype("datetime64[D]") + (day - 1)).astype(np.int64)
    micros = days * 86_400 * _US
    if "H" in names:
        hour, minute, second = _ints(parts, "H"), _ints(parts, "M"), _ints(parts, "S")
        meridiem = pc.extract_regex(values, _MERIDIEM)
        if pc.any(pc.is_valid(meridiem)).as_py():
            p = pc.utf8_lower(pc.struct_field(meridiem, "p")).fill_null("")
            pm = np.asarray(pc.equal(p, "p").to_numpy(zero_copy_only=False), dtype=bool)
            am = np.asarray(pc.equal(p, "a").to_numpy(zero_copy_only=False), dtype=bool)
            valid &= ~((am | pm) & ((hour < 1) | (hour > 12)))
            hour = np.where(am & (hour == 12), 0, hour)
            hour = np.where(pm & (hour < 12), hour + 12, hour)
        fraction = pc.extract_regex(values, _FRACTION)
        frac = np.zeros(n, dtype=np.int64)
        if pc.any(pc.is_valid(fraction)).as_py():
            digits = pc.utf8_slice_codeunits(pc.struct_field(fraction, "f").fill_null(""), 0, 6)
            digits = pc.utf8_rpad(digits, 6, "0")
            frac = np.asarray(pc.cast(digits, pa.int64()), dtype=np.int64)
        micros = micros + ((hour * 60 + minute) * 60 + second) * _US + frac
        if pa.types.is_time(target):
            valid &= micros < 86_400 * _US
    if pa.types.is_timestamp(target) and target.tz is not None:
        offset = pc.extract_regex(values, _OFFSET)
        has = np.asarray(pc.is_valid(offset).to_numpy(zero_copy_only=False), dtype=bool)
        valid &= has
        if has.any():
            sign = np.where(
                np.asarray(pc.equal(pc.struct_field(offset, "s"), "-").fill_null(False)), -1, 1
            )
            shift = (_ints(offset, "oh") * 60 + _ints(offset, "om")) * 60 * _US * sign
            micros = micros - np.where(has, shift, 0)
    return micros, valid


def _as_arrow(micros: np.ndarray, target: pa.DataType) -> pa.Array:
    if pa.types.is_date(target):
        return pa.array(micros // (86_400 * _US), type=pa.int32()).cast(pa.date32())
    if pa.types.is_time(target):
        return pa.array(micros, type=pa.int64()).cast(pa.time64("us")).cast(target)
    return pa.array(micros, type=pa.int64()).cast(pa.timestamp("us", tz=target.tz)).cast(target)
