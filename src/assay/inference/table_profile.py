"""Profile every column of a table, batch by batch, nested columns included.

Struct members become dotted paths (``shipping.city``), list items ``tags[]``; each
path gets a :class:`ColumnProfile`.  Profiles of different batches merge, so a table
can be profiled by several workers and combined.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from assay.inference.candidates import CANDIDATES
from assay.inference.profile import DEFAULT_NULL_TOKENS, ColumnProfile, Numbers
from assay.inference.sketches import hash_columns

FormatChecker = Callable[[ColumnProfile, pa.Array], None]
TEMPORAL_CANDIDATES = tuple(
    c.name for c in CANDIDATES if str(c.kind) in ("date", "datetime", "time")
)


@dataclass
class ProfileOptions:
    null_tokens: tuple[str, ...] = DEFAULT_NULL_TOKENS
    json_strings: bool = False  # JSON text values: numbers-as-strings stay strings
    max_depth: int = 10
    sample_rows: int | None = None  # profile about this many rows, spread over the input
    formats: FormatChecker | None = None


@dataclass
class BatchWork:
    """A batch being added to a :class:`TableProfile`, one column at a time."""

    batch: pa.RecordBatch
    seed: int
    options: ProfileOptions
    tokens: pa.Array  # the null tokens, as an array for is_in
    sketched: dict[str, int]  # text columns counted approximately: hashed in one call
    created: list[list[str]]  # per column, the paths first seen in this batch
    hashes: dict[str, np.ndarray] = field(default_factory=dict)

    def hash(self) -> None:
        """Hash the sketched columns together (one DuckDB call costs ~1 ms)."""
        self.hashes = hash_columns({n: self.batch.column(i) for n, i in self.sketched.items()})


@dataclass
class TableProfile:
    rows: int = 0
    columns: dict[str, ColumnProfile] = field(default_factory=dict)
    order: list[str] = field(default_factory=list)  # first-seen order of paths
    defer_hashing: bool = False  # sketches hash later (:meth:`settle`): the head's way

    def settle(self) -> None:
        """Make the hashes every column's sketch still owes (see ``defer_hashing``)."""
        for path in self.order:
            self.columns[path].counts.settle()

    def plan(self) -> TableProfile:
        """Empty profiles for every column, testing only what this profile left open."""
        planned = TableProfile()
        for path in self.order:
            planned.columns[path] = self.columns[path].plan()
            planned.order.append(path)
        return planned

    def column(self, path: str, created: list[str] | None = None) -> ColumnProfile:
        """The profile of ``path``, made on first sight.

        A new path joins ``order`` at once, or, while a batch is added column by column
        on several threads, is listed in ``created`` and joins in :meth:`finish`, so the
        order of paths never depends on which thread came first.
        """
        profile = self.columns.get(path)
        if profile is None:
            profile = self.columns[path] = ColumnProfile(path)
            profile.counts.defer_hashing = self.defer_hashing
            (self.order if created is None else created).append(path)
        return profile

    def add(self, batch: pa.RecordBatch, seed: int, options: ProfileOptions) -> None:
        work = self.start(batch, seed, options)
        work.hash()
        for i in range(batch.num_columns):
            self.add_column(work, i)
        self.finish(work)

    def start(self, batch: pa.RecordBatch, seed: int, options: ProfileOptions) -> BatchWork:
        """Begin adding ``batch``: its columns may then be added in any order, on any
        thread (one column at a time), after :meth:`BatchWork.hash`; then :meth:`finish`."""
        self.rows += batch.num_rows
        sketched = {
            name: i
            for i, name in enumerate(batch.schema.names)
            if name in self.columns
            and not self.columns[name].counts.exact
            and pa.types.is_string(batch.schema.field(i).type)
        }
        return BatchWork(
            batch,
            seed,
            options,
            pa.array(list(options.null_tokens), pa.string()),
            sketched,
            [[] for _ in range(batch.num_columns)],
        )

    def add_column(self, work: BatchWork, i: int) -> None:
        batch = work.batch
        name = batch.schema.names[i]
        self._add(
            name,
            batch.column(i),
            batch.schema.field(i),
            work.seed + i,
            work.options,
            work.tokens,
            0,
            work.hashes.get(name),
            work.created[i],
        )

    def finish(self, work: BatchWork) -> None:
        """Paths first seen in the batch join ``order`` column by column."""
        for paths in work.created:
            self.order.extend(paths)

    def _add(
        self,
        path: str,
        values: pa.Array,
        f: pa.Field,
        seed: int,
        options: ProfileOptions,
        tokens: pa.Array,
        depth: int,
        hashes: np.ndarray | None = None,
        created: list[str] | None = None,
    ) -> None:
        t = values.type
        profile = self.column(path, created)
        if pa.types.is_dictionary(t):
            values = values.cast(t.value_type)
            t = values.type
        if pa.types.is_large_string(t):
            values = values.cast(pa.string())
            t = values.type
        if pa.types.is_string(t):
            if f.metadata and f.metadata.get(b"assay.encoding") == b"json":
                _add_json_text(profile, values, tokens, seed)
                return
            if options.json_strings and profile.conforming is None:
                profile.conforming = dict.fromkeys(TEMPORAL_CANDIDATES, 0)
            profile.add_text(values, seed, tokens, hashes)
            if options.formats is not None and profile.conforming is not None:
                text = profile.last_text
                if text is not None and len(text):
                    options.formats(profile, text)
            profile.last_counted = None
            profile.last_text = None
            return
        if pa.types.is_struct(t):
            profile.present += len(values)
            profile.nulls += values.null_count
            profile.kinds["object"] += len(values) - values.null_count
            if depth >= options.max_depth:
                return
            present = values
            if values.null_count:
                # A member of an absent object is absent, not null: profile members only
                # where their object exists (nullability relative to the parent).
                present = values.filter(pc.is_valid(values))
            for j in range(t.num_fields):
                child = t.field(j)
                member = pc.struct_field(present, j)
                self._add(
                    f"{path}.{child.name}",
                    member,
                    child,
                    seed * 31 + j,
                    options,
                    tokens,
                    depth + 1,
                    created=created,
                )
            return
        if pa.types.is_list(t) or pa.types.is_large_list(t) or pa.types.is_fixed_size_list(t):
            profile.present += len(values)
            profile.nulls += values.null_count
            profile.kinds["array"] += len(values) - values.null_count
            lengths = pc.list_value_length(values).drop_null()
            if len(lengths):
                bounds = pc.min_max(lengths)
                lo, hi = bounds["min"], bounds["max"]
                profile.min_length = (
                    lo.as_py()
                    if profile.min_length is None
                    else min(profile.min_length, lo.as_py())
                )
                profile.max_length = (
                    hi.as_py()
                    if profile.max_length is None
                    else max(profile.max_length, hi.as_py())
                )
            if depth >= options.max_depth:
                return
            items = pc.list_flatten(values)
            self._add(
                f"{path}[]",
                items,
                t.value_field,
                seed * 37,
                options,
                tokens,
                depth + 1,
                created=created,
            )
            return
        if pa.types.is_null(t):
            profile.present += len(values)
            profile.nulls += len(values)
            return
        profile.add_typed(values, _kind(t), seed)


