"""Byte-level looks at Arrow string arrays, with numpy over the offsets and data buffers.

Two jobs, both about sparing Arrow kernel passes where one look at the bytes decides:

* :func:`could_match` -- which values a fully anchored regular expression could match
  at all, from the bytes its syntax can consume, the bytes every match holds (the '@'
  of an e-mail address) and the lengths it allows.  Arrow
  compiles an RE2 pattern on every call (~0.1 ms for the date patterns), and the head of
  a file tries some 25 type candidates and 26 formats on every column, most of which
  cannot match a single value: no number, date or code contains '@' or a letter outside
  its spelling.  The alphabet comes from the pattern's syntax tree (Python's parser,
  with RE2's meaning of ``\\d``, ``\\s`` and ``\\w``), so the filter never drops a value
  the pattern accepts; a pattern it cannot read gets no filter.
* :func:`plain_decimals` -- ``-?\\d+\\.\\d+`` per value in one pass over the bytes, where
  Arrow needs ten kernels (strip the sign, drop one dot, compare lengths, test digits).
* :func:`fixed_layout` -- whether every value of a batch has one fixed-width layout (an
  ISO timestamp as machines write it), in a few passes over the bytes as a matrix.

:func:`string_bytes` and :func:`fixed_width_matrix` are the ways in to an array's
buffers that these (and other numpy looks in inference) share.  Only ``string`` arrays
(32-bit offsets) are read this way; other arrays get ``None``
and the caller's Arrow path.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from re import _constants as sre  # type: ignore[attr-defined]
from re import _parser as sre_parse  # type: ignore[attr-defined]

import numpy as np
import pyarrow as pa

# Arrays up to this many values are filtered before a regular expression; on larger
# ones (later batches, where the surviving candidates match nearly every value) the
# pass over the bytes would cost more than it spares.
FILTER_MAX_VALUES = 4096
REMEMBER_MAX_VALUES = 8192  # an index of the bytes of each value costs 32 bytes a value

_ASCII_LETTERS = [c for c in range(128) if chr(c).isalpha()]
_DIGITS = range(0x30, 0x3A)
_SPACES = (0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x20)  # RE2's \s and \v
_WORD = [*range(0x30, 0x3A), *range(0x41, 0x5B), *range(0x61, 0x7B), 0x5F]


class _UnreadableError(Exception):
    """A construct this reader does not bound (lookarounds, back-references, ``\\b``)."""


def _add_char(allowed: np.ndarray, code: int, fold: bool) -> None:
    if code < 0x80:
        allowed[code] = True
        if fold and chr(code).isalpha():
            allowed[ord(chr(code).swapcase())] = True
    else:
        allowed[list(chr(code).encode("utf-8"))] = True


def _add_items(allowed: np.ndarray, items: list, fold: bool) -> None:
    for op, arg in items:
        if op is sre.LITERAL:
            _add_char(allowed, arg, fold)
        elif op is sre.IN and arg and arg[0][0] is sre.NEGATE:
            # [^...]: any byte but the listed ASCII ones (and any non-ASCII byte).
            listed = np.zeros(256, dtype=bool)
            _add_items(listed, [(sre.IN, arg[1:])], fold=False)
            allowed |= ~listed
            allowed[0x80:] = True
        elif op in (sre.ANY, sre.NOT_LITERAL):
            allowed[:] = True
        elif op is sre.IN:
            for set_op, set_arg in arg:
                if set_op is sre.LITERAL:
                    _add_char(allowed, set_arg, fold)
                elif set_op is sre.RANGE:
                    low, high = set_arg
                    for code in range(low, min(high, 0x7F) + 1):
                        _add_char(allowed, code, fold)
                    if high >= 0x80:
                        allowed[0x80:] = True  # any non-ASCII character's bytes
                elif set_op is sre.CATEGORY and set_arg is sre.CATEGORY_DIGIT:
                    allowed[_DIGITS] = True
                elif set_op is sre.CATEGORY and set_arg is sre.CATEGORY_SPACE:
                    allowed[list(_SPACES)] = True
                elif set_op is sre.CATEGORY and set_arg is sre.CATEGORY_WORD:
                    allowed[_WORD] = True
                else:
                    raise _UnreadableError(set_op)
        elif op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT):
            _add_items(allowed, arg[2], fold)
        elif op is sre.SUBPATTERN:
            add_flags, del_flags, body = arg[1], arg[2], arg[3]
            inner = (fold or bool(add_flags & re.IGNORECASE)) and not del_flags & re.IGNORECASE
            if inner:
                allowed[0x80:] = True  # Unicode case folding (K and the Kelvin sign)
            _add_items(allowed, body, inner)
        elif op is sre.BRANCH:
            for branch in arg[1]:
                _add_items(allowed, branch, fold)
        else:
            raise _UnreadableError(op)


def _required(items: list, fold: bool) -> set[int]:
    """Bytes every match contains: literals outside optional parts and alternatives
    (the alternatives' common ones), ASCII and not subject to case folding."""
    found: set[int] = set()
    for op, arg in items:
        if op is sre.LITERAL:
            if arg < 0x80 and not (fold and chr(arg).isalpha()):
                found.add(arg)
        elif op is sre.IN:
            if len(arg) == 1 and arg[0][0] is sre.LITERAL:
                found |= _required([arg[0]], fold)
        elif op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT):
            if arg[0] >= 1:
                found |= _required(arg[2], fold)
        elif op is sre.SUBPATTERN:
            add_flags, del_flags, body = arg[1], arg[2], arg[3]
            inner = (fold or bool(add_flags & re.IGNORECASE)) and not del_flags & re.IGNORECASE
            found |= _required(body, inner)
        elif op is sre.BRANCH:
            common = [_required(branch, fold) for branch in arg[1]]
            found |= set.intersection(*common) if common else set()
    return found


