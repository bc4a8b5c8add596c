"""Checks of suggested types and formats: narrower than inferred, confirmed on the data
by inference's own candidate validators and format checks, without losing information."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

import pyarrow as pa
import pyarrow.compute as pc

from assay.inference.candidates import CANDIDATES, Candidate
from assay.inference.formats import FORMATS
from assay.inference.formats import check_format as format_conformance
from assay.refinement.data import TableSample
from assay.refinement.verdict import Verdict, accept, kind_of, present_text, reject
from assay.schema import DataType, Field, TypeKind

FORMAT_CONFIDENCE = 0.95  # as inference's DecideOptions.format_confidence
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