def _kind(t: pa.DataType) -> str:
    if pa.types.is_boolean(t):
        return "boolean"
    if pa.types.is_integer(t):
        return "integer"
    if pa.types.is_floating(t):
        return "float"
    if pa.types.is_decimal(t):
        return "float"
    if pa.types.is_date(t):
        return "date"
    if pa.types.is_timestamp(t):
        return "datetime"
    if pa.types.is_time(t):
        return "time"
    if pa.types.is_duration(t):
        return "duration"
    if pa.types.is_binary(t) or pa.types.is_large_binary(t) or pa.types.is_fixed_size_binary(t):
        return "binary"
    return "string"


def _add_json_text(profile: ColumnProfile, values: pa.Array, tokens: pa.Array, seed: int) -> None:
    """A column Arrow could not type (values of several JSON types), kept as JSON text.

    JSON strings that are null tokens (``"N/A"`` among numbers) count as nulls; if what
    remains is all numbers, the column is profiled as numbers.
    """
    quoted = pa.array([f'"{t}"' for t in tokens.to_pylist()], pa.string())
    is_token = pc.fill_null(pc.is_in(values, value_set=quoted), False)
    if pc.any(is_token).as_py():
        for token in pc.filter(values, is_token).to_pylist():
            profile.null_tokens[token.strip('"')] += 1
        values = pc.if_else(is_token, pa.scalar(None, pa.string()), values)
    present = values.drop_null()
    integers = pc.match_substring_regex(present, r"^-?\d{1,18}$")
    if pc.all(integers).as_py():
        profile.add_typed(pc.cast(values, pa.int64()), "integer", seed)
        return
    if pc.all(pc.match_substring_regex(present, r"^-?\d+$")).as_py():
        # Integers beyond 64 bits (JSON ids): exact digits, typed as decimal(p, 0).
        profile.present += len(values)
        profile.nulls += values.null_count
        profile.kinds["integer"] += len(present)
        numbers = profile.numbers.setdefault("integer", Numbers())
        numbers.count += len(present)
        numbers.overflow = True
        digits = pc.utf8_length(pc.replace_substring(present, "-", ""))
        numbers.int_digits = max(numbers.int_digits, pc.max(digits).as_py() or 0)
        profile.counts.add(present)
        return
    if pc.all(pc.match_substring_regex(present, r"^-?\d+(\.\d+)?([eE][+-]?\d+)?$")).as_py():
        profile.add_typed(pc.cast(values, pa.float64()), "float", seed)
        return
    profile.json_text = True
    profile.present += len(values)
    profile.nulls += values.null_count
    first = pc.utf8_slice_codeunits(present, 0, 1)
    counted = pc.value_counts(first)
    kinds = {"{": "object", "[": "array", '"': "string", "t": "boolean", "f": "boolean"}
    for char, count in zip(
        counted.field("values").to_pylist(), counted.field("counts").to_pylist(), strict=True
    ):
        kind = kinds.get(char)
        if kind is None:
            text = pc.filter(present, pc.equal(first, char))
            ints = pc.sum(pc.match_substring_regex(text, r"^-?\d+$")).as_py() or 0
            if ints:
                profile.kinds["integer"] += ints
            if count - ints:
                profile.kinds["float"] += count - ints
            continue
        profile.kinds[kind] += count
    for value in present[:5].to_pylist():
        if value not in profile.examples and len(profile.examples) < 5:
            profile.examples.append(value)


def spread_sample(batch: pa.RecordBatch, fraction: float, seed: int) -> pa.RecordBatch:
    """Rows of a batch kept with probability ``fraction`` (for --sample)."""
    if fraction >= 1.0:
        return batch
    keep = np.random.default_rng(seed).random(batch.num_rows) < fraction
    return batch.filter(pa.array(keep))
