"""Checks of what a suggestion says about the values: descriptions, semantic types,
classifications, allowed values, patterns and ranges."""

from __future__ import annotations

import re

import pyarrow as pa
import pyarrow.compute as pc

from assay.llm.suggestions import DESCRIPTION_MAX
from assay.llm.vocabulary import BY_NAME as SEMANTIC_TYPES
from assay.llm.vocabulary import FORMAT_CLASSIFICATION, FORMAT_SEMANTIC_TYPES, stricter
from assay.refinement.data import TableSample
from assay.refinement.type_checks import FORMAT_CONFIDENCE, check_format_values
from assay.refinement.verdict import Verdict, accept, kind_of, present_text, reject
from assay.schema import Field

CATEGORY_MAX_DISTINCT = 50
CATEGORY_MAX_SHARE = 0.2
# A description whose distinct words are under half of its words is a small model
# looping ("The response to a review. The response to a review. The …").
REPEAT_MIN_WORDS = 8
REPEAT_MAX_SHARE = 0.5


def check_description(
    text: str,
    copied: frozenset[str] = frozenset(),
    subjects: frozenset[str] = frozenset(),
    context: str = "",
) -> Verdict:
    """``copied``: texts of the prompt's worked example — a small model that repeats
    them describes another table's column; ``subjects``: the example's subject words
    (``employee``), which a description may use only when ``context`` (the table and
    column names) mentions them too."""
    text = " ".join(text.split())
    if not text:
        return reject("the description is empty")
    if text.lower() in copied:
        return reject("copied from the prompt's example, not about this column")
    known = set(re.findall(r"[a-z]+", context.lower()))
    for word in re.findall(r"[a-z]+", text.lower()):
        if word in subjects and word not in known:
            return reject(f"speaks of {word!r}, a word of the prompt's example, not of this table")
    words = text.lower().split()
    if len(words) >= REPEAT_MIN_WORDS and len(set(words)) < REPEAT_MAX_SHARE * len(words):
        return reject("the text repeats itself")
    if len(text) > DESCRIPTION_MAX:
        return reject(f"the description is longer than {DESCRIPTION_MAX} characters")
    return accept("text", text)


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
