"""Byte-level shortcuts change speed, never answers: the byte filter in front of the
regular expressions never rules out a value RE2 accepts, and the plain-decimal test is
exactly its regular expression."""

from __future__ import annotations

import random

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assay.inference.byteshapes import (
    FILTER_MAX_VALUES,
    could_match,
    pattern_bounds,
    plain_decimals,
)
from assay.inference.candidates import CANDIDATES
from assay.inference.formats import _checksums, _encoded, _network, _temporal, _text


def _patterns() -> list[str]:
    found = [c.regex for c in CANDIDATES]
    for module in (_network, _encoded, _temporal, _text, _checksums):
        found += [v for k, v in vars(module).items() if k.endswith("_RE") and isinstance(v, str)]
    found += [r"^[a-z]{2}(?:[-_][A-Z]{2})?$", r"^\+[1-9]\d{6,14}$"]  # _coded's, inline
    return found


PATTERNS = _patterns()
SAMPLES = [
    "2024-01-02", "2024-01-02T10:11:12+02:00", "2024-01-02 10:11:12.123456Z", "12.50",
    "-0.5", "1,234.5", "1.234,5", "true", "YES", "N", "12 Jan 2024", "12-jan-2024",
    "jan 5, 2024", "January 5 2024", "3:45 pm", "13:45:10.5", "a@b.co",
    "x.y+z@mail.example.org", "192.168.0.1", "::1", "fe80::1:2", "00:1A:2B:3C:4D:5E",
    "001a.2b3c.4d5e", "1e5", "-1.5E-3", "inf", "€ 12", "12 %", "$1,234.50", "1 234",
    "1\u00a0234,5", "0x1f", "", " 12 ", "12/31/2024", "31.12.2024", "31.12.2024 10:11",
    "20240102", "#a1b2c3", "1.2.3-rc.1+b5", "text/plain", "application/vnd.api+json",
    "eyJhbGciOiJIUzI1NiJ9.eyJ4IjoxfQ.c2ln", "SGVsbG8=", "DE89370400440532013000",
    "DE89 3704 0044 0532 0130 00", "4111111111111111", "4111 1111 1111 1111",
    "+14155550123", "45.123", "-179.5", "c3f1e0b6-1c2d-4e5f-8a9b-0c1d2e3f4a5b",
    "\u212aelvin", "tRuE", "oN", "en-US", "example.com", "https://x.org/a?b=1",
    "mailto:a@b.org", '{"a": [1, 2]}', "[1]", "ab-cd-ef",
]  # fmt: skip
NASTY = "0123456789-+.,:/ TZtzeE@abcdefxyzABCDEF_%$#'\"\t\n{}[]€£é\u00a0\u212aſÄ"


def _values(seed: int) -> list[str | None]:
    """The samples, each with one or two characters replaced, and random strings."""
    rng = random.Random(seed)
    out: list[str | None] = list(SAMPLES)
    for sample in SAMPLES:
        for _ in range(25):
            chars = list(sample)
            for _ in range(rng.randint(1, 2)):
                if chars:
                    chars[rng.randrange(len(chars))] = rng.choice(NASTY)
            out.append("".join(chars))
    out += ["".join(rng.choices(NASTY, k=rng.randint(0, 12))) for _ in range(3000)]
    out.append(None)
    return out


def _assert_never_rules_out_a_match(values: list[str | None]) -> None:
    for pattern in PATTERNS:
        array = pa.array(values, pa.string())
        truth = np.asarray(pc.fill_null(pc.match_substring_regex(array, pattern), False))
        for start in range(0, len(array), FILTER_MAX_VALUES):
            part = array.slice(start, FILTER_MAX_VALUES)
            possible = could_match(part, pattern)
            if possible is None:
                continue
            missed = truth[start : start + len(part)] & ~possible
            assert not missed.any(), (pattern, np.asarray(part.to_pylist())[missed][:5])


def test_the_filter_reads_the_type_and_format_patterns() -> None:
    unread = [p for p in PATTERNS if pattern_bounds(p) is None]
    assert unread == []


def test_the_filter_never_rules_out_a_value_the_pattern_accepts() -> None:
    values = _values(seed=3)
    _assert_never_rules_out_a_match(values)
    # ... and it does rule most of them out (what makes it worth a pass over the bytes).
    array = pa.array(values[:FILTER_MAX_VALUES], pa.string())
    kept = [could_match(array, p) for p in PATTERNS]
    assert sum(int(k.sum()) for k in kept) < 0.1 * len(PATTERNS) * len(array)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet=NASTY, max_size=14) | st.sampled_from(SAMPLES), max_size=40))
