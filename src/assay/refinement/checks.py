"""Checking one suggestion against the schema and the data: accept or reject, and why.

The rules (documented in ``docs/refine.md``):

- a **type** is accepted only if it is narrower than the inferred one (string → date,
  float → integer, …) and the data confirms it with inference's own candidate
  validators (same tolerance), without losing information (no leading zeros or ``+``
  signs dropped from codes, no identifier formats turned into numbers);
- a **format** only for text without a format yet, confirmed by inference's format
  checks on the values (95 % like inference);
- **allowed values** only if every observed value is among them and the sample is
  known to hold every distinct value; a **pattern** only if it is a valid RE2
  expression (linear time: model output is never given a backtracking engine) that
  every value matches in full; a **range** only for numbers, containing the observed
  minimum and maximum;
- a **semantic type** only if the values can be of that type (its logical kinds,
  formats, numeric range, or few distinct values for categories);
- a **classification** never less strict than what the values or semantic type imply
  (e-mail addresses are at least ``pii``);
- a **primary key** only if the data shows its columns unique and never null; a
  **reference** only if the values are found in the referenced column.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from assay.inference.candidates import CANDIDATES, Candidate
from assay.inference.formats import FORMATS
from assay.inference.formats import check_format as format_conformance
from assay.inference.profile import DEFAULT_NULL_TOKENS
from assay.llm.suggestions import DESCRIPTION_MAX
from assay.llm.vocabulary import BY_NAME as SEMANTIC_TYPES
from assay.llm.vocabulary import FORMAT_CLASSIFICATION, FORMAT_SEMANTIC_TYPES, stricter
from assay.refinement.data import TableSample
from assay.schema import DataType, Field, Table, TypeKind

FORMAT_CONFIDENCE = 0.95  # as inference's DecideOptions.format_confidence
CATEGORY_MAX_DISTINCT = 50
CATEGORY_MAX_SHARE = 0.2
REFERENCE_MIN_COVERAGE = 0.99
# Narrower kinds each kind may become (the data must still confirm it).
NARROWER: dict[str, frozenset[str]] = {
    "string": frozenset({"boolean", "integer", "decimal", "float", "date", "datetime", "time"}),
    "mixed": frozenset({"boolean", "integer", "decimal", "float", "date", "datetime", "time"}),
    "float": frozenset({"integer", "decimal"}),
    "decimal": frozenset({"integer"}),
    "datetime": frozenset({"date"}),
}
# Formats whose values are identifiers written with digits: they stay text.
IDENTIFIER_FORMATS = frozenset({"credit-card", "iban", "phone-e164", "uuid"})
_LOSSY_NUMBER = r"^\s*(?:\+|[+-]?0\d)"  # '+49…' or '007': a number would drop the sign/zeros


@dataclass(frozen=True)
class Verdict:
    accepted: bool
    reason: str  # why not, or the evidence for
    value: Any = None  # what to write into the schema when accepted
    conforming: int = 0
    violating: int = 0
    examples: tuple[str, ...] = ()


def reject(reason: str, **numbers: Any) -> Verdict:
    return Verdict(False, reason, **numbers)


def accept(reason: str, value: Any = None, **numbers: Any) -> Verdict:
    return Verdict(True, reason, value, **numbers)


def kind_of(f: Field) -> str:
    return str(TypeKind(f.type.kind).value)


def present_text(sample: TableSample, path: str) -> pa.Array | None:
    """Sampled non-null text of a field, without inference's null tokens."""
    text = sample.text(path)
    if text is None:
        return None
    tokens = pa.array(list(DEFAULT_NULL_TOKENS), pa.string())
    return text.filter(pc.invert(pc.fill_null(pc.is_in(text, value_set=tokens), False)))


def check_description(text: str, copied: frozenset[str] = frozenset()) -> Verdict:
    """``copied``: texts of the prompt's worked example — a small model that repeats
    them describes another table's column."""
    text = " ".join(text.split())
    if not text:
        return reject("the description is empty")
    if text.lower() in copied:
        return reject("copied from the prompt's example, not about this column")
    if len(text) > DESCRIPTION_MAX:
        return reject(f"the description is longer than {DESCRIPTION_MAX} characters")
    return accept("text", text)


