"""Vectorised building blocks shared by the format checks.

Every check returns a NumPy boolean mask, one entry per value.  The pattern is always
the same: a cheap Arrow kernel (RE2 regex, length, hash lookup) over all values, then
exact validation only on the survivors, so the expensive part scales with the values
that already look right rather than with the column.  Values are never visited one by
one in Python; where Python is unavoidable (decoding a JWT header, parsing JSON) it runs
once per *distinct* survivor.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from assay.inference import codes
from assay.inference.byteshapes import where_possible

Mask = np.ndarray  # one bool per value
Check = Callable[[pa.Array], Mask]


def to_mask(array: pa.Array | pa.ChunkedArray) -> Mask:
    """An Arrow boolean result as a NumPy mask; nulls (from nulls in the input) are False."""
    if array.null_count:
        array = pc.fill_null(array, False)
    return np.asarray(array.to_numpy(zero_copy_only=False), dtype=bool)


def matches(values: pa.Array, pattern: str) -> Mask:
    """Values that match an RE2 ``pattern`` (anchor it with ``^...$`` for a full match).

    Values whose bytes the pattern can never consume are ruled out first, without RE2
    (see :func:`assay.inference.byteshapes.could_match`)."""

    def regex(part: pa.Array) -> Mask:
        return to_mask(pc.match_substring_regex(part, pattern))

    found = where_possible(values, pattern, regex)
    return regex(values) if found is None else found


def lengths(values: pa.Array) -> np.ndarray:
    """Length of each value in characters."""
    return np.asarray(pc.utf8_length(values).to_numpy(zero_copy_only=False), dtype=np.int64)


def in_list(values: pa.Array, name: str) -> Mask:
    """Values that are entries of the shipped code list ``name`` (exact, case-sensitive)."""
    return to_mask(pc.is_in(values, value_set=codes.code_array(name)))


def refine(values: pa.Array, mask: Mask, check: Check) -> Mask:
    """Narrow ``mask`` by running ``check`` only on the values it lets through.

    This is what keeps exact validation cheap: a column of emails never reaches the
    IBAN checksum, because the IBAN shape regex already rejected it.
    """
    if not mask.any():
        return mask
    if mask.all():
        return mask & check(values)
    index = np.flatnonzero(mask)
    out = np.zeros(len(values), dtype=bool)
    out[index] = check(values.take(pa.array(index)))
    return out


def per_distinct(values: pa.Array, check: Callable[[str], bool]) -> Mask:
    """Run a Python predicate once per distinct value and spread the answers back.

    Used for what no Arrow kernel can do (JSON parsing, base64-decoding a JWT header).
    The number of Python calls is the number of distinct values, which for real data is
    often far below the number of values (JWT headers repeat almost exactly).
    """
    encoded = pc.dictionary_encode(values)
    answers = np.fromiter(
        (check(text) for text in encoded.dictionary.to_pylist()),
        dtype=bool,
        count=len(encoded.dictionary),
    )
    return answers[encoded.indices.to_numpy(zero_copy_only=False)]


def concat(left: pa.Array, right: pa.Array) -> pa.Array:
    """Element-wise ``left + right`` (the separator must match the string type)."""
    return pc.binary_join_element_wise(left, right, pa.scalar("", left.type))


def char_matrix(values: pa.Array, fill: str = "0") -> np.ndarray:
    """ASCII values as an ``(n, width)`` uint8 matrix, right-aligned and left-padded.

    Right alignment is what checksums want: Luhn counts positions from the right, and a
    mod-97 remainder is unchanged by leading zeros.  Callers pass ASCII-only values (the
    shape regex guarantees it), so one byte is one character.
    """
    n = len(values)
    if n == 0:
        return np.zeros((0, 0), dtype=np.uint8)
    width = int(pc.max(pc.utf8_length(values)).as_py())
    padded = pc.utf8_lpad(values, width=width, padding=fill)
    if isinstance(padded, pa.ChunkedArray):
        padded = padded.combine_chunks()
    offset_type = np.int64 if pa.types.is_large_string(padded.type) else np.int32
    _, offsets_buf, data_buf = padded.buffers()
    offsets = np.frombuffer(offsets_buf, dtype=offset_type)[padded.offset : padded.offset + n + 1]
    data = np.frombuffer(data_buf, dtype=np.uint8)
    start = int(offsets[0])
    return data[start : start + n * width].reshape(n, width)


_DIGIT_VALUE = np.zeros(256, dtype=np.uint8)
_DIGIT_VALUE[48:58] = np.arange(10)  # '0'-'9'
_DIGIT_VALUE[65:91] = np.arange(10, 36)  # 'A'-'Z', as IBAN and base-36 read them


def digit_value(matrix: np.ndarray) -> np.ndarray:
    """Numeric value of ASCII digits and capitals (``'0'`` -> 0, ``'A'`` -> 10, ...),
    by table lookup: one uint8 gather instead of wide-integer arithmetic per cell."""
    return _DIGIT_VALUE[matrix]
