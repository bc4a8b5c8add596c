"""Turn merged column profiles into schema fields: the decision rules, in one place.

The type rule: a text column gets the narrowest candidate type to which at least
``tolerance`` (default 99.9 %) of its non-null values conform; the values that do not
are reported as evidence (the loader rejects them later).  Candidates, narrow to wide:
boolean, integer, decimal, float, date, datetime, time, and string for everything else.
Then the special cases a data engineer expects:

- a value with a leading zero (``01067``) makes a numeric-looking column text;
- ``0``/``1`` alone stays integer; yes/no, true/false, y/n, t/f, on/off are booleans;
- integers beyond 64 bits become ``decimal(p, 0)``;
- decimal comma vs dot: when both readings fit every value (``1,234``) the file's
  convention decides (``;``-separated files use the comma) and the column is flagged;
- day-first vs month-first dates: when both fit, the same convention decides and the
  column is flagged ``ambiguous_date``;
- ``YYYYMMDD`` integers are dates only when every value is a valid date;
- integers in the epoch-seconds/milliseconds range get a hint, never a new type.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assay.inference.candidates import BY_NAME, CANDIDATES
from assay.inference.formats import NAMED_FORMATS
from assay.inference.profile import CONTAINS, EXAMPLES, ColumnProfile
from assay.schema import (
    Constraints,
    DataType,
    Evidence,
    Field,
    FormatInfo,
    Histogram,
    Provenance,
    Stats,
    TypeKind,
)

INFERENCE = Provenance(source="inference", detail="rules")
_INT64 = 2**63 - 1


@dataclass(frozen=True)
class DecideOptions:
    tolerance: float = 0.999
    decimal_separator: str = "."  # the file's convention, for ambiguous columns
    enum_max: int = 12
    format_confidence: float = 0.95
    formats: bool = True


def decide_field(profile: ColumnProfile, rows: int, options: DecideOptions) -> Field:
    name = profile.path.rsplit(".", 1)[-1]
    evidence: list[Evidence] = []
    hints: list[str] = []
    chosen: str | None = None
    if profile.json_text or (
        len([k for k in profile.kinds if k != "null"]) > 1 and not _numeric_mix(profile)
    ):
        data_type = _mixed(profile)
        evidence.append(
            Evidence(
                decision="type",
                rule="several-json-types",
                note=", ".join(f"{k}: {v}" for k, v in sorted(profile.kinds.items())),
            )
        )
    elif profile.conforming is not None:
        data_type = _decide_text(profile, options, evidence, hints)
        chosen = next(
            (e.note for e in evidence if e.decision == "type" and e.note in BY_NAME), None
        )
        if TypeKind(data_type.kind) is TypeKind.INTEGER and _is_identifier(profile, options):
            # Card numbers are digits, not quantities: keep them text.
            data_type = DataType(kind=TypeKind.STRING, max_length=profile.max_length)
            chosen = None
            evidence.append(
                Evidence(decision="type", rule="identifier-format-stays-text", note="credit-card")
            )
    else:
        data_type = _decide_typed(profile, evidence)
    frequency = round(profile.present / rows, 6) if rows else 1.0
    nullable = profile.nulls > 0 or frequency < 1.0
    if profile.null_tokens:
        tokens = ", ".join(f"{t!r}×{c}" for t, c in sorted(profile.null_tokens.items()))
        evidence.append(
            Evidence(
                decision="nullable",
                rule="null-tokens",
                conforming=sum(profile.null_tokens.values()),
                note=tokens,
            )
        )
    fmt = _format(profile, data_type, options, evidence)
    stats = _stats(profile, data_type, chosen)
    constraints = _constraints(profile, data_type, options, stats)
    return Field(
        name=name,
        path=profile.path,
        type=data_type,
        nullable=nullable,
        frequency=frequency,
        format=fmt,
        constraints=constraints,
        hints=tuple(hints),
        stats=stats,
        examples=tuple(profile.examples[:EXAMPLES]),
        evidence=tuple(evidence),
        provenance=(INFERENCE,),
    )


def _numeric_mix(profile: ColumnProfile) -> bool:
    kinds = {k for k in profile.kinds if k != "null"}
    return kinds <= {"integer", "float"} or kinds <= {"date", "datetime"}


def _mixed(profile: ColumnProfile) -> DataType:
    distribution = {k: v for k, v in sorted(profile.kinds.items()) if k != "null" and v}
    kinds = set(distribution)
    if kinds == {"string"}:
        return DataType(kind=TypeKind.STRING, max_length=profile.max_length)
    if len(kinds) == 1:
        return DataType(kind=TypeKind(next(iter(kinds))))
    return DataType(kind=TypeKind.MIXED, distribution=distribution)


def _decide_text(
    profile: ColumnProfile, options: DecideOptions, evidence: list[Evidence], hints: list[str]
) -> DataType:
    n = profile.text_values
    if n == 0:
        evidence.append(Evidence(decision="type", rule="all-null"))
        return DataType(kind=TypeKind.NULL)
    alive = profile.conforming or {}
    allowed = allowed_violations(n, options.tolerance)
    viable = [c for c in CANDIDATES if n - alive.get(c.name, 0) <= allowed]
    numeric_kinds = (TypeKind.INTEGER, TypeKind.DECIMAL, TypeKind.FLOAT)
    all_numeric = [c for c in viable if c.kind in numeric_kinds]
    # Numbers may already have been dropped from the plan for this very reason.
    codes = bool(all_numeric) or (profile.leading_zeros and not viable)
    if profile.leading_zeros and codes:
        viable = [c for c in viable if c not in all_numeric]
        hints.append("leading_zeros")
        evidence.append(
            Evidence(
                decision="type",
                rule="codes-stay-text",
                # Numbers stop being tested once codes are seen (usually in the head of
                # the input): say of how many values the count is.
                note=(
                    f"{profile.leading_zeros:,} of the {profile.leading_zero_checked:,} "
                    "values tested as numbers have a leading zero or '+': identifiers, "
                    "not numbers"
                ),
                violating=profile.leading_zeros,
                examples=tuple(profile.leading_zero_examples[:EXAMPLES]),
            )
        )
    names = {c.name for c in viable}
    if "date_compact" in names:
        numeric = (TypeKind.INTEGER, TypeKind.DECIMAL, TypeKind.FLOAT)
        viable = [c for c in viable if c.kind not in numeric]
    comma_first = options.decimal_separator == ","
    dot = {"integer_comma", "decimal_dot"}
    comma = {"integer_dot", "integer_space", "decimal_comma"}
    first = viable[0].name if viable else None
    if first in dot | comma and names & dot and names & comma:
        drop = dot if comma_first else comma
        viable = [c for c in viable if c.name not in drop]
        hints.append("ambiguous_decimal_separator")
    if {"date_dmy_slash", "date_mdy_slash"} <= names or {
        "datetime_dmy_slash",
        "datetime_mdy_slash",
    } <= names:
        drop = (
            {"date_mdy_slash", "datetime_mdy_slash"}
            if comma_first
            else {"date_dmy_slash", "datetime_dmy_slash"}
        )
        viable = [c for c in viable if c.name not in drop]
        hints.append("ambiguous_date")
    if not viable and not profile.leading_zeros:
        best = max(
            (c for c in CANDIDATES if alive.get(c.name)),
            key=lambda c: alive.get(c.name, 0),
            default=None,
        )
        if best is not None and alive[best.name] >= 0.5 * n:
            evidence.append(
                Evidence(
                    decision="type",
                    rule=f"below-tolerance-{options.tolerance}",
                    conforming=alive[best.name],
                    violating=n - alive[best.name],
                    examples=tuple(profile.violations.get(best.name, [])[:EXAMPLES]),
                    confidence=round(alive[best.name] / n, 6),
                    note=f"not {best.kind}: too many values do not conform",
                )
            )
    if not viable:
        return DataType(kind=TypeKind.STRING, max_length=profile.max_length)
    chosen = viable[0]
    ok = alive[chosen.name]
    evidence.append(
        Evidence(
            decision="type",
            rule="all-conform" if ok == n else f"tolerance-{options.tolerance}",
            conforming=ok,
            violating=n - ok,
            examples=tuple(profile.violations.get(chosen.name, [])[:EXAMPLES]) if ok < n else (),
            confidence=round(ok / n, 6),
            note=chosen.name,
        )
    )
    return _typed_candidate(profile, chosen.name, hints)


def allowed_violations(values: int, tolerance: float) -> int:
    """Non-conforming values a column may have and keep its type.

    ``(1 - tolerance)`` of the values, and at least one once a column has 100 values:
    one stray value in a few hundred rows (a typo, a bad date) should be rejected at
    load time, not turn the whole column into text.
    """
    return max(int((1.0 - tolerance) * values + 1e-9), 1 if values >= 100 else 0)


def _typed_candidate(profile: ColumnProfile, name: str, hints: list[str]) -> DataType:
    candidate = BY_NAME[name]
    kind = candidate.kind
    if candidate.thousands_separator:
        hints.append(f"thousands_separator:{candidate.thousands_separator}")
    if candidate.decimal_separator == ",":
        hints.append("decimal_separator:,")
    if kind is TypeKind.BOOLEAN:
        return DataType(kind=kind)
    if kind in (TypeKind.INTEGER, TypeKind.DECIMAL):
        numbers = combined_numbers(profile, name)
        decorated = numbers.decorated if numbers else {}
        for symbol in sorted(decorated):
            hints.append("percent" if symbol == "%" else f"currency:{symbol}")
        if numbers is None or numbers.count == 0:
            return DataType(kind=kind)
        digits = numbers.int_digits
        if kind is TypeKind.INTEGER and not numbers.overflow and digits <= 19:
            lo = numbers.exact_min if numbers.exact_min is not None else int(numbers.minimum or 0)
            hi = numbers.exact_max if numbers.exact_max is not None else int(numbers.maximum or 0)
            _epoch_hint(lo, hi, hints)
            return DataType(kind=kind, minimum=lo, maximum=hi)
        scale = numbers.scale if kind is TypeKind.DECIMAL else 0
        return DataType(kind=TypeKind.DECIMAL, precision=max(digits + scale, 1), scale=scale)
    if kind is TypeKind.FLOAT:
        return DataType(kind=kind)
    pattern = _time_pattern(candidate.pattern, profile.examples)
    if kind is TypeKind.DATETIME:
        return DataType(kind=kind, pattern=pattern, timezone=bool(candidate.timezone))
    return DataType(kind=kind, pattern=pattern)


_SECONDS = re.compile(r"\d:\d{2}:\d{2}")
_FRACTION = re.compile(r"\d:\d{2}:\d{2}[.,]\d")
_MERIDIEM = re.compile(r"(?i)\d\s?[ap]m\s*$")


def _time_pattern(pattern: str | None, examples: list[object]) -> str | None:
    """The candidate's pattern with the time part the values actually use."""
    if pattern is None or "%H:%M" not in pattern:
        return pattern
    texts = [str(e) for e in examples if isinstance(e, str)]
    if not texts:
        return pattern
    time = "%H:%M"
    if all(_SECONDS.search(t) for t in texts):
        time += ":%S.%f" if all(_FRACTION.search(t) for t in texts) else ":%S"
    if all(_MERIDIEM.search(t) for t in texts):
        time = time.replace("%H", "%I") + " %p"
    return pattern.replace("%H:%M", time)