def check_type(f: Field, kind: str, sample: TableSample, tolerance: float) -> Verdict:
    current = kind_of(f)
    if kind == current:
        return accept("unchanged")
    if kind not in NARROWER.get(current, frozenset()):
        return reject(f"{kind} is not narrower than the inferred {current}")
    if f.format is not None and f.format.name in IDENTIFIER_FORMATS:
        return reject(f"the values are {f.format.name} identifiers, which stay text")
    if not sample.available:
        return reject(f"no data to confirm it ({sample.error or 'empty sample'})")
    values = sample.values(f.path)
    if values is None or len(values.drop_null()) == 0:
        return reject("no values to confirm it")
    values = values.drop_null()
    if pa.types.is_string(values.type) or pa.types.is_large_string(values.type):
        return _text_type(f, kind, present_text(sample, f.path), tolerance, sample)
    return _typed_type(kind, values, sample)


def _text_type(
    f: Field, kind: str, text: pa.Array | None, tolerance: float, sample: TableSample
) -> Verdict:
    if text is None or len(text) == 0:
        return reject("no values to confirm it")
    n = len(text)
    if kind in ("integer", "decimal", "float"):
        lossy = pc.sum(pc.match_substring_regex(text, _LOSSY_NUMBER)).as_py() or 0
        if lossy:
            example = text.filter(pc.match_substring_regex(text, _LOSSY_NUMBER))[0].as_py()
            return reject(
                f"{lossy} value(s) would lose a leading zero or sign as numbers, e.g. {example!r}"
            )
    best: tuple[int, Candidate, pa.Array] | None = None
    for candidate in CANDIDATES:
        if TypeKind(candidate.kind).value != kind:
            continue
        mask = candidate.matches(text)
        count = pc.sum(mask).as_py() or 0
        if best is None or count > best[0]:
            best = (count, candidate, mask)
    if best is None:
        return reject(f"assay cannot check values as {kind}")
    count, candidate, mask = best
    bad = text.filter(pc.invert(mask))
    examples = tuple(pc.unique(bad)[:3].to_pylist())
    if count < tolerance * n:
        return reject(
            f"{n - count} of {n} values are not {kind}, e.g. {', '.join(map(repr, examples))}",
            conforming=count,
            violating=n - count,
            examples=examples,
        )
    new_type = _narrowed(kind, candidate, text.filter(mask), sample)
    return accept(
        f"{count} of {n} values conform ({candidate.name}; {sample.describe()})",
        new_type,
        conforming=count,
        violating=n - count,
        examples=examples,
    )


def _narrowed(kind: str, candidate: Candidate, good: pa.Array, sample: TableSample) -> DataType:
    t = TypeKind(kind)
    if t in (TypeKind.DATE, TypeKind.TIME):
        return DataType(kind=t, pattern=candidate.pattern)
    if t is TypeKind.DATETIME:
        return DataType(kind=t, pattern=candidate.pattern, timezone=candidate.timezone)
    if t is TypeKind.INTEGER and candidate.name == "integer" and sample.complete:
        numbers = pc.cast(pc.utf8_trim_whitespace(good), pa.int64(), safe=False)
        bounds = pc.min_max(numbers)
        return DataType(kind=t, minimum=bounds["min"].as_py(), maximum=bounds["max"].as_py())
    if t is TypeKind.DECIMAL:
        precision, scale = _decimal_shape(good)
        if precision:
            return DataType(kind=t, precision=precision, scale=scale)
    return DataType(kind=t)


def _decimal_shape(values: pa.Array) -> tuple[int | None, int | None]:
    """Precision and scale covering the values: digits before and after the last
    separator (currency signs and grouping removed)."""
    whole, fraction = 0, 0
    for text in pc.unique(pc.replace_substring_regex(values, r"[^0-9.,]", "")).to_pylist():
        parts = re.split(r"[.,](?=\d*$)", text)
        head = re.sub(r"\D", "", parts[0]).lstrip("0")
        whole = max(whole, len(head) or 1)
        fraction = max(fraction, len(parts[1]) if len(parts) > 1 else 0)
    if not whole:
        return None, None
    return whole + fraction, fraction


