"""Per-column profiles computed batch by batch with vectorized Arrow operations.

A :class:`ColumnProfile` accumulates everything inference decides from: null and
null-token counts, for text the count of values conforming to each still-possible
type candidate (with a few violating examples), numeric ranges and decimal digits,
lengths, distinct values (exact, then HyperLogLog), a sample for histograms, examples
and format conformance.  ``merge`` is associative and commutative, so batches can be
profiled on several threads (or machines) and combined in any order.

Cost control, the part that makes a full scan fast: a candidate is tested only on
values that a narrower candidate it contains did not already accept (an integer is a
decimal is a float), and a candidate whose violations exceed ten times the tolerance
after 1,000 values is dropped (recorded as evidence), so after the first batch a column
usually pays for one or two vectorized tests, and a free-text column for none.
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from dataclasses import dataclass, field
from itertools import repeat

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from assay.inference.byteshapes import (
    FILTER_MAX_VALUES,
    one_dot_scale,
    remember,
    string_bytes,
)
from assay.inference.candidates import (
    CANDIDATES,
    Candidate,
    char_lengths,
    plain_digits,
    trim_whitespace,
)
from assay.inference.sketches import Sample, ValueCounts

DEFAULT_NULL_TOKENS = ("", "NA", "N/A", "null", "NULL", "None", "nan", "NaN", "-", "#N/A")
ELIMINATE_AFTER = 1000
LOW_CARDINALITY = 0.25  # distinct/values under which a batch is profiled by distinct value
ELIMINATE_SHARE = 0.01
EXAMPLES = 5
# Candidates that accept everything a narrower one accepts: test them only on the rest.
CONTAINS = {
    "integer_comma": ("integer",),
    "integer_dot": ("integer",),
    "integer_space": ("integer",),
    "decimal_dot": ("integer", "integer_comma"),
    "decimal_comma": ("integer", "integer_dot", "integer_space"),
    "float": ("integer", "decimal_dot"),
    "float_comma": ("integer", "decimal_comma"),
    "datetime_iso": ("date_iso",),  # a date is a datetime at midnight
}
NUMERIC_FAMILY = {
    "integer": "dot",
    "integer_comma": "dot",
    "decimal_dot": "dot",
    "float": "dot",
    "integer_dot": "comma",
    "integer_space": "comma",
    "decimal_comma": "comma",
    "float_comma": "comma",
}


@dataclass
class Numbers:
    """Range, moments and digits of the values one numeric family parsed."""

    count: int = 0
    minimum: float | None = None
    maximum: float | None = None
    total: float = 0.0
    squares: float = 0.0
    int_digits: int = 0
    scale: int = 0
    decorated: Counter[str] = field(default_factory=Counter)
    overflow: bool = False  # an integer beyond 64 bits was seen
    exact_min: int | None = None  # exact bounds of integers too large for a float
    exact_max: int | None = None

    def merge(self, other: Numbers) -> None:
        if other.count == 0:
            return
        self.overflow = self.overflow or other.overflow
        self.exact_min = _lesser(self.exact_min, other.exact_min)
        self.exact_max = _greater(self.exact_max, other.exact_max)
        self.minimum = other.minimum if self.minimum is None else min(self.minimum, other.minimum)  # type: ignore[type-var]
        self.maximum = other.maximum if self.maximum is None else max(self.maximum, other.maximum)  # type: ignore[type-var]
        self.count += other.count
        self.total += other.total
        self.squares += other.squares
        self.int_digits = max(self.int_digits, other.int_digits)
        self.scale = max(self.scale, other.scale)
        self.decorated.update(other.decorated)


@dataclass
class ColumnProfile:
    path: str
    present: int = 0  # records in which the column exists
    nulls: int = 0  # null values and null tokens
    null_tokens: Counter[str] = field(default_factory=Counter)
    kinds: Counter[str] = field(default_factory=Counter)  # Arrow-level kinds seen
    text_values: int = 0  # non-null text values examined for candidates
    conforming: dict[str, int] | None = None  # candidate -> values conforming
    violations: dict[str, list[str]] = field(default_factory=dict)
    eliminated: dict[str, tuple[int, int]] = field(default_factory=dict)  # name -> (ok, seen)
    leading_zeros: int = 0  # numbers written as codes: a leading zero or a '+'
    leading_zero_checked: int = 0  # values tested for it (while numbers were possible)
    leading_zero_examples: list[str] = field(default_factory=list)
    numbers: dict[str, Numbers] = field(default_factory=dict)  # family/kind -> stats
    temporal: dict[str, tuple[object, object]] = field(default_factory=dict)  # name -> min,max
    min_length: int | None = None
    max_length: int | None = None
    counts: ValueCounts = field(default_factory=ValueCounts)
    sample: Sample = field(default_factory=Sample)
    examples: list[object] = field(default_factory=list)
    booleans: Counter[str] = field(default_factory=Counter)
    formats: dict[str, list] | None = None  # name -> [conforming, checked, violations]
    json_text: bool = False
    _seed: int = 0
    planned: bool = False  # candidates and formats fixed by the head of the input
    many_distinct: bool = False  # the head had too many distinct values to test them once each
    _hashes: np.ndarray | None = None
    last_counted: pa.StructArray | None = None  # this batch's distinct values and counts
    last_text: pa.Array | None = None  # this batch's non-null text (for format checks)

    # ------------------------------------------------------------------ text
    def add_text(
        self,
        values: pa.Array,
        seed: int,
        null_tokens: pa.Array,
        hashes: np.ndarray | None = None,
    ) -> None:
        """Profile a string array (nulls allowed); ``hashes`` of all its values if known."""
        self._seed = seed
        if self.conforming is None:
            self.conforming = {c.name: 0 for c in CANDIDATES}
        n = len(values)
        self.present += n
        self.kinds["string"] += n
        counted = None
        if self.counts.exact and hashes is None and not self.many_distinct:
            counted = pc.value_counts(values)
            if len(counted) <= LOW_CARDINALITY * n:
                # Few distinct values (codes, categories, dates, small numbers): every
                # test runs once per distinct value, weighted by how often it occurs.
                self._add_distinct(counted.field("values"), counted.field("counts"), null_tokens)
                return
        token_or_blank = _token_or_blank(values, null_tokens)
        if token_or_blank is None:
            null_mask = pc.is_null(values)
            null_count = values.null_count
        else:
            null_mask = pc.or_(token_or_blank, pc.is_null(values))
            null_count = pc.sum(null_mask).as_py() or 0
        self.nulls += null_count
        if token_or_blank is not None:
            tokens = pc.value_counts(pc.filter(values, token_or_blank))
            for token, count in zip(
                tokens.field("values").to_pylist(), tokens.field("counts").to_pylist(), strict=True
            ):
                self.null_tokens["<blank>" if token.strip() == "" and token else token] += count
        text = values
        if null_count:
            dropped = np.asarray(null_mask.to_numpy(zero_copy_only=False), dtype=bool)
            text = _without(values, dropped)
            if hashes is not None:
                hashes = hashes[~dropped]
        self._hashes = hashes
        self.last_text = text
        if len(text) == 0:
            return
        start = self.text_values
        self.text_values += len(text)
        if start < ELIMINATE_AFTER < start + len(text) and len(text) > 2 * ELIMINATE_AFTER:
            # Test every candidate on the first values only; most drop out there, so the
            # rest of the batch pays for the few that remain.
            head = ELIMINATE_AFTER - start
            self._candidates(text[:head], start + head)
            self._candidates(text[head:], start + len(text))
        else:
            self._candidates(text, start + len(text))
        self._text_stats(text, seed, counted if not null_count else None)

    def _add_distinct(self, values: pa.Array, counts: pa.Array, null_tokens: pa.Array) -> None:
        counts = counts.cast(pa.int64())
        is_token = pc.fill_null(pc.is_in(values, value_set=null_tokens), False)
        blank = pc.fill_null(pc.utf8_is_space(values), False)
        null_mask = pc.or_(pc.or_(is_token, blank), pc.is_null(values))
        if pc.any(null_mask).as_py():
            self.nulls += pc.sum(pc.filter(counts, null_mask)).as_py() or 0
            for token, count in zip(
                pc.filter(values, null_mask).to_pylist(),
                pc.filter(counts, null_mask).to_pylist(),
                strict=True,
            ):
                if token is not None:
                    self.null_tokens["<blank>" if token.strip() == "" and token else token] += count
            keep = pc.invert(null_mask)
            values, counts = pc.filter(values, keep), pc.filter(counts, keep)
        if len(values) == 0:
            return
        weights = counts.to_numpy(zero_copy_only=False)
        total = int(weights.sum())
        start = self.text_values
        self.text_values += total
        self._candidates(values, start + total, weights)
        lengths = pc.min_max(char_lengths(values))
        lo, hi = lengths["min"].as_py(), lengths["max"].as_py()
        self.min_length = lo if self.min_length is None else min(self.min_length, lo)
        self.max_length = hi if self.max_length is None else max(self.max_length, hi)
        self.counts.add_counted(values, counts)
        self.last_counted = pa.StructArray.from_arrays([values, counts], names=["values", "counts"])
        self.last_text = values
        if len(self.examples) < EXAMPLES:
            for value in values[:200].to_pylist():
                if value not in self.examples and len(self.examples) < EXAMPLES:
                    self.examples.append(value)

    def _candidates(self, text: pa.Array, seen: int, weights: np.ndarray | None = None) -> None:
        assert self.conforming is not None
        matched: dict[str, pa.Array] = {}
        if len(self.conforming) > 2 and len(text) <= FILTER_MAX_VALUES:
            remember(text)  # the head tries ~25 candidates on these values
        first_values: list[str] | None = None
        digits: pa.Array | None = None  # plain_digits(text), once the integer test made it
        all_digits = False
        for candidate in CANDIDATES:
            name = candidate.name
            if name not in self.conforming:
                continue
            inner = [matched[c] for c in CONTAINS.get(name, ()) if c in matched]
            if inner:
                # Values a contained (narrower) candidate accepted conform already; only
                # the rest is tested, and only the rest adds to this candidate's numbers.
                already = inner[0]
                for other in inner[1:]:
                    already = pc.or_(already, other)
                if pc.all(already).as_py():
                    # Every value is a narrower form (integers for a decimal column): it
                    # conforms, with nothing of its own to test or measure.
                    matched[name] = already
                    self.conforming[name] += len(text) if weights is None else int(weights.sum())
                    continue
                rest = pc.filter(text, pc.invert(already))
                mask = already
                new_values = rest[:0]
                if len(rest):
                    extra = candidate.matches(rest)
                    new_values = pc.filter(rest, extra)
                    full = np.asarray(already.to_numpy(zero_copy_only=False)).copy()
                    full[np.flatnonzero(~full)] = np.asarray(extra.to_numpy(zero_copy_only=False))
                    mask = pa.array(full)
            else:
                if name == "integer":
                    # Plain digit strings (the usual integer column) need no trimming and
                    # decide leading zeros alone: the test is shared with those steps.
                    digits = plain_digits(text)
                    all_digits = bool(pc.all(digits).as_py())
                mask = candidate.matches(text, quick=digits if name == "integer" else None)
                new_values = None
            matched[name] = mask
            ok = _weighted(mask, weights)
            self.conforming[name] += ok
            bad = (len(text) if weights is None else int(weights.sum())) - ok
            if bad:
                examples = self.violations.setdefault(name, [])
                if len(examples) < EXAMPLES:
                    if ok == 0:  # every value is wrong: the same examples for each such one
                        if first_values is None:
                            first_values = pc.unique(text[:50]).to_pylist()
                        wrong = first_values
                    else:
                        wrong = pc.unique(pc.filter(text, pc.invert(mask))[:50]).to_pylist()
                    for value in wrong:
                        if value not in examples and len(examples) < EXAMPLES:
                            examples.append(value)
            new_mask = mask if new_values is None else _new_only(mask, inner)
            if ok and weights is None and new_values is not None:
                self._candidate_stats(candidate, new_values, None)
            elif ok:
                every = new_mask is mask and ok == len(text) and weights is None
                chosen = text if every else pc.filter(text, new_mask)
                if len(chosen):
                    w = (
                        weights[np.asarray(new_mask.to_numpy(zero_copy_only=False))]
                        if weights is not None
                        else None
                    )
                    self._candidate_stats(candidate, chosen, w, trimmed=all_digits)
        self._eliminate(seen)
        if "integer" in matched:
            zeros = _leading_zeros(text, digits)
            count = _weighted(zeros, weights)
            self.leading_zero_checked += len(text) if weights is None else int(weights.sum())
            if count:
                self.leading_zeros += count
                if len(self.leading_zero_examples) < EXAMPLES:
                    self.leading_zero_examples.extend(
                        pc.filter(text, zeros)[
                            : EXAMPLES - len(self.leading_zero_examples)
                        ].to_pylist()
                    )

    def _eliminate(self, seen: int) -> None:
        assert self.conforming is not None
        if seen < ELIMINATE_AFTER or self.planned:
            return
        for name, ok in list(self.conforming.items()):
            if seen - ok > ELIMINATE_SHARE * seen:
                self.eliminated[name] = (ok, seen)
                del self.conforming[name]

    def _candidate_stats(
        self,
        candidate: Candidate,
        values: pa.Array,
        weights: np.ndarray | None,
        *,
        trimmed: bool = False,
    ) -> None:
        """``trimmed``: the values are known to hold no blank to trim (plain digits)."""
        family = NUMERIC_FAMILY.get(candidate.name)
        if family is not None:
            self._numbers(family, candidate.name, values, weights, trimmed=trimmed)
        elif candidate.kind in ("date", "datetime", "time"):
            low, high = _min_max(trim_whitespace(values))
            if candidate.pattern is None:  # ISO: text order is time order
                self._widen_temporal(candidate.name, low.as_py(), high.as_py())
        elif candidate.name == "boolean":
            lowered = pc.utf8_lower(trim_whitespace(values)).to_pylist()
            repeat = weights.tolist() if weights is not None else [1] * len(lowered)
            for v, c in zip(lowered, repeat, strict=True):
                self.booleans[v] += int(c)

    def _numbers(
        self,
        family: str,
        name: str,
        values: pa.Array,
        weights: np.ndarray | None = None,
        *,
        trimmed: bool = False,
    ) -> None:
        """Parse the values ``name`` accepted; keyed by candidate, combined at decision.

        Digits are measured cheaply: integer digits from the largest magnitude, the
        scale from the position of the decimal separator.
        """
        stats = self.numbers.setdefault(name, Numbers())
        text = values
        plain = name == "integer"
        parsed = None
        if name == "decimal_dot":
            # The common case, plain 12.50: no cleanup needed if Arrow parses it as is
            # (and then that parse is the numbers).
            try:
                parsed = pc.cast(text, pa.float64())
            except pa.ArrowInvalid:
                parsed = None
        plain_decimal = parsed is not None
        if plain_decimal:
            pass
        elif not plain and pc.any(pc.match_substring_regex(text, r"[%$€£¥\s]")).as_py():
            for symbol in "%$€£¥":
                hits = _weighted(pc.match_substring(text, symbol), weights)
                if hits:
                    stats.decorated[symbol] += hits
            text = pc.replace_substring_regex(text, r"[%$€£¥\s]", "")
        elif plain and not trimmed:
            text = trim_whitespace(text)
        if family == "comma":
            text = pc.replace_substring_regex(text, r"[. ' ]", "")
            text = pc.replace_substring(text, ",", ".")
        elif not plain and name != "float" and not plain_decimal:
            text = pc.replace_substring(text, ",", "")
        scale = one_dot_scale(text) if name != "float" and not plain else None
        if scale is not None:
            stats.scale = max(stats.scale, scale)
        elif name != "float" and not plain:
            dot = pc.find_substring(text, ".")
            has_dot = pc.greater_equal(dot, 0)
            # find_substring counts bytes: so must the length (the text is ASCII here anyway)
            scale = pc.if_else(has_dot, pc.subtract(pc.subtract(pc.binary_length(text), dot), 1), 0)
            stats.scale = max(stats.scale, pc.max(scale).as_py() or 0)
        numbers = parsed if parsed is not None else pc.cast(text, pa.float64(), safe=False)
        as_np = numbers.to_numpy(zero_copy_only=False)
        if len(as_np) == 0:
            return
        lo, hi = float(np.min(as_np)), float(np.max(as_np))
        magnitude = int(max(abs(lo), abs(hi)))
        stats.int_digits = max(stats.int_digits, len(str(magnitude)) if magnitude else 0)
        if (
            name in ("integer", "integer_comma", "integer_dot", "integer_space")
            and magnitude >= 2**53
        ):
            # Floats blur the last digits here: decide int64 or not on the exact text.
            digits = pc.replace_substring_regex(text, r"^[+-]", "")
            stats.int_digits = max(stats.int_digits, pc.max(pc.utf8_length(digits)).as_py() or 0)
            try:
                exact = pc.cast(text, pa.int64())
                bounds = pc.min_max(exact)
                stats.exact_min = _lesser(stats.exact_min, bounds["min"].as_py())
                stats.exact_max = _greater(stats.exact_max, bounds["max"].as_py())
            except (pa.ArrowInvalid, OverflowError):
                stats.overflow = True
        stats.minimum = lo if stats.minimum is None else min(stats.minimum, lo)
        stats.maximum = hi if stats.maximum is None else max(stats.maximum, hi)
        if weights is None:
            stats.count += len(as_np)
            stats.total += float(np.sum(as_np))
            stats.squares += float(np.sum(np.square(as_np)))  # np.dot wakes BLAS threads
            self.sample.add(as_np, self._seed + len(self.numbers))
        else:
            stats.count += int(weights.sum())
            stats.total += float(np.sum(as_np * weights))
            stats.squares += float(np.sum(np.square(as_np) * weights))
            self.sample.add_weighted(as_np, weights, self._seed + len(self.numbers))

    def _text_stats(self, text: pa.Array, seed: int, counted: pa.StructArray | None = None) -> None:
        lengths = pc.min_max(char_lengths(text))
        lo, hi = lengths["min"].as_py(), lengths["max"].as_py()
        self.min_length = lo if self.min_length is None else min(self.min_length, lo)
        self.max_length = hi if self.max_length is None else max(self.max_length, hi)
        if counted is not None:
            self.counts.add_counted(counted.field("values"), counted.field("counts"))
            self.last_counted = counted
        else:
            self.last_counted = self.counts.add(text, self._hashes)
        if len(self.examples) < EXAMPLES:
            for value in pc.unique(text[:200]).to_pylist():
                if value not in self.examples and len(self.examples) < EXAMPLES:
                    self.examples.append(value)

    # ------------------------------------------------------------------ typed (JSON, Parquet)
    def add_typed(self, values: pa.Array, kind: str, seed: int) -> None:
        """Profile an array that already has a type (numbers, booleans, timestamps...)."""
        n = len(values)
        self.present += n
        nulls = values.null_count
        self.nulls += nulls
        self.kinds[kind] += n - nulls
        present = values.drop_null() if nulls else values
        if len(present) == 0:
            return
        if kind in ("integer", "float"):
            stats = self.numbers.setdefault(kind, Numbers())
            low, high = _min_max(present)
            as_np = present.to_numpy(zero_copy_only=False).astype(np.float64)
            stats.count += len(as_np)
            lo, hi = low.as_py(), high.as_py()
            stats.minimum = lo if stats.minimum is None else min(stats.minimum, lo)
            stats.maximum = hi if stats.maximum is None else max(stats.maximum, hi)
            stats.total += float(np.sum(as_np))
            stats.squares += float(np.sum(as_np * as_np))
            self.sample.add(as_np, seed)
            if kind == "float":
                self._float_digits(present, stats)
        elif kind == "boolean":
            trues = pc.sum(present).as_py() or 0
            self.booleans["true"] += trues
            self.booleans["false"] += len(present) - trues
        elif kind in ("date", "datetime", "time"):
            low, high = _min_max(present)
            self._widen_temporal(kind, low.as_py(), high.as_py())
        if kind in ("integer", "float", "boolean", "date", "datetime", "time", "binary"):
            self.counts.add(present)
        if len(self.examples) < EXAMPLES:
            for value in pc.unique(present[:200]).to_pylist():
                if value not in self.examples and len(self.examples) < EXAMPLES:
                    self.examples.append(value)

    def _float_digits(self, values: pa.Array, stats: Numbers) -> None:
        """Digits of floats as written (shortest repr): 19.99 is decimal-like, 1e-7 not."""
        distinct = pc.unique(values)
        if len(distinct) > 20_000:
            stats.scale = max(stats.scale, 99)
            return
        if pa.types.is_floating(distinct.type):
            scale, int_digits, exponent = _repr_digits(
                distinct.cast(pa.float64()).to_numpy(zero_copy_only=False).tolist()
            )
            stats.scale = max(stats.scale, 99 if exponent else scale)
            stats.int_digits = max(stats.int_digits, int_digits)
            return
        for value in distinct.to_pylist():
            text = repr(float(value))
            if "e" in text or "inf" in text or "nan" in text:
                stats.scale = max(stats.scale, 99)
                return
            integer, _, fraction = text.lstrip("-").partition(".")
            fraction = fraction.rstrip("0")
            stats.scale = max(stats.scale, len(fraction))
            stats.int_digits = max(stats.int_digits, len(integer.lstrip("0")))

    def add_missing(self, n: int) -> None:
        """Records of a batch that lack this column entirely (JSON optional keys)."""

    # ------------------------------------------------------------------ formats
    def add_formats(self, text: pa.Array, checker) -> None:  # type: ignore[no-untyped-def]
        checker(self, text)

    def plan(self) -> ColumnProfile:
        """An empty profile that tests only what this one still considers possible.

        Workers start from the plan of the input's first batch, so what they test (and
        so the result) does not depend on how batches are spread over threads.
        """
        planned = ColumnProfile(self.path, planned=True)
        # What the head learnt about cardinality spares later batches a counting pass that
        # cannot pay off: no by-distinct-value profiling, and no exact counts once sketched.
        planned.counts = self.counts.sketched(self.text_values)
        if self.text_values:
            # A column whose counts went to the sketch in the head is mostly distinct
            # (over half its values): no need to settle the sketch's hashes to know it.
            planned.many_distinct = self.counts.owes_hashes or (
                self.counts.distinct() > LOW_CARDINALITY * self.text_values
            )
        if self.conforming is not None:
            names = self.conforming
            if self.leading_zeros:
                # Codes with leading zeros stay text whatever follows: stop testing numbers.
                names = {n: 0 for n in names if n not in NUMERIC_FAMILY}
            planned.conforming = dict.fromkeys(names, 0)
        if self.formats is not None:
            planned.formats = {
                name: [0, 0, []] for name in self.formats if self._format_reportable(name)
            }
        return planned

    def _format_reportable(self, name: str) -> bool:
        """Formats the decision could still report (so later batches check only those)."""
        from assay.inference.formats import NAMED_FORMATS  # (loaded for the head already)

        if name in NAMED_FORMATS and not NAMED_FORMATS[name].search(self.path.lower()):
            return False
        implied = {"date": "date_iso", "date-time": "datetime_iso_tz", "time": "time"}
        # A column still typed as that date/time carries it in its type, not a format.
        return not (name in implied and self.conforming and implied[name] in self.conforming)

    def _widen_temporal(self, name: str, lo: object, hi: object) -> None:
        """Extend a candidate's min/max; a batch with no values of it (None) changes nothing."""
        if lo is None or hi is None:
            return
        old = self.temporal.get(name)
        if old is not None:
            lo, hi = min(old[0], lo), max(old[1], hi)  # type: ignore[type-var]
        self.temporal[name] = (lo, hi)

    # ------------------------------------------------------------------ merge
    def merge(self, other: ColumnProfile) -> None:
        self.present += other.present
        self.nulls += other.nulls
        self.null_tokens.update(other.null_tokens)
        self.kinds.update(other.kinds)
        if other.conforming is not None:
            if self.conforming is None:
                self.conforming = dict(other.conforming)
            else:
                names = set(self.conforming) & set(other.conforming)
                dropped = (set(self.conforming) | set(other.conforming)) - names
                for name in dropped:
                    ok = self.conforming.get(name, 0) + other.conforming.get(name, 0)
                    self.eliminated.setdefault(name, (ok, self.text_values + other.text_values))
                self.conforming = {
                    n: self.conforming[n] + other.conforming[n] for n in sorted(names)
                }
        self.text_values += other.text_values
        for name, examples in other.violations.items():
            mine = self.violations.setdefault(name, [])
            for value in examples:
                if value not in mine and len(mine) < EXAMPLES:
                    mine.append(value)
        for name, pair in other.eliminated.items():
            self.eliminated.setdefault(name, pair)
        if self.conforming is not None:
            for name in self.eliminated:
                self.conforming.pop(name, None)
        self.leading_zeros += other.leading_zeros
        self.leading_zero_checked += other.leading_zero_checked
        for value in other.leading_zero_examples:
            if len(self.leading_zero_examples) < EXAMPLES:
                self.leading_zero_examples.append(value)
        for key, stats in other.numbers.items():
            self.numbers.setdefault(key, Numbers()).merge(stats)
        for key, (lo, hi) in other.temporal.items():
            self._widen_temporal(key, lo, hi)
        if other.min_length is not None:
            self.min_length = (
                other.min_length
                if self.min_length is None
                else min(self.min_length, other.min_length)
            )
            self.max_length = (
                other.max_length
                if self.max_length is None
                else max(self.max_length, other.max_length)
            )  # type: ignore[type-var]
        self.counts.merge(other.counts)
        self.sample.merge(other.sample)
        for value in other.examples:
            if value not in self.examples and len(self.examples) < EXAMPLES:
                self.examples.append(value)
        self.booleans.update(other.booleans)
        if other.formats is not None:
            if self.formats is None:
                self.formats = {k: list(v) for k, v in other.formats.items()}
            else:
                for name in list(self.formats):
                    if name not in other.formats:
                        del self.formats[name]
                        continue
                    mine, theirs = self.formats[name], other.formats[name]
                    mine[0] += theirs[0]
                    mine[1] += theirs[1]
                    mine[2] = (list(mine[2]) + [v for v in theirs[2] if v not in mine[2]])[
                        :EXAMPLES
                    ]
        self.json_text = self.json_text or other.json_text