def _epoch_hint(lo: int, hi: int, hints: list[str]) -> None:
    if lo >= 946_684_800 and hi <= 2_524_608_000:  # 2000-01-01 .. 2050-01-01
        hints.append("epoch_seconds")
    elif lo >= 946_684_800_000 and hi <= 2_524_608_000_000:
        hints.append("epoch_milliseconds")


def _decide_typed(profile: ColumnProfile, evidence: list[Evidence]) -> DataType:
    kinds = {k for k, v in profile.kinds.items() if v and k != "null"}
    if not kinds:
        evidence.append(Evidence(decision="type", rule="all-null"))
        return DataType(kind=TypeKind.NULL)
    evidence.append(Evidence(decision="type", rule="source-type", note=", ".join(sorted(kinds))))
    if kinds == {"integer"}:
        n = profile.numbers.get("integer")
        if n is not None and n.overflow:
            return DataType(kind=TypeKind.DECIMAL, precision=n.int_digits, scale=0)
        if n is None or n.minimum is None:
            return DataType(kind=TypeKind.INTEGER)
        return DataType(kind=TypeKind.INTEGER, minimum=int(n.minimum), maximum=int(n.maximum or 0))
    if kinds <= {"integer", "float"}:
        # JSON numbers keep their literal: a fraction is a decimal, an exponent a float.
        f = profile.numbers.get("float")
        i = profile.numbers.get("integer")
        scale = f.scale if f else 0
        int_max = max(abs(i.minimum or 0), abs(i.maximum or 0)) if i and i.count else 0
        digits = max(f.int_digits if f else 0, len(str(int(int_max))) if int_max else 0)
        if f is not None and 0 < scale < 99 and digits + scale <= 38:
            return DataType(kind=TypeKind.DECIMAL, precision=max(digits + scale, 1), scale=scale)
        return DataType(kind=TypeKind.FLOAT)
    if kinds <= {"date", "datetime"}:
        return DataType(kind=TypeKind.DATETIME if "datetime" in kinds else TypeKind.DATE)
    if len(kinds) == 1:
        kind = next(iter(kinds))
        if kind in ("object", "array"):
            return DataType(kind=TypeKind(kind))
        return DataType(kind=TypeKind(kind))
    return DataType(kind=TypeKind.MIXED, distribution=dict(sorted(profile.kinds.items())))


