"""ISO 8601 / RFC 3339 ``date-time``, ``date`` and ``time``.

Only the ISO shapes are recognised here (other date spellings are the type inferrer's
business); these checks exist so the JSON-Schema ``format`` annotation can be given.
Field ranges (month 01-12, hour 00-23, second 00-60 for leap seconds, offsets) are
encoded in the regexes themselves; the one thing a regex cannot know, how many days a
given month of a given year has, is checked numerically on the survivors.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from assay.inference.formats._vector import Mask, char_matrix, matches, refine

_DATE = r"\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])"
_TIME = r"(?:[01]\d|2[0-3]):[0-5]\d(?::(?:[0-5]\d|60)(?:\.\d{1,9})?)?"
_OFFSET = r"(?:[Zz]|[+-](?:[01]\d|2[0-3]):?[0-5]\d)"

# RFC 3339 allows a space for the 'T' (its section 5.6 note) and most databases print one.
DATE_TIME_RE = rf"^{_DATE}[Tt ]{_TIME}{_OFFSET}?$"
DATE_RE = rf"^{_DATE}$"
TIME_RE = rf"^{_TIME}{_OFFSET}?$"

_DAYS = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=np.int32)


def _day_exists(values: pa.Array) -> Mask:
    """Whether the leading ``YYYY-MM-DD`` names a real day (no 2023-02-29, no 04-31)."""
    matrix = char_matrix(pc.utf8_slice_codeunits(values, 0, 10))
    digits = np.ascontiguousarray(matrix.T).astype(np.int32) - 48  # one row per position
    year = digits[0] * 1000 + digits[1] * 100 + digits[2] * 10 + digits[3]
    month = digits[5] * 10 + digits[6]
    day = digits[8] * 10 + digits[9]
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    return day <= _DAYS[month] + (leap & (month == 2))


def check_date_time(values: pa.Array) -> Mask:
    """``YYYY-MM-DD[T ]hh:mm[:ss[.f]][Z|±hh[:]mm]``; seconds and offset are optional
    because ISO 8601 local times and minute precision are common in exports."""
    return refine(values, matches(values, DATE_TIME_RE), _day_exists)


def check_date(values: pa.Array) -> Mask:
    """``YYYY-MM-DD`` that names a real calendar day.  The basic form ``YYYYMMDD`` is
    left out: it cannot be told from an eight-digit integer."""
    return refine(values, matches(values, DATE_RE), _day_exists)


def check_time(values: pa.Array) -> Mask:
    """``hh:mm[:ss[.f]]`` with an optional offset; two-digit hours, so '9:30' is not one."""
    return matches(values, TIME_RE)
