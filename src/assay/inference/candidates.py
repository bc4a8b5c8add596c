"""The type candidates a text value can be, as vectorized shape tests and validators.

Each :class:`Candidate` is one way of writing one logical type (an integer with comma
thousands separators, a European date, an ISO datetime with an offset, ...).  A column
keeps the candidates its values conform to; the narrowest one that (nearly) every value
conforms to wins (see :mod:`assay.inference.decide`).

Shape tests are RE2 regular expressions run by Arrow over whole arrays.  Dates and
times are then validated from their extracted components with numpy (day within the
month, leap years, hour < 24 ...), because a shape alone accepts ``2021-02-30`` and
Arrow's strptime silently rolls it over to March 2nd.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from assay.inference.byteshapes import (
    FixedLayout,
    fixed_layout,
    plain_decimals,
    string_bytes,
    where_possible,
)
from assay.schema.kinds import TypeKind

_WS = r"\s*"
_SIGN = r"[+-]?"
_CURRENCY = r"(?:[$€£¥]\s?)?"
_SUFFIX = r"(?:\s?(?:%|[$€£¥]))?"


@dataclass(frozen=True)
class Candidate:
    """One textual form of a logical type."""

    name: str
    kind: TypeKind
    regex: str
    pattern: str | None = None  # strftime of the source form (dates/times), None for ISO
    components: str | None = None  # regex with named groups y, m, d, H, M, S to validate
    timezone: bool | None = None
    decimal_separator: str | None = None
    thousands_separator: str | None = None
    order: int = 0  # narrower first
    cast_to: pa.DataType | None = None  # Arrow type whose parser validates this form
    quick: str | None = None  # name of a cheap test that accepts a subset of this form
    # Fixed-width spellings of this form (a subset of it): a batch written in one of
    # them needs no regular expression, only the validation.
    layouts: tuple[FixedLayout, ...] = ()

    def matches(self, values: pa.Array, quick: pa.Array | None = None) -> pa.Array:
        """Boolean mask: which values have this candidate's shape and are valid.

        ``quick``: the result of this candidate's quick test on ``values``, if the
        caller has it already."""
        if self.quick is None:
            return self._matches(values)
        # Most values of a clean column pass a test of a few nanoseconds a value; only the
        # rest pays for the regular expression.
        if quick is None:
            quick = QUICK_TESTS[self.quick](values)
        if pc.all(quick).as_py():
            return quick
        return combine(quick, self._matches(pc.filter(values, pc.invert(quick))))

    def _matches(self, values: pa.Array) -> pa.Array:
        found = where_possible(
            values,
            self.regex,
            lambda part: np.asarray(
                self._matches_all(part).to_numpy(zero_copy_only=False), dtype=bool
            ),
        )
        return self._matches_all(values) if found is None else pa.array(found)

    def _matches_all(self, values: pa.Array) -> pa.Array:
        if self.layouts and fixed_layout(values, self.layouts):
            mask = pa.array(np.ones(len(values), dtype=bool))
        else:
            mask = pc.match_substring_regex(values, self.regex)
        if self.components is None:
            return pc.fill_null(mask, False)
        mask = pc.fill_null(mask, False)
        if not pc.any(mask).as_py():
            return mask
        if self.cast_to is not None:
            # ISO text: Arrow's own parser validates it (no Feb 30th) at C speed; only a
            # batch holding an invalid value pays for the component check.
            try:
                chosen = values if pc.all(mask).as_py() else pc.filter(values, mask)
                pc.cast(trim_whitespace(chosen), self.cast_to)
                return mask
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                pass
        return _validate_components(values, mask, self.components)


def char_lengths(values: pa.Array) -> pa.Array:
    """Lengths in characters: byte lengths (free) when the text is ASCII, else UTF-8 counts.

    ``utf8_length`` costs ~20 ns a value; one look at the data buffer usually spares it.
    """
    data = values.buffers()[2] if pa.types.is_string(values.type) else None
    if data is not None and data.size:
        raw = np.frombuffer(data, dtype=np.uint8)
        if int(raw.max()) < 0x80:
            return pc.binary_length(values)
    return pc.utf8_length(values)


_EDGE = np.zeros(256, dtype=bool)
_EDGE[:0x21] = True  # ASCII whitespace and controls
_EDGE[0x7F:] = True  # any byte of a non-ASCII character (some are whitespace)


def trim_whitespace(values: pa.Array) -> pa.Array:
    """``utf8_trim_whitespace``, skipped (values as they are) when no value can start or
    end with whitespace: one look at each value's first and last byte."""
    if not pa.types.is_string(values.type) or len(values) == 0:
        return pc.utf8_trim_whitespace(values)
    offsets, raw = string_bytes(values)
    if len(raw) == 0:
        return pc.utf8_trim_whitespace(values)
    starts, ends = offsets[:-1], offsets[1:]
    filled = ends > starts
    last = len(raw) - 1
    edge = _EDGE[raw[np.minimum(starts, last)]] | _EDGE[raw[np.clip(ends - 1, 0, last)]]
    if (edge & filled).any():
        return pc.utf8_trim_whitespace(values)
    return values