def _is_identifier(profile: ColumnProfile, options: DecideOptions) -> bool:
    entry = (profile.formats or {}).get("credit-card")
    if not entry or not entry[1]:
        return False
    return entry[1] - entry[0] <= allowed_violations(entry[1], options.tolerance)


def _coordinate(profile: ColumnProfile, data_type: DataType) -> FormatInfo | None:
    """Latitude/longitude for typed numbers: a coordinate-like name and values in range."""
    if TypeKind(data_type.kind) not in (TypeKind.DECIMAL, TypeKind.FLOAT):
        return None
    bounds = [
        (n.minimum, n.maximum)
        for n in profile.numbers.values()
        if n.count and n.minimum is not None and n.maximum is not None
    ]
    if not bounds:
        return None
    low = min(b[0] for b in bounds if b[0] is not None)
    high = max(b[1] for b in bounds if b[1] is not None)
    name = profile.path.lower()
    for fmt, limit in (("latitude", 90.0), ("longitude", 180.0)):
        if NAMED_FORMATS[fmt].search(name) and -limit <= low and high <= limit:
            return FormatInfo(name=fmt, confidence=1.0)
    return None


def _format(
    profile: ColumnProfile, data_type: DataType, options: DecideOptions, evidence: list[Evidence]
) -> FormatInfo | None:
    if not options.formats:
        return None
    if profile.conforming is None:
        return _coordinate(profile, data_type)
    if not profile.formats:
        return None
    if TypeKind(data_type.kind) not in (TypeKind.STRING, TypeKind.DECIMAL, TypeKind.FLOAT):
        return None
    for name, (ok, checked, violations) in profile.formats.items():
        if name in NAMED_FORMATS and not NAMED_FORMATS[name].search(profile.path.lower()):
            continue  # any column of small decimals fits a coordinate range: ask the name
        if checked and checked - ok <= allowed_violations(checked, options.tolerance):
            confidence = round(ok / checked, 6)
            evidence.append(
                Evidence(
                    decision="format",
                    rule="validated",
                    conforming=ok,
                    violating=checked - ok,
                    examples=tuple(violations[:EXAMPLES]),
                    confidence=confidence,
                    note=name,
                )
            )
            return FormatInfo(name=name, confidence=confidence)
    return None