def _typed_type(kind: str, values: pa.Array, sample: TableSample) -> Verdict:
    n = len(values)
    t = values.type
    if kind == "integer" and (pa.types.is_floating(t) or pa.types.is_decimal(t)):
        whole = pc.equal(pc.floor(values), values)
        count = pc.sum(whole).as_py() or 0
        if count < n:
            bad = tuple(str(v) for v in values.filter(pc.invert(whole))[:3].to_pylist())
            return reject(f"{n - count} of {n} values are not whole numbers", examples=bad)
        bounds = pc.min_max(values)
        lo, hi = int(bounds["min"].as_py()), int(bounds["max"].as_py())
        exact = sample.complete
        return accept(
            f"all {n} values are whole numbers ({sample.describe()})",
            DataType(
                kind=TypeKind.INTEGER, minimum=lo if exact else None, maximum=hi if exact else None
            ),
            conforming=n,
        )
    if kind == "decimal" and pa.types.is_floating(t):
        texts = [repr(v) for v in values.to_pylist()[:10000]]
        try:
            shapes = [Decimal(s).as_tuple() for s in texts]
        except InvalidOperation:
            return reject("values are not plain decimal numbers")
        scale = max((-s.exponent for s in shapes if isinstance(s.exponent, int)), default=0)
        if scale > 6 or any("e" in s.lower() for s in texts):
            return reject("values are binary floating point, not fixed-point decimals")
        digits = max(len(s.digits) for s in shapes)
        precision = max(digits, scale + 1)
        return accept(
            f"{n} values fit decimal({precision},{scale}) ({sample.describe()})",
            DataType(kind=TypeKind.DECIMAL, precision=precision, scale=scale),
            conforming=n,
        )
    if kind == "date" and pa.types.is_timestamp(t):
        midnight = pc.equal(pc.cast(values, pa.date32()).cast(t), values)
        if not pc.all(midnight).as_py():
            return reject("some values have a time of day other than midnight")
        return accept(f"all {n} values are at midnight", DataType(kind=TypeKind.DATE), conforming=n)
    return reject(f"assay cannot confirm {kind} for values of type {t}")


def check_format(f: Field, name: str, sample: TableSample, kind: str) -> Verdict:
    if name not in FORMATS:
        return reject(f"unknown format {name!r}")
    if f.format is not None:
        if f.format.name == name:
            return accept("unchanged")
        return reject(f"the field already has the format {f.format.name} (from inference)")
    if kind != "string":
        return reject(f"formats annotate text; this field is {kind}")
    text = present_text(sample, f.path) if sample.available else None
    if text is None or len(text) == 0:
        return reject(f"no values to confirm it ({sample.error or 'no data'})")
    match = check_format_values(name, text)
    if match.confidence < FORMAT_CONFIDENCE:
        shown = ", ".join(repr(v) for v in match.violations[:3])
        return reject(
            f"{match.checked - match.conforming} of {match.checked} values are not {name}, "
            f"e.g. {shown}",
            conforming=match.conforming,
            violating=match.checked - match.conforming,
            examples=tuple(match.violations[:3]),
        )
    return accept(
        f"{match.conforming} of {match.checked} values are {name} ({sample.describe()})",
        round(match.confidence, 6),
        conforming=match.conforming,
        violating=match.checked - match.conforming,
    )


def check_format_values(name: str, text: pa.Array):  # type: ignore[no-untyped-def]
    counted = pc.value_counts(text)
    return format_conformance(name, counted.field("values"), counted.field("counts"))


def check_enum(f: Field, values: tuple[str, ...], sample: TableSample) -> Verdict:
    if f.constraints is not None and f.constraints.enum is not None:
        if set(map(str, f.constraints.enum)) == set(values):
            return accept("unchanged")
        return reject("the field already has allowed values observed by inference")
    if kind_of(f) in ("object", "array", "mixed", "null"):
        return reject(f"allowed values do not apply to a {kind_of(f)} field")
    text = present_text(sample, f.path) if sample.available else None
    if text is None or len(text) == 0:
        return reject(f"no values to confirm it ({sample.error or 'no data'})")
    observed = set(pc.unique(pc.utf8_trim_whitespace(text)).to_pylist())
    allowed = {v.strip() for v in values}
    missing = sorted(observed - allowed)
    if missing:
        shown = ", ".join(repr(v) for v in missing[:3])
        return reject(f"{len(missing)} observed value(s) are not allowed, e.g. {shown}")
    stats = f.stats
    if not sample.complete and not (
        stats is not None and stats.distinct_exact and stats.distinct == len(observed)
    ):
        return reject("cannot show that the sample holds every distinct value")
    unseen = len(allowed - observed)
    note = f"all {len(observed)} observed values are allowed ({sample.describe()})"
    if unseen:
        note += f"; {unseen} allowed value(s) not seen"
    return accept(note, tuple(sorted(allowed)), conforming=len(text))