# A number written with a leading zero (``007``, ``-01``, ``0123 456``) or a phone's
# ``+``: not text that merely starts with ``0`` and a digit (a uuid, ``0800 free call``).
_LEADING_ZERO = r"^\s*(?:[+-]?0\d[\d.,' ]*\s*$|\+\d{7,})"


def _leading_zeros(text: pa.Array, plain: pa.Array | None = None) -> pa.Array:
    """Mask of codes written with leading zeros (``007``, ``-01``) or a ``+`` (phones).

    Plain digit strings (``plain``: :func:`plain_digits` of ``text``, if known) decide
    with two cheap tests; only the others (signs, blanks) go through the regular
    expression.
    """
    if plain is None:
        plain = plain_digits(text)
    zeros = pc.and_(
        plain, pc.and_(pc.starts_with(text, "0"), pc.greater(pc.binary_length(text), 1))
    )
    if pc.all(plain).as_py():
        return zeros
    odd = pc.fill_null(
        pc.match_substring_regex(pc.filter(text, pc.invert(plain)), _LEADING_ZERO), False
    )
    full = np.asarray(zeros.to_numpy(zero_copy_only=False), dtype=bool).copy()
    others = ~np.asarray(plain.to_numpy(zero_copy_only=False), dtype=bool)
    full[np.flatnonzero(others)] = np.asarray(odd.to_numpy(zero_copy_only=False), dtype=bool)
    return pa.array(full)