def _stats(profile: ColumnProfile, data_type: DataType, chosen: str | None) -> Stats:
    kind = TypeKind(data_type.kind)
    low = high = mean = stddev = None
    numbers = None
    if kind in (TypeKind.INTEGER, TypeKind.DECIMAL, TypeKind.FLOAT):
        numbers = _numbers_for(profile, chosen)
    if numbers is not None and numbers.count:
        low, high = numbers.minimum, numbers.maximum
        if kind is TypeKind.INTEGER and low is not None and high is not None:
            low, high = int(low), int(high)
        mean = numbers.total / numbers.count
        variance = max(numbers.squares / numbers.count - mean * mean, 0.0)
        stddev = round(variance**0.5, 9)
        mean = round(mean, 9)
    elif kind in (TypeKind.DATE, TypeKind.DATETIME, TypeKind.TIME):
        for key in (data_type.pattern is None and _iso_key(profile, kind), str(kind)):
            if key and key in profile.temporal:
                low, high = (str(v) for v in profile.temporal[key])
                break
    histogram = None
    if numbers is not None:
        made = profile.sample.histogram(profile.present - profile.nulls)
        if made:
            histogram = Histogram(edges=tuple(made[0]), counts=tuple(made[1]))
    distinct = profile.counts.distinct()
    top = tuple((v, c) for v, c in profile.counts.top(5)) if kind is not TypeKind.NULL else ()
    return Stats(
        count=profile.present,
        nulls=profile.nulls,
        distinct=distinct,
        distinct_exact=profile.counts.exact,
        min=low,
        max=high,
        mean=mean,
        stddev=stddev,
        min_length=profile.min_length,
        max_length=profile.max_length,
        top_values=top,
        histogram=histogram,
    )