def check_pattern(f: Field, pattern: str, sample: TableSample) -> Verdict:
    if kind_of(f) in ("object", "array", "null"):
        return reject(f"a pattern does not apply to a {kind_of(f)} field")
    text = present_text(sample, f.path) if sample.available else None
    if text is None or len(text) == 0:
        return reject(f"no values to confirm it ({sample.error or 'no data'})")
    anchored = f"^(?:{pattern})$"
    try:
        mask = pc.match_substring_regex(text, anchored)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
        return reject(f"not a valid RE2 regular expression: {str(exc).splitlines()[0]}")
    count = pc.sum(mask).as_py() or 0
    if count < len(text):
        bad = tuple(pc.unique(text.filter(pc.invert(mask)))[:3].to_pylist())
        return reject(
            f"{len(text) - count} of {len(text)} values do not match, e.g. "
            + ", ".join(map(repr, bad)),
            conforming=count,
            violating=len(text) - count,
            examples=bad,
        )
    return accept(f"all {count} values match ({sample.describe()})", pattern, conforming=count)


def check_range(
    f: Field, minimum: float | None, maximum: float | None, sample: TableSample
) -> Verdict:
    kind = kind_of(f)
    if kind not in ("integer", "decimal", "float"):
        return reject(f"a numeric range does not apply to a {kind} field")
    if minimum is not None and maximum is not None and minimum > maximum:
        return reject(f"minimum {minimum} is above maximum {maximum}")
    lo, hi = _observed_bounds(f)
    if lo is None or hi is None:
        return reject("no observed minimum and maximum to confirm it")
    if minimum is not None and lo < minimum:
        return reject(f"the observed minimum {lo} is below {minimum}")
    if maximum is not None and hi > maximum:
        return reject(f"the observed maximum {hi} is above {maximum}")
    return accept(f"observed range {lo}..{hi} lies within it", (minimum, maximum))


def _observed_bounds(f: Field) -> tuple[float | None, float | None]:
    """Minimum and maximum over all rows, from inference's statistics."""
    candidates = [(f.stats.min, f.stats.max)] if f.stats is not None else []
    candidates.append((f.type.minimum, f.type.maximum))
    for lo, hi in candidates:
        try:
            if lo is not None and hi is not None:
                return float(lo), float(hi)
        except (TypeError, ValueError):
            continue
    return None, None


def check_semantic_type(f: Field, name: str, kind: str, sample: TableSample) -> Verdict:
    spec = SEMANTIC_TYPES.get(name)
    if spec is None:
        return reject(f"unknown semantic type {name!r}")
    if spec.kinds and kind not in spec.kinds:
        return reject(f"{name} values cannot be of type {kind}")
    implied = FORMAT_SEMANTIC_TYPES.get(f.format.name) if f.format is not None else None
    if implied is not None and implied != name:
        return reject(f"the values are {f.format.name} (confirmed on the data), so {implied}")
    if spec.formats:
        if f.format is not None and f.format.name in spec.formats:
            pass
        else:
            text = present_text(sample, f.path) if sample.available else None
            if text is None or len(text) == 0:
                return reject(f"no values to confirm {name} ({sample.error or 'no data'})")
            best = max(check_format_values(n, text).confidence for n in spec.formats)
            if best < FORMAT_CONFIDENCE:
                return reject(f"only {best:.0%} of the values are {' or '.join(spec.formats)}")
    if spec.minimum is not None or spec.maximum is not None:
        lo, hi = _observed_bounds(f)
        if lo is None or hi is None:
            return reject(f"no observed range to confirm {name}")
        if (spec.minimum is not None and lo < spec.minimum) or (
            spec.maximum is not None and hi > spec.maximum
        ):
            return reject(f"observed values {lo}..{hi} are outside {spec.minimum}..{spec.maximum}")
    if spec.shape is not None and kind == "string":
        verdict = _shape(f, name, spec.shape, sample)
        if verdict is not None:
            return verdict
    if spec.categorical and f.stats is not None and f.stats.distinct is not None:
        present = max(1, f.stats.count - f.stats.nulls)
        limit = max(CATEGORY_MAX_DISTINCT, CATEGORY_MAX_SHARE * present)
        if f.stats.distinct > limit and f.stats.distinct > 0.5 * present:
            return reject(f"{f.stats.distinct} distinct values are too many for {name}")
    return accept(f"{name} fits the values", name)


SHAPES = {
    "no_spaces": (r"\S\s+\S", "contain spaces"),
    "no_digits": (r"\d", "contain digits"),
}
SHAPE_SHARE = 0.95