def combine(quick: pa.Array, rest: pa.Array) -> pa.Array:
    """``quick`` with its false positions replaced, in order, by the values of ``rest``."""
    full = np.asarray(quick.to_numpy(zero_copy_only=False), dtype=bool).copy()
    full[np.flatnonzero(~full)] = np.asarray(rest.to_numpy(zero_copy_only=False), dtype=bool)
    return pa.array(full)


def plain_digits(values: pa.Array) -> pa.Array:
    """Values made of ASCII digits only (``\\d+``: a subset of the integer form)."""
    return pc.fill_null(pc.ascii_is_decimal(values), False)


def plain_decimal(values: pa.Array) -> pa.Array:
    """Values like ``12.50`` or ``-0.5`` (``-?\\d+\\.\\d+``: a subset of the decimal form)."""
    plain = plain_decimals(values)
    if plain is not None:
        return pa.array(plain)
    body = values
    negative = pc.starts_with(values, "-")
    if pc.any(negative).as_py():
        body = pc.if_else(negative, pc.utf8_slice_codeunits(values, 1), values)
    stripped = pc.replace_substring(body, ".", "", max_replacements=1)
    # One dot taken out and only digits left: exactly one dot (a second would remain).
    one_dot = pc.equal(pc.binary_length(stripped), pc.subtract(pc.binary_length(body), 1))
    digits = pc.ascii_is_decimal(stripped)
    edge = pc.or_(pc.starts_with(body, "."), pc.ends_with(body, "."))
    return pc.fill_null(pc.and_(pc.and_(one_dot, digits), pc.invert(edge)), False)


QUICK_TESTS = {"plain_digits": plain_digits, "plain_decimal": plain_decimal}


def _anchored(body: str) -> str:
    return f"^{_WS}(?:{body}){_WS}$"


_INT = r"\d+"  # leading zeros accepted here, turned into text by the decision rules
_INT_COMMA = r"(?:[1-9]\d{0,2}(?:,\d{3})+)"
_INT_DOT = r"(?:[1-9]\d{0,2}(?:\.\d{3})+)"
_INT_SPACE = r"(?:[1-9]\d{0,2}(?:[  ']\d{3})+)"

_Y = r"(?P<y>\d{4})"
_M = r"(?P<m>\d{1,2})"
_D = r"(?P<d>\d{1,2})"
_M2 = r"(?P<m>\d{2})"
_D2 = r"(?P<d>\d{2})"
_TIME = r"(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:[.,]\d{1,9})?)?"
_OFFSET = r"(?:Z|[+-]\d{2}(?::?\d{2})?)"
_MONTHS = (
    r"(?P<b>jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec|january|february|march|april"
    r"|june|july|august|september|october|november|december)"
)


_ISO_TIME = "dddd-dd-dd[T ]dd:dd:dd"  # the fixed-width ISO spellings machines write


def _layouts(*templates: str) -> tuple[FixedLayout, ...]:
    return tuple(FixedLayout.of(t) for t in templates)