def _without(values: pa.Array, dropped: np.ndarray) -> pa.Array:
    """``values`` without the ones ``dropped`` (a boolean mask) selects.

    When those are all empty strings (a CSV's blanks), the bytes of the values kept are
    contiguous already, and only their offsets are new -- Arrow's filter copies every
    byte of every value (~9 ns a value), for each column of each batch with a blank.
    """
    buffers = values.buffers()
    if values.null_count == 0 and values.type == pa.string() and buffers[2] is not None:
        offsets = np.frombuffer(
            buffers[1], dtype=np.int32, count=len(values) + 1, offset=values.offset * 4
        )
        starts = offsets[:-1]
        if not (offsets[1:][dropped] - starts[dropped]).any():
            kept = np.append(starts[~dropped], offsets[-1])
            return pa.Array.from_buffers(
                pa.string(), len(kept) - 1, [None, pa.py_buffer(kept), buffers[2]], null_count=0
            )
    return pc.filter(values, pa.array(~dropped))


def _token_or_blank(values: pa.Array, null_tokens: pa.Array) -> pa.Array | None:
    """Mask of the values that are null tokens or blank; None when there are none.

    ``is_in`` hashes every value (~15 ns) and ``utf8_is_space`` reads every byte; one
    look at each value's length and first byte (numpy over the offsets) finds the few
    that could be either -- a token is no longer than the longest token starting with
    its first byte, a blank starts with whitespace or a non-ASCII byte -- and only
    those are tested.
    """
    n = len(values)
    if n == 0 or not pa.types.is_string(values.type):
        return _any_or_none(_token_or_blank_all(values, null_tokens))
    offsets, raw = string_bytes(values)
    if len(raw) == 0:
        return _any_or_none(_token_or_blank_all(values, null_tokens))
    lengths = np.diff(offsets)
    starts = offsets[:-1]
    if int(starts[-1]) >= len(raw):  # empty values at the very end of the buffer
        starts = np.minimum(starts, len(raw) - 1)
    # np.take: a plain gather, ~1.5x faster than fancy indexing here.
    suspect = lengths <= np.take(
        _suspect_lengths(tuple(null_tokens.to_pylist())), np.take(raw, starts)
    )
    suspect |= lengths == 0
    where = np.flatnonzero(suspect)
    if len(where) == 0:
        return None
    found = _token_or_blank_all(values.take(pa.array(where)), null_tokens)
    hits = np.asarray(found.to_numpy(zero_copy_only=False), dtype=bool)
    if not hits.any():
        return None
    mask = np.zeros(n, dtype=bool)
    mask[where[hits]] = True
    return pa.array(mask)