def _shape(f: Field, name: str, shape: str, sample: TableSample) -> Verdict | None:
    """Reject when more than 5 % of the values have the wrong shape (a street is not an
    identifier: it has spaces; a payment reference is not a person's name: it has digits)."""
    text = present_text(sample, f.path) if sample.available else None
    if text is None or len(text) == 0:
        return reject(f"no values to confirm {name} ({sample.error or 'no data'})")
    regex, words = SHAPES[shape]
    bad = pc.sum(pc.match_substring_regex(text, regex)).as_py() or 0
    if bad > (1 - SHAPE_SHARE) * len(text):
        example = text.filter(pc.match_substring_regex(text, regex))[0].as_py()
        return reject(f"{bad} of {len(text)} values {words}, e.g. {example!r}; not {name}")
    return None


def check_classification(f: Field, value: str, semantic: str | None) -> Verdict:
    implied = None
    if f.format is not None:
        implied = FORMAT_CLASSIFICATION.get(f.format.name)
    if semantic is not None and semantic in SEMANTIC_TYPES:
        implied = stricter(implied, SEMANTIC_TYPES[semantic].classification)
    if implied is not None and stricter(value, implied) != value:
        return reject(f"the values are at least {implied}, not {value}")
    return accept("classification", value)


def check_primary_key(table: Table, columns: tuple[str, ...], sample: TableSample) -> Verdict:
    if not columns:
        return accept("unchanged")
    paths = {f.path: f for f in table.fields}
    unknown = [c for c in columns if c not in paths]
    if unknown:
        return reject(f"{', '.join(unknown)} is not a top-level column of {table.name}")
    nested = [c for c in columns if kind_of(paths[c]) in ("object", "array")]
    if nested:
        return reject(f"{', '.join(nested)} holds objects or arrays, not key values")
    if table.primary_key is not None:
        if tuple(table.primary_key.fields) == columns:
            return accept("unchanged")
        return reject(f"the table already has the key {', '.join(table.primary_key.fields)}")
    if len(columns) == 1:
        f = table.field(columns[0])
        s = f.stats
        if s is not None and s.distinct_exact and s.nulls == 0 and s.count == table.row_count:
            if s.distinct == s.count:
                return accept(f"{s.count} rows, {s.distinct} distinct values, no nulls", columns)
            return reject(f"{s.count - (s.distinct or 0)} duplicate value(s) in {columns[0]}")
    if not sample.complete:
        return reject("uniqueness cannot be confirmed without reading every row")
    arrays = [sample.values(c) for c in columns]
    if any(a is None for a in arrays):
        return reject("some key column has no values")
    tokens = pa.array(list(DEFAULT_NULL_TOKENS), pa.string())
    texts = []
    for c, a in zip(columns, arrays, strict=True):
        text = a.cast(pa.string())
        nulls = pc.sum(pc.or_(pc.is_null(text), pc.is_in(text, value_set=tokens))).as_py() or 0
        if nulls:
            return reject(f"{c} has {nulls} null value(s)")
        texts.append(text)
    keys = pa.table({f"k{i}": t for i, t in enumerate(texts)})
    distinct = keys.group_by(keys.column_names).aggregate([]).num_rows
    if distinct != keys.num_rows:
        return reject(f"{keys.num_rows - distinct} duplicate key(s) in {sample.describe()}")
    return accept(f"unique and never null in {sample.describe()}", columns)


def check_reference(
    child: Field, child_sample: TableSample, parent: Field, parent_sample: TableSample
) -> tuple[Verdict, float]:
    """Are ``child``'s values found in ``parent``'s?  Returns the verdict and coverage."""
    if not parent_sample.complete:
        return reject(
            f"the referenced table cannot be read in full ({parent_sample.describe()})"
        ), 0.0
    left = present_text(child_sample, child.path) if child_sample.available else None
    right = present_text(parent_sample, parent.path)
    if left is None or right is None or len(left) == 0:
        return reject("no values to confirm it"), 0.0
    distinct = pc.unique(pc.utf8_trim_whitespace(left))
    found = pc.is_in(distinct, value_set=pc.unique(pc.utf8_trim_whitespace(right)))
    hits = pc.sum(found).as_py() or 0
    coverage = hits / len(distinct)
    if coverage < REFERENCE_MIN_COVERAGE:
        missing = tuple(distinct.filter(pc.invert(found))[:3].to_pylist())
        return reject(
            f"{len(distinct) - hits} of {len(distinct)} distinct values are not in "
            f"{parent.path}, e.g. {', '.join(map(repr, missing))}",
            examples=missing,
        ), coverage
    return accept(f"{hits} of {len(distinct)} distinct values found"), coverage