def _build() -> tuple[Candidate, ...]:
    c: list[Candidate] = []
    add = c.append
    add(
        Candidate(
            "boolean",
            TypeKind.BOOLEAN,
            r"(?i)" + _anchored(r"(?:true|false|yes|no|y|n|t|f|on|off)"),
            order=0,
        )
    )
    add(
        Candidate(
            "integer", TypeKind.INTEGER, _anchored(_SIGN + _INT), order=10, quick="plain_digits"
        )
    )
    add(
        Candidate(
            "integer_comma",
            TypeKind.INTEGER,
            _anchored(_SIGN + rf"(?:{_INT_COMMA}|{_INT})"),
            thousands_separator=",",
            order=11,
        )
    )
    add(
        Candidate(
            "integer_dot",
            TypeKind.INTEGER,
            _anchored(_SIGN + rf"(?:{_INT_DOT}|{_INT})"),
            thousands_separator=".",
            order=12,
        )
    )
    add(
        Candidate(
            "integer_space",
            TypeKind.INTEGER,
            _anchored(_SIGN + rf"(?:{_INT_SPACE}|{_INT})"),
            thousands_separator=" ",
            order=13,
        )
    )
    dot_int = rf"(?:{_INT}|{_INT_COMMA})"
    comma_int = rf"(?:{_INT}|{_INT_DOT}|{_INT_SPACE})"
    add(
        Candidate(
            "decimal_dot",
            TypeKind.DECIMAL,
            _anchored(_SIGN + _CURRENCY + rf"(?:{dot_int}(?:\.\d+)?|\.\d+)" + _SUFFIX),
            decimal_separator=".",
            order=20,
            quick="plain_decimal",
        )
    )
    add(
        Candidate(
            "decimal_comma",
            TypeKind.DECIMAL,
            _anchored(_SIGN + _CURRENCY + rf"(?:{comma_int}(?:,\d+)?|,\d+)" + _SUFFIX),
            decimal_separator=",",
            order=21,
        )
    )
    add(
        Candidate(
            "float",
            TypeKind.FLOAT,
            r"(?i)" + _anchored(_SIGN + r"(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?|[+-]?inf(?:inity)?"),
            order=30,
        )
    )
    add(
        Candidate(
            "float_comma",
            TypeKind.FLOAT,
            r"(?i)" + _anchored(_SIGN + r"(?:\d+,?\d*|,\d+)(?:e[+-]?\d+)?"),
            decimal_separator=",",
            order=31,
        )
    )
    # Dates. Components are validated (day within month); order decides ties.
    add(
        Candidate(
            "date_iso",
            TypeKind.DATE,
            _anchored(rf"{_Y}-{_M2}-{_D2}"),
            components=rf"^\s*{_Y}-{_M2}-{_D2}",
            cast_to=pa.date32(),
            order=40,
            layouts=_layouts("dddd-dd-dd"),
        )
    )
    add(
        Candidate(
            "date_ymd_slash",
            TypeKind.DATE,
            _anchored(rf"{_Y}/{_M}/{_D}"),
            pattern="%Y/%m/%d",
            components=rf"^\s*{_Y}/{_M}/{_D}",
            order=41,
        )
    )
    add(
        Candidate(
            "date_dmy_dot",
            TypeKind.DATE,
            _anchored(rf"{_D}\.{_M}\.{_Y}"),
            pattern="%d.%m.%Y",
            components=rf"^\s*{_D}\.{_M}\.{_Y}",
            order=42,
        )
    )
    add(
        Candidate(
            "date_dmy_slash",
            TypeKind.DATE,
            _anchored(rf"{_D}/{_M}/{_Y}"),
            pattern="%d/%m/%Y",
            components=rf"^\s*{_D}/{_M}/{_Y}",
            order=43,
        )
    )
    add(
        Candidate(
            "date_mdy_slash",
            TypeKind.DATE,
            _anchored(rf"{_M}/{_D}/{_Y}"),
            pattern="%m/%d/%Y",
            components=rf"^\s*{_M}/{_D}/{_Y}",
            order=44,
        )
    )
    add(
        Candidate(
            "date_dmy_dash",
            TypeKind.DATE,
            _anchored(rf"{_D}-{_M}-{_Y}"),
            pattern="%d-%m-%Y",
            components=rf"^\s*{_D}-{_M}-{_Y}",
            order=45,
        )
    )
    add(
        Candidate(
            "date_d_mon_y",
            TypeKind.DATE,
            r"(?i)" + _anchored(rf"{_D} {_MONTHS}\.? {_Y}"),
            pattern="%d %b %Y",
            components=rf"(?i)^\s*{_D} {_MONTHS}\.? {_Y}",
            order=46,
        )
    )
    add(
        Candidate(
            "date_d_mon_y_dash",
            TypeKind.DATE,
            r"(?i)" + _anchored(rf"{_D}-{_MONTHS}\.?-{_Y}"),
            pattern="%d-%b-%Y",
            components=rf"(?i)^\s*{_D}-{_MONTHS}\.?-{_Y}",
            order=46,
        )
    )
    add(
        Candidate(
            "date_mon_d_y",
            TypeKind.DATE,
            r"(?i)" + _anchored(rf"{_MONTHS}\.? {_D},? {_Y}"),
            pattern="%B %d, %Y",
            components=rf"(?i)^\s*{_MONTHS}\.? {_D},? {_Y}",
            order=47,
        )
    )
    add(
        Candidate(
            "date_compact",
            TypeKind.DATE,
            _anchored(r"(?:19|20)\d{6}"),
            pattern="%Y%m%d",
            components=r"^\s*(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})",
            order=48,
        )
    )
    # Datetimes.
    add(
        Candidate(
            "datetime_iso_tz",
            TypeKind.DATETIME,
            _anchored(rf"{_Y}-{_M2}-{_D2}[T ]{_TIME}{_WS}{_OFFSET}"),
            components=rf"^\s*{_Y}-{_M2}-{_D2}[T ]{_TIME}",
            timezone=True,
            cast_to=pa.timestamp("ns", tz="UTC"),
            order=50,
            layouts=_layouts(
                *(
                    _ISO_TIME + fraction + offset
                    for fraction in ("", ".ddd", ".dddddd")
                    for offset in ("[+-]dd:dd", "Z")
                )
            ),
        )
    )
    add(
        Candidate(
            "datetime_iso",
            TypeKind.DATETIME,
            _anchored(rf"{_Y}-{_M2}-{_D2}[T ]{_TIME}"),
            components=rf"^\s*{_Y}-{_M2}-{_D2}[T ]{_TIME}",
            timezone=False,
            cast_to=pa.timestamp("ns"),
            order=51,
            layouts=_layouts(*(_ISO_TIME + fraction for fraction in ("", ".ddd", ".dddddd"))),
        )
    )
    add(
        Candidate(
            "datetime_dmy_dot",
            TypeKind.DATETIME,
            _anchored(rf"{_D}\.{_M}\.{_Y},? {_TIME}"),
            pattern="%d.%m.%Y %H:%M",
            components=rf"^\s*{_D}\.{_M}\.{_Y},? {_TIME}",
            timezone=False,
            order=52,
        )
    )
    add(
        Candidate(
            "datetime_dmy_slash",
            TypeKind.DATETIME,
            _anchored(rf"{_D}/{_M}/{_Y},? {_TIME}"),
            pattern="%d/%m/%Y %H:%M",
            components=rf"^\s*{_D}/{_M}/{_Y},? {_TIME}",
            timezone=False,
            order=53,
        )
    )
    add(
        Candidate(
            "datetime_mdy_slash",
            TypeKind.DATETIME,
            r"(?i)" + _anchored(rf"{_M}/{_D}/{_Y},? {_TIME}(?:\s?[ap]m)?"),
            pattern="%m/%d/%Y %H:%M",
            components=rf"(?i)^\s*{_M}/{_D}/{_Y},? {_TIME}",
            timezone=False,
            order=54,
        )
    )
    add(
        Candidate(
            "time",
            TypeKind.TIME,
            r"(?i)" + _anchored(rf"{_TIME}(?:\s?[ap]m)?"),
            components=rf"(?i)^\s*{_TIME}",
            order=60,
        )
    )
    return tuple(sorted(c, key=lambda x: x.order))