def test_the_filter_agrees_with_re2_on_generated_values(values: list[str]) -> None:
    _assert_never_rules_out_a_match(values)


def test_patterns_it_cannot_bound_get_no_filter() -> None:
    values = pa.array(["a@b.co", "12"], pa.string())
    assert could_match(values, "[a-z]") is None  # a search, not a full match
    assert could_match(values, r"^\bab$") is None  # a word boundary
    assert could_match(values, r"^(a)\1$") is None  # a back-reference
    assert could_match(pa.array(["x"] * (FILTER_MAX_VALUES + 1)), "^x$") is None
    assert could_match(values.cast(pa.large_string()), "^x$") is None


def test_an_email_column_rules_out_every_date_and_number_candidate() -> None:
    emails = pa.array([f"user{i}@example.org" for i in range(1000)] + [None, ""])
    for candidate in CANDIDATES:
        possible = could_match(emails, candidate.regex)
        assert possible is not None and not possible.any(), candidate.name
        assert candidate.matches(emails).to_pylist() == [False] * len(emails)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.none() | st.text(alphabet="0123456789.-+ e", max_size=8), max_size=60))
def test_plain_decimals_are_exactly_their_regular_expression(values: list[str | None]) -> None:
    array = pa.array(["pad", *values, "pad"], pa.string()).slice(1, len(values))
    expected = pc.fill_null(pc.match_substring_regex(array, r"^-?[0-9]+\.[0-9]+$"), False)
    got = plain_decimals(array)
    assert got is not None
    assert got.tolist() == expected.to_pylist()


@pytest.mark.parametrize(
    ("text", "plain"),
    [("12.50", True), ("-0.5", True), ("1.", False), (".5", False), ("-.5", False),
     ("1..2", False), ("+1.5", False), ("1.5-", False), ("1,5", False), ("", False)],
)  # fmt: skip
def test_plain_decimal_examples(text: str, plain: bool) -> None:
    result = plain_decimals(pa.array([text], pa.string()))
    assert result is not None and result.tolist() == [plain]


def test_a_remembered_array_and_its_slices_get_the_same_answers() -> None:
    from assay.inference.byteshapes import remember

    values = pa.array(_values(seed=5)[:3000], pa.string())
    fresh = {p: could_match(values.slice(100, 900), p) for p in PATTERNS}
    remember(values)
    for pattern, expected in fresh.items():
        got = could_match(values.slice(100, 900), pattern)
        assert got is not None and expected is not None
        assert got.tolist() == expected.tolist(), pattern
    # Another array (even of the same length) is not mistaken for the remembered one.
    other = pa.array(["2024-01-02"] * 3000)
    date_iso = next(c for c in CANDIDATES if c.name == "date_iso")
    assert could_match(other.slice(100, 900), date_iso.regex).all()


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(alphabet="0123456789.-", min_size=1, max_size=8), min_size=1, max_size=40))
def test_one_dot_scale_is_the_digits_after_the_dot(values: list[str]) -> None:
    from assay.inference.byteshapes import one_dot_scale

    array = pa.array(["x", *values], pa.string()).slice(1)
    got = one_dot_scale(array)
    if all(v.count(".") == 1 for v in values):
        assert got == max(len(v) - v.index(".") - 1 for v in values)
    else:
        assert got is None


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.text(alphabet="0123456789abcdefABCDEFgG-\x10\x19 ", min_size=36, max_size=36)
        | st.sampled_from(["c3f1e0b6-1c2d-4e5f-8a9b-0c1d2e3f4a5b"]),
        min_size=1,
        max_size=30,
    )
)
def test_the_uuid_layout_check_is_its_regular_expression(values: list[str]) -> None:
    from assay.inference.formats._encoded import UUID_RE, _uuid_layout

    array = pa.array(["x" * 36, *values], pa.string()).slice(1)
    got = _uuid_layout(array)
    expected = pc.fill_null(pc.match_substring_regex(array, UUID_RE), False).to_pylist()
    assert got is not None and got.tolist() == expected
    assert _uuid_layout(pa.array(["c3f1e0b6-1c2d-4e5f-8a9b-0c1d2e3f4a5b", "short"])) is None


