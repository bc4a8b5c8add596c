"""Dates, datetimes and times from text: validated components, never a rolled-over date.

ISO text is cast by Arrow (which validates it); when a value fails, and for regional
forms, the candidate's own test decides validity (shape, day within month, hour < 24)
and the value is built from its extracted components with numpy: year, month (or its
name), day, hour, minute, second, fraction, AM/PM and UTC offset.  A pattern no
candidate knows (a hand-written contract) is parsed with ``strptime`` and checked by
formatting it back, which catches a rolled-over date.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from assay.inference.candidates import Candidate
from assay.schema import Field, TypeKind
from assay.targets.casting import (
    INVALID,
    Errors,
    cast_isolating,
    expand,
    invalid_reason,
    isolate_failures,
    scatter,
    select,
    trimmed,
    try_cast,
)

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
_MONTH_NAMES = pa.array(list(_MONTHS))
_MONTH_NUMBERS = np.array(list(_MONTHS.values()), dtype=np.int64)
_FRACTION = r":\d{2}[.,](?P<f>\d{1,9})"
_OFFSET = r"(?i)(?:(?P<z>z)|(?P<s>[+-])(?P<oh>\d{2}):?(?P<om>\d{2})?)\s*$"
_MERIDIEM = r"(?i)(?P<p>[ap])\.?\s?m\.?\s*$"
_US = 1_000_000
_FEW = 32  # refused values isolated by halving; past these, one exact pass


def parse_temporal(
    values: pa.Array, field: Field, form: Candidate | None, target: pa.DataType
) -> tuple[pa.Array, Errors]:
    kind = TypeKind(field.type.kind)
    reason = invalid_reason(kind if kind in INVALID else TypeKind.DATETIME)
    if form is not None and form.pattern is None and form.kind is not TypeKind.TIME:
        # ISO text: Arrow's parser validates it (no Feb 30th); only a batch holding a
        # value it refuses pays for the exact path below.
        fast = try_cast(values, target)
        if fast is None:
            fast = try_cast(trimmed(values), target)
        if fast is not None:
            return fast, {}
        # A few refused values (a Feb 30th, a stray word): only they take the exact
        # path; the values Arrow accepts keep its result, as in a clean batch.
        few = isolate_failures(values, target, limit=_FEW)
        if few is not None and few[1] is not None:
            cast, refused = few
            rows = np.flatnonzero(refused)
            exact, found = _exact(values.take(pa.array(rows)), field, form, target, kind, reason)
            index = np.arange(len(values))
            index[rows] = len(values) + np.arange(len(rows))
            typed = pa.concat_arrays([cast, exact.cast(target)]).take(pa.array(index))
            return typed, {code: expand(mask, refused) for code, mask in found.items()}
    return _exact(values, field, form, target, kind, reason)


def _exact(
    values: pa.Array,
    field: Field,
    form: Candidate | None,
    target: pa.DataType,
    kind: TypeKind,
    reason: str,
) -> tuple[pa.Array, Errors]:
    """The form's rules value by value (vectorized): what a value Arrow refuses gets."""
    if form is None and field.type.pattern:
        return _strptime(values, field.type.pattern, target, reason)
    if form is None or form.components is None:
        typed, bad = cast_isolating(values, target)
        return typed, ({reason: bad} if bad is not None else {})
    mask = form.matches(values)
    ok = np.asarray(mask.to_numpy(zero_copy_only=False), dtype=bool)
    subset = values if ok.all() else pc.filter(values, select(ok))
    micros, valid = _components(subset, form, target)
    errors: Errors = {}
    if not valid.all():
        ok = expand(valid, ok) if not ok.all() else valid
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
    text = trimmed(values)
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