CANDIDATES: tuple[Candidate, ...] = _build()
BY_NAME = {c.name: c for c in CANDIDATES}

_MONTH_NUMBERS = {
    name: i
    for i, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for name in names
}
_DAYS = np.array([0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])


def _validate_components(values: pa.Array, mask: pa.Array, regex: str) -> pa.Array:
    """Keep ``mask`` true only where the extracted y/m/d/H/M/S form a real date/time."""
    subset = pc.filter(values, mask)
    parts = pc.extract_regex(subset, regex)
    names = [parts.type.field(i).name for i in range(parts.type.num_fields)]
    ok = np.ones(len(subset), dtype=bool)

    def ints(name: str) -> np.ndarray:
        column = pc.struct_field(parts, name)
        column = pc.if_else(pc.equal(column, ""), "0", column)
        return np.asarray(pc.cast(column, pa.int64()).fill_null(0), dtype=np.int64)

    if "b" in names:
        month_names = pc.utf8_lower(pc.struct_field(parts, "b")).to_pylist()
        month = np.array([_MONTH_NUMBERS.get(m or "", 0) for m in month_names], dtype=np.int64)
    elif "m" in names:
        month = ints("m")
    else:
        month = None
    if month is not None:
        year = ints("y")
        day = ints("d")
        leap = ((year % 4 == 0) & (year % 100 != 0)) | (year % 400 == 0)
        month_ok = (month >= 1) & (month <= 12)
        limit = _DAYS[np.clip(month, 0, 12)] - ((month == 2) & ~leap)
        ok &= month_ok & (day >= 1) & (day <= limit) & (year >= 1000)
    if "H" in names:
        hour = ints("H")
        minute = ints("M")
        second = ints("S")
        ok &= (hour <= 24) & (minute <= 59) & (second <= 60)
    result = np.asarray(mask.to_numpy(zero_copy_only=False)).copy()
    result[np.flatnonzero(result)] = ok
    return pa.array(result)