_FIELD = 16  # bits per count in _Bounds.weights
_MAX_REQUIRED = 3


@dataclass(frozen=True)
class _Bounds:
    forbidden: np.ndarray  # bytes a match never holds, as four 64-bit words
    required: np.ndarray  # bytes every match holds, likewise
    weights: np.ndarray  # per byte value: 1 if forbidden, + a count field per required byte
    counted: int  # required bytes with a count field (at most three)
    low: int  # length bounds in bytes
    high: int


@lru_cache(maxsize=512)
def pattern_bounds(pattern: str) -> _Bounds | None:
    """How to rule values out for ``pattern``: the bytes a match never contains and the
    bytes every match contains (each as four 64-bit words of one bit per byte value),
    and the length bounds in bytes.  None when the pattern is not anchored at both ends
    or uses a construct this reader does not bound."""
    try:
        parsed = sre_parse.parse(pattern)
    except (re.error, ValueError, TypeError):
        return None
    items = list(parsed)
    if (
        len(items) < 2
        or items[0] != (sre.AT, sre.AT_BEGINNING)
        or items[-1] != (sre.AT, sre.AT_END)
    ):
        return None
    fold = bool(parsed.state.flags & re.IGNORECASE)
    allowed = np.zeros(256, dtype=bool)
    if fold:
        allowed[0x80:] = True
    try:
        _add_items(allowed, items[1:-1], fold)
    except _UnreadableError:
        return None
    required = np.zeros(256, dtype=bool)
    required[sorted(_required(items[1:-1], fold))] = True
    low, high = parsed.getwidth()  # in characters
    ascii_only = not allowed[0x80:].any()
    # One pass over the bytes tests values no index was made for: a weight per byte,
    # 1 for a byte a match never holds, plus a count field for each of (up to three)
    # bytes every match holds.
    weights = (~allowed).astype(np.int64)
    for i, byte in enumerate(np.flatnonzero(required)[:_MAX_REQUIRED]):
        weights[byte] += 1 << (_FIELD * (i + 1))
    # A character is one byte in ASCII, up to four in UTF-8.
    high = high if ascii_only else 4 * high
    return _Bounds(
        _words(~allowed), _words(required), weights, min(3, int(required.sum())), low, high
    )


def _words(flags: np.ndarray) -> np.ndarray:
    """256 flags (one per byte value) as four 64-bit words, bit ``b % 64`` of word
    ``b // 64`` for byte ``b``: the layout of :class:`_Presence` rows."""
    return np.packbits(flags, bitorder="little").view(np.uint64)