def _timestamps(draw_digits: list[int], template: str, noise: list[tuple[int, str]]) -> str:
    chars = []
    digits = iter(draw_digits)
    for char in template:
        chars.append(str(next(digits) % 10) if char == "d" else char)
    for position, char in noise:
        if chars:
            chars[position % len(chars)] = char
    return "".join(chars)


_ISO_SPELLINGS = [
    "dddd-dd-dd",
    "dddd-dd-ddTdd:dd:dd",
    "dddd-dd-dd dd:dd:dd",
    "dddd-dd-ddTdd:dd:dd+dd:dd",
    "dddd-dd-ddTdd:dd:dd-dd:dd",
    "dddd-dd-ddTdd:dd:ddZ",
    "dddd-dd-ddTdd:dd:dd.dddZ",
    "dddd-dd-dd dd:dd:dd.dddddd+dd:dd",
]


@settings(max_examples=150, deadline=None)
@given(
    st.sampled_from(_ISO_SPELLINGS),
    st.lists(
        st.tuples(
            st.lists(st.integers(0, 9), min_size=26, max_size=26),
            st.lists(st.tuples(st.integers(0, 40), st.sampled_from("0123T Z+-:.x/")), max_size=1),
        ),
        min_size=1,
        max_size=25,
    ),
)
def test_iso_candidates_answer_the_same_with_and_without_their_layouts(
    template: str, rows: list[tuple[list[int], list[tuple[int, str]]]]
) -> None:
    """The fixed-width shortcut replaces the pattern only where every value fits a
    layout; validation (real calendar days) runs either way."""
    import dataclasses

    from assay.inference.candidates import BY_NAME

    clean = [_timestamps(digits, template, []) for digits, _ in rows]
    noisy = [_timestamps(digits, template, noise) for digits, noise in rows]
    for values in (clean, noisy, ["2024-02-30", "2023-02-29", "2024-02-29"]):
        array = pa.array(values, pa.string())
        for name in ("date_iso", "datetime_iso", "datetime_iso_tz"):
            candidate = BY_NAME[name]
            plain = dataclasses.replace(candidate, layouts=())
            assert (
                candidate._matches_all(array).to_pylist() == plain._matches_all(array).to_pylist()
            )


def test_a_clean_timestamp_batch_fits_its_layout() -> None:
    from assay.inference.byteshapes import fixed_layout
    from assay.inference.candidates import BY_NAME

    stamps = pa.array([f"2024-01-{d:02d}T10:11:12+02:00" for d in range(1, 29)])
    layouts = BY_NAME["datetime_iso_tz"].layouts
    assert fixed_layout(stamps, layouts)
    assert not fixed_layout(pa.array(["2024-01-01T10:11:12+02:00", "x" * 25]), layouts)
    assert not fixed_layout(pa.array(["2024-01-01T10:11:12+02:00", None]), layouts)
    assert not fixed_layout(
        pa.array(["2024-01-01T10:11:12+02:00", "2024-01-01T10:11:12Z"]), layouts
    )


def test_batches_of_changing_sizes_are_each_checked_whole() -> None:
    """The tiled bounds are kept per thread and layout and sliced to each batch: a
    smaller batch after a larger one, a larger one after it, and two layouts taking
    turns are each checked on all of their values and only those."""
    from assay.inference.byteshapes import fixed_layout
    from assay.inference.candidates import BY_NAME

    stamps = BY_NAME["datetime_iso_tz"].layouts
    dates = BY_NAME["date_iso"].layouts

    def stamp_batch(n: int) -> list[str]:
        return [f"2024-01-{1 + i % 28:02d}T10:11:12+02:00" for i in range(n)]

    def date_batch(n: int) -> list[str]:
        return [f"2024-02-{1 + i % 28:02d}" for i in range(n)]

    assert fixed_layout(pa.array(stamp_batch(1000)), stamps)
    assert fixed_layout(pa.array(date_batch(1000)), dates)
    # Smaller: its last value, off the layout, is still seen.
    assert not fixed_layout(pa.array([*stamp_batch(99), "2024-01-01T10:6x:12+02:00"]), stamps)
    assert fixed_layout(pa.array(stamp_batch(100)), stamps)
    # Larger than any before: the bounds grow; a bad value at the very end counts.
    assert fixed_layout(pa.array(stamp_batch(5000)), stamps)
    assert not fixed_layout(pa.array([*date_batch(4999), "2024-02-3x"]), dates)
    assert fixed_layout(pa.array(date_batch(7)), dates)
