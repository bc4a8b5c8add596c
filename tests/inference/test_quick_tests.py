"""The cheap pre-tests in front of the regular expressions change speed, never answers."""

from __future__ import annotations

import re

import numpy as np
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from assay.inference.candidates import BY_NAME
from assay.inference.profile import _LEADING_ZERO, _leading_zeros

numberish = st.lists(st.text(alphabet="0123456789.-+ ,$%e\t", max_size=8), max_size=60)


@settings(max_examples=300, deadline=None)
@given(numberish)
def test_quick_candidates_agree_with_their_regular_expressions(values: list[str]) -> None:
    array = pa.array(values, pa.string())
    for name in ("integer", "decimal_dot"):
        candidate = BY_NAME[name]
        assert candidate.matches(array).to_pylist() == candidate._matches_all(array).to_pylist()


@settings(max_examples=300, deadline=None)
@given(numberish)
def test_leading_zero_test_agrees_with_its_regular_expression(values: list[str]) -> None:
    expected = [bool(re.match(_LEADING_ZERO, v)) for v in values]
    assert _leading_zeros(pa.array(values, pa.string())).to_pylist() == expected


def test_batches_holding_no_values_of_a_wider_candidate_keep_its_range() -> None:
    """Dates also fit the datetime candidate, which then sees no values of its own."""
    import numpy as np

    from assay.inference.profile import ColumnProfile

    profile = ColumnProfile("day")
    dates = pa.array([f"2020-{m:02d}-{d:02d}" for m in range(1, 13) for d in range(1, 29)] * 10)
    for _ in range(3):
        profile.add_text(dates, 0, pa.array([""]), hashes=np.zeros(len(dates), np.uint64))
    assert profile.temporal["date_iso"] == ("2020-01-01", "2020-12-28")
    assert "datetime_iso" not in profile.temporal


tokenish = st.lists(
    st.sampled_from(["", " ", "\u00a0", "\t", "NA", "N/A", "NaN", "nan", "-", "-1", "#N/A", "NULL"])
    | st.text(alphabet="Nn/A#-ulL0 \u3000x", max_size=6),
    max_size=60,
)


@settings(max_examples=300, deadline=None)
@given(tokenish)
def test_null_token_and_blank_test_agrees_with_the_full_one(values: list[str]) -> None:
    from assay.inference.profile import DEFAULT_NULL_TOKENS, _token_or_blank, _token_or_blank_all

    tokens = pa.array(list(DEFAULT_NULL_TOKENS), pa.string())
    array = pa.array(["x", *values, ""], pa.string()).slice(1, len(values))  # offset, tail
    quick = _token_or_blank(array, tokens)
    full = _token_or_blank_all(array, tokens).to_pylist()
    assert (quick.to_pylist() if quick is not None else [False] * len(values)) == full


@settings(max_examples=300, deadline=None)
@given(tokenish, st.integers(0, 3))
def test_dropping_null_values_agrees_with_arrows_filter(values: list[str], which: int) -> None:
    """Blanks are dropped by new offsets over the same bytes; anything else by Arrow's
    filter.  Either way the values kept are Arrow's, in order, and valid."""
    import pyarrow.compute as pc

    from assay.inference.profile import _without

    array = pa.array(["x", *values, "y"], pa.string()).slice(1, len(values))  # offset, tail
    drop = [(v == "", v.strip() == "", v in ("NA", "null"), len(v) % 2 == 0)[which] for v in values]
    mask = pa.array(drop, pa.bool_())
    kept = _without(array, np.array(drop, dtype=bool))
    kept.validate(full=True)
    assert kept.to_pylist() == pc.filter(array, pc.invert(mask)).to_pylist()


def test_dropping_blanks_keeps_the_bytes_where_they_are() -> None:
    from assay.inference.profile import _without

    array = pa.array(["a", "", "bc", "", "def", ""], pa.string())
    kept = _without(array, np.array([v == "" for v in array.to_pylist()]))
    assert kept.to_pylist() == ["a", "bc", "def"]
    assert kept.buffers()[2].address == array.buffers()[2].address  # not copied
    with_nulls = pa.array(["a", None, "b"], pa.string())
    assert _without(with_nulls, np.array([False, True, False])).to_pylist() == ["a", "b"]