def string_bytes(values: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """A ``string`` array's offsets, relative to its first value, and the bytes they
    index (only this array's, for a slice too)."""
    buffers = values.buffers()
    offsets = np.frombuffer(
        buffers[1], dtype=np.int32, count=len(values) + 1, offset=values.offset * 4
    )
    base = int(offsets[0])
    size = int(offsets[-1]) - base
    if size and buffers[2] is not None:
        data = np.frombuffer(buffers[2], dtype=np.uint8, count=size, offset=base)
    else:
        data = np.zeros(0, dtype=np.uint8)
    return (offsets - base if base else offsets), data


def fixed_width_matrix(values: pa.Array) -> np.ndarray | None:
    """The values as the rows of a byte matrix, when none is null and all are as long
    as the first (a column machines wrote: uuids, ISO timestamps); else None."""
    n = len(values)
    if n == 0 or values.null_count or not pa.types.is_string(values.type):
        return None
    offsets, data = string_bytes(values)
    width = int(offsets[1])
    if width == 0 or len(data) != width * n or not (np.diff(offsets) == width).all():
        return None
    return data.reshape(n, width)


class _Presence:
    """Which byte values each value of a string array holds, as four 64-bit words a
    value, and the values' lengths: computed once per array, then any number of
    patterns are tested against it with a few operations on the words."""

    def __init__(self, values: pa.Array) -> None:
        buffers = values.buffers()
        n = len(values)
        self.values = values  # keeps the buffers (and so their addresses) alive
        self.addresses = (buffers[1].address, buffers[2].address if buffers[2] else 0)
        self.offset = values.offset
        offsets, data = string_bytes(values)
        self.lengths = np.diff(offsets)
        # One contiguous array per word (a reduction along a row of four is slow in
        # numpy); None for a word no value touches (bytes 0x80 and up, in ASCII text).
        self.words: list[np.ndarray | None] = [None] * 4
        if len(data):
            filled = self.lengths > 0
            starts = offsets[:-1][filled]
            bits = np.left_shift(np.uint64(1), (data & 63).astype(np.uint64))
            word = data >> 6
            for w in range(4 if int(data.max()) >= 0x80 else 2):
                mine = np.where(word == w, bits, np.uint64(0))
                column = np.zeros(n, dtype=np.uint64)
                column[filled] = np.bitwise_or.reduceat(mine, starts)
                self.words[w] = column

    def part(self, values: pa.Array) -> tuple[list[np.ndarray | None], np.ndarray] | None:
        """Words and lengths of ``values`` if it is this array or a slice of it."""
        start = values.offset - self.offset
        buffers = values.buffers()
        if (
            (buffers[1].address, buffers[2].address if buffers[2] else 0) != self.addresses
            or start < 0
            or start + len(values) > len(self.lengths)
        ):
            return None
        stop = start + len(values)
        words = [None if w is None else w[start:stop] for w in self.words]
        return words, self.lengths[start:stop]


_remembered = threading.local()


def remember(values: pa.Array) -> None:
    """Index which bytes each value of ``values`` holds, for the patterns about to be
    tried on it or on slices of it (a column's head meets some 50 of them in a row);
    one array per thread is remembered."""
    if pa.types.is_string(values.type) and len(values) <= REMEMBER_MAX_VALUES:
        _remembered.last = _Presence(values)


def could_match(values: pa.Array, pattern: str) -> np.ndarray | None:
    """Per value: False where ``pattern`` cannot match (a byte it never consumes, a byte
    it always does missing, or a length it does not allow); None when no bound is known
    (then test every value)."""
    bounds = pattern_bounds(pattern)
    if bounds is None or len(values) > FILTER_MAX_VALUES or not pa.types.is_string(values.type):
        return None
    cached: _Presence | None = getattr(_remembered, "last", None)
    found = cached.part(values) if cached is not None else None
    if found is not None:
        words, lengths = found
        bad: np.ndarray | None = None
        for word, forbidden in zip(words, bounds.forbidden, strict=True):
            if word is not None and forbidden:
                term = word & forbidden
                bad = term if bad is None else bad | term
        possible = np.ones(len(values), dtype=bool) if bad is None else bad == 0
        for word, required in zip(words, bounds.required, strict=True):
            if required:
                if word is None:
                    return np.zeros(len(values), dtype=bool)
                possible &= (word & required) == required
    else:
        possible, lengths = _scan_bytes(values, bounds)
        if possible is None:
            return None
    possible &= (lengths >= bounds.low) & (lengths <= bounds.high)
    if values.null_count:
        possible &= np.asarray(values.is_valid())
    return possible


def where_possible(
    values: pa.Array, pattern: str, test: Callable[[pa.Array], np.ndarray]
) -> np.ndarray | None:
    """``test`` (a mask per value) run only on the values ``pattern`` could match, the
    others False; None when the filter rules nothing out (the caller then tests every
    value its own way, without the gather)."""
    possible = could_match(values, pattern)
    if possible is None or possible.all():
        return None
    if possible.any():
        index = np.flatnonzero(possible)
        possible[index] = test(values.take(pa.array(index)))
    return possible


def _scan_bytes(values: pa.Array, bounds: _Bounds) -> tuple[np.ndarray | None, np.ndarray]:
    """:func:`could_match` without an index: one pass summing each byte's weight, and
    the differences of the running sum per value."""
    offsets, data = string_bytes(values)
    lengths = np.diff(offsets)
    if len(data) >= 1 << _FIELD:
        return None, lengths  # counts could overflow their fields: no claim
    running = np.zeros(len(data) + 1, dtype=np.int64)
    np.cumsum(np.take(bounds.weights, data), out=running[1:])
    sums = np.diff(running[offsets])
    possible = (sums & 0xFFFF) == 0
    for i in range(bounds.counted):
        possible &= (sums >> (_FIELD * (i + 1))) & 0xFFFF > 0
    return possible, lengths


_NOT_DIGIT_OR_DOT = np.ones(256, dtype=np.int64)
_NOT_DIGIT_OR_DOT[0x30:0x3A] = 0
_NOT_DIGIT_OR_DOT[0x2E] = 1 + (1 << 32)  # a dot counts as a non-digit and as a dot
_IS_DIGIT = np.zeros(256, dtype=bool)
_IS_DIGIT[0x30:0x3A] = True


def plain_decimals(values: pa.Array) -> np.ndarray | None:
    """Per value: written ``-?\\d+\\.\\d+`` (digits, one dot, digits, an optional minus
    in front); nulls are False.  None for arrays not read this way."""
    clean = (
        pa.types.is_string(values.type)
        and _one_dot_each(values) is not None
        and _plain_around_dots(values)
    )
    if clean:
        return np.ones(len(values), dtype=bool)  # the usual column, decided at once
    if not pa.types.is_string(values.type):
        return None
    offsets, raw = string_bytes(values)
    n = len(values)
    if len(raw) == 0:
        return np.zeros(n, dtype=bool)
    starts, ends = offsets[:-1].astype(np.int64), offsets[1:].astype(np.int64)
    lengths = ends - starts
    weights = _NOT_DIGIT_OR_DOT[raw]
    filled = lengths > 0
    sums = np.zeros(n, dtype=np.int64)
    sums[filled] = np.add.reduceat(weights, starts[filled])
    others, dots = sums & 0xFFFFFFFF, sums >> 32
    end = len(raw) - 1
    minus = raw[np.minimum(starts, end)] == 0x2D
    body = raw[np.minimum(starts + minus, end)]
    tail = raw[np.clip(ends - 1, 0, end)]
    plain = (dots == 1) & (others == 1 + minus) & _IS_DIGIT[body] & _IS_DIGIT[tail]
    plain &= lengths >= 3 + minus
    if values.null_count:
        plain &= np.asarray(values.is_valid())
    return plain


def one_dot_scale(values: pa.Array) -> int | None:
    """The most digits after the dot, when every value holds exactly one dot (a clean
    decimal column); None otherwise (the caller measures it the general way)."""
    found = _one_dot_each(values)
    if found is None:
        return None
    dots, offsets, _ = found
    return int((offsets[1:] - dots).max()) - 1


_dots = threading.local()


def _one_dot_each(values: pa.Array) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """When every value holds exactly one dot: the dots' positions, the offsets (both
    relative to the first value) and the data, else None.  A clean decimal column is
    asked this twice in a row (its candidate test, then its scale): the last answer is
    kept for the same array."""
    last = getattr(_dots, "last", None)
    if last is not None and last[0] is values:
        return last[1]
    found = _find_one_dot_each(values)
    _dots.last = (values, found)  # holding the array keeps the identity meaningful
    return found


def _find_one_dot_each(values: pa.Array) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    if values.null_count or not len(values) or not pa.types.is_string(values.type):
        return None
    offsets, data = string_bytes(values)
    dots = np.flatnonzero(data == 0x2E)
    if len(dots) != len(values):
        return None
    # The i-th dot inside the i-th value: n dots, one in each.
    if not ((dots >= offsets[:-1]) & (dots < offsets[1:])).all():
        return None
    return dots, offsets, data


def _plain_around_dots(values: pa.Array) -> bool:
    """Given one dot in each value: whether every value is ``-?\\d+\\.\\d+`` -- only
    digits, dots and minus signs in the data (counted: comparisons run at memory speed,
    a table lookup per byte does not), the minus signs all in front, and a digit on
    both sides of each dot."""
    found = _one_dot_each(values)
    assert found is not None
    dots, offsets, data = found
    digits = int(np.count_nonzero((data - np.uint8(0x30)) < 10))
    minus_signs = int(np.count_nonzero(data == 0x2D))
    if digits + len(dots) + minus_signs != len(data):
        return False  # some other byte
    starts = offsets[:-1]
    minus = data[starts] == 0x2D
    if minus_signs != int(np.count_nonzero(minus)):
        return False
    return bool(((dots > starts + minus) & (dots < offsets[1:] - 1)).all())


@dataclass(frozen=True)
class FixedLayout:
    """A fixed-width text layout: per position a byte range, or one of two bytes.

    Written as a template: ``d`` a digit, ``[xy]`` byte x or y, anything else itself
    (``dddd-dd-dd[T ]dd:dd:dd[+-]dd:dd``)."""

    template: str
    low: np.ndarray  # per position: the smallest byte allowed
    span: np.ndarray  # per position: highest - lowest (255: checked as a choice)
    choices: tuple[tuple[int, bytes], ...]  # positions that take one of two bytes

    @classmethod
    def of(cls, template: str) -> FixedLayout:
        low: list[int] = []
        span: list[int] = []
        choices: list[tuple[int, bytes]] = []
        i = 0
        while i < len(template):
            char = template[i]
            if char == "[":
                end = template.index("]", i)
                choices.append((len(low), template[i + 1 : end].encode()))
                low.append(0)
                span.append(255)
                i = end + 1
                continue
            low.append(0x30 if char == "d" else ord(char))
            span.append(9 if char == "d" else 0)
            i += 1
        return cls(template, np.array(low, np.uint8), np.array(span, np.uint8), tuple(choices))

    @property
    def width(self) -> int:
        return len(self.low)


_tiled = threading.local()


def _tiled_bounds(
    layout: FixedLayout, rows: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``layout``'s bounds repeated for ``rows`` values, and room for the comparison:
    views of arrays kept per thread and layout, made again only for a larger batch.
    Batches differ in size by a few rows (chunks end at record boundaries), and fresh
    arrays for every batch cost as much again in page faults as the comparison."""
    held: dict[str, tuple[np.ndarray, ...]] | None = getattr(_tiled, "bounds", None)
    if held is None:
        held = _tiled.bounds = {}
    size = rows * layout.width
    arrays = held.get(layout.template)
    if arrays is None or len(arrays[0]) < size:
        room = rows + rows // 8  # a slightly larger batch fits too
        arrays = held[layout.template] = (
            np.tile(layout.low, room),
            np.tile(layout.span, room),
            np.empty(room * layout.width, np.uint8),
            np.empty(room * layout.width, bool),
        )
    low, span, difference, outside = arrays
    return low[:size], span[:size], difference[:size], outside[:size]


def fixed_layout(values: pa.Array, layouts: tuple[FixedLayout, ...]) -> bool:
    """Whether every value (none null) has one of ``layouts`` -- all of them the same
    one, so the values form a byte matrix.  An answer for the whole array: False means
    "not known" (some value differs, or the values differ in width), and the caller
    tests the values the exact way.

    The usual case, every value conforming, costs a subtraction and a comparison over
    the bytes (the per-position bounds tiled once per thread) and one ``any``."""
    matrix = fixed_width_matrix(values)
    if matrix is None:
        return False
    n, width = matrix.shape
    layout = next((x for x in layouts if x.width == width), None)
    if layout is None:
        return False
    flat = matrix.reshape(-1)
    low, span, difference, outside = _tiled_bounds(layout, n)
    np.subtract(flat, low, out=difference)
    if bool(np.greater(difference, span, out=outside).any()):
        return False
    for position, allowed in layout.choices:
        column = matrix[:, position]
        hit = column == allowed[0]
        for byte in allowed[1:]:
            hit |= column == byte
        if not hit.all():
            return False
    return True