def _iso_key(profile: ColumnProfile, kind: TypeKind) -> str | None:
    for name in ("date_iso", "datetime_iso_tz", "datetime_iso", "time"):
        if name in profile.temporal and BY_NAME[name].kind is kind:
            return name
    return None


def _numbers_for(profile: ColumnProfile, chosen: str | None):  # type: ignore[no-untyped-def]
    """The numeric summary that matches the decided type's reading of the values."""
    if profile.conforming is None:  # typed input: integers and floats kept apart
        merged = None
        for key in ("integer", "float"):
            numbers = profile.numbers.get(key)
            if numbers is not None and numbers.count:
                if merged is None:
                    merged = type(numbers)()
                merged.merge(numbers)
        return merged
    return combined_numbers(profile, chosen)


def combined_numbers(profile: ColumnProfile, chosen: str | None):  # type: ignore[no-untyped-def]
    """Numbers of a text column read as ``chosen``: its own and its contained candidates'."""
    if chosen is None:
        return None
    names = [chosen]
    i = 0
    while i < len(names):
        names.extend(c for c in CONTAINS.get(names[i], ()) if c not in names)
        i += 1
    merged = None
    for name in names:
        numbers = profile.numbers.get(name)
        if numbers is not None and numbers.count:
            if merged is None:
                merged = type(numbers)()
            merged.merge(numbers)
    return merged


def _constraints(
    profile: ColumnProfile, data_type: DataType, options: DecideOptions, stats: Stats
) -> Constraints | None:
    kind = TypeKind(data_type.kind)
    enum = None
    if (
        kind is TypeKind.STRING
        and profile.counts.exact
        and 2 <= (stats.distinct or 0) <= options.enum_max
        and (stats.count - stats.nulls) >= 10 * (stats.distinct or 0)
        and profile.conforming is not None
    ):
        values = profile.counts.distinct_values
        enum = tuple(sorted(values.to_pylist())) if values is not None else None
    unique = None
    if (
        stats.distinct_exact
        and stats.distinct
        and stats.distinct == stats.count - stats.nulls
        and stats.count > 1
    ):
        unique = True
    if enum is None and unique is None:
        return None
    return Constraints(enum=enum, unique=unique)