@functools.lru_cache(maxsize=32)
def _suspect_lengths(tokens: tuple[str | None, ...]) -> np.ndarray:
    """Per first byte, the longest value that could be a null token or blank: the
    longest token starting with it, any length after whitespace or a non-ASCII byte
    (a blank), -1 (none) otherwise."""
    longest = np.full(256, -1, dtype=np.int32)
    for token in tokens:
        if token:
            encoded = token.encode()
            longest[encoded[0]] = max(longest[encoded[0]], len(encoded))
    longest[:0x21] = np.iinfo(np.int32).max
    longest[0x7F:] = np.iinfo(np.int32).max
    return longest


def _token_or_blank_all(values: pa.Array, null_tokens: pa.Array) -> pa.Array:
    is_token = pc.fill_null(pc.is_in(values, value_set=null_tokens), False)
    blank = pc.fill_null(pc.utf8_is_space(values), False)
    return pc.or_(is_token, blank)


def _any_or_none(mask: pa.Array) -> pa.Array | None:
    return mask if pc.any(mask).as_py() else None


def _repr_digits(floats: list[float]) -> tuple[int, int, bool]:
    """Fraction and integer digits of floats as ``repr`` writes them, up to the first
    one written with an exponent (or inf/nan), and whether there was one.

    The same as reading each ``repr`` in a Python loop, with the string work done by
    ``map`` over the whole list: a shortest ``repr`` without an exponent has no
    leading zeros but in ``0.x`` and no trailing zeros in its fraction but in ``x.0``.
    """
    texts = list(map(repr, floats))
    joined = "\x00".join(texts)
    found = _EXPONENT_OR_SPECIAL.search(joined)
    exponent = found is not None
    if found is not None:
        texts = texts[: joined.count("\x00", 0, found.start())]
    if not texts:
        return 0, 0, exponent
    dots = np.fromiter(map(str.find, texts, repeat(".")), dtype=np.int64, count=len(texts))
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    whole = np.fromiter(map(str.endswith, texts, repeat(".0")), dtype=bool, count=len(texts))
    negative = np.fromiter(map(str.startswith, texts, repeat("-")), dtype=bool, count=len(texts))
    below_one = np.fromiter(
        map(str.startswith, texts, repeat(("0.", "-0."))), dtype=bool, count=len(texts)
    )
    fraction = np.where(whole, 0, lengths - dots - 1)
    integer = np.where(below_one, 0, dots - negative)
    return int(fraction.max()), int(integer.max()), exponent


_EXPONENT_OR_SPECIAL = re.compile("[en]")  # 1e-07, inf, nan


def _min_max(values: pa.Array) -> tuple[pa.Scalar, pa.Scalar]:
    result = pc.min_max(values)
    return result["min"], result["max"]


def _weighted(mask: pa.Array, weights: np.ndarray | None) -> int:
    """How many values a mask selects (a distinct value counts as often as it occurs)."""
    if weights is None:
        return pc.sum(mask).as_py() or 0
    return int(weights[np.asarray(mask.to_numpy(zero_copy_only=False), dtype=bool)].sum())


def _new_only(mask: pa.Array, inner: list[pa.Array]) -> pa.Array:
    """Values ``mask`` accepts that none of the narrower candidates' masks did."""
    result = mask
    for other in inner:
        result = pc.and_(result, pc.invert(other))
    return result


def _lesser(a: int | None, b: int | None) -> int | None:
    return b if a is None else a if b is None else min(a, b)


def _greater(a: int | None, b: int | None) -> int | None:
    return b if a is None else a if b is None else max(a, b)
