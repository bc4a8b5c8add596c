"""The loader accepts exactly what inference counted as conforming, and no more."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

import assay
from assay.quality.rules import columns
from assay.schema import DataType, Evidence, Field, TypeKind
from assay.targets.arrow_types import ArrowPolicy, ArrowTypes
from assay.targets.convert import convert_array

ROWS = 300


def _csv(tmp_path: Path, delimiter: str, columns_: dict[str, list[str]]) -> Path:
    path = tmp_path / "data.csv"
    names = list(columns_)
    lines = [delimiter.join(names)]
    lines += [delimiter.join(columns_[n][i] for n in names) for i in range(ROWS)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_values_inference_did_not_accept_are_exactly_the_rejected_ones(tmp_path: Path) -> None:
    good = {
        "amount": [f"{i}.{i % 100:02d}" for i in range(ROWS)],
        "day": [f"{1 + i % 28}.{1 + i % 12}.2023" for i in range(ROWS)],
        "flag": ["yes" if i % 2 else "no" for i in range(ROWS)],
        "stamp": [f"2024-01-{1 + i % 28:02d}T10:00:00+02:00" for i in range(ROWS)],
    }
    good["amount"][7] = "7.0O"
    good["day"][100] = "30.2.2023"
    good["flag"][5] = "maybe"
    good["stamp"][250] = "2024-02-30T10:00:00Z"
    path = _csv(tmp_path, ";", good)
    schema = assay.infer(str(path))
    table = schema.tables[0]
    kinds = {f.name: str(f.type.kind) for f in columns(table)}
    assert kinds == {"amount": "decimal", "day": "date", "flag": "boolean", "stamp": "datetime"}
    raw = pa.csv.read_csv(
        path,
        parse_options=pa.csv.ParseOptions(delimiter=";"),
        convert_options=pa.csv.ConvertOptions(column_types={n: pa.string() for n in good}),
    )
    for f in columns(table):
        violations = {e for ev in f.evidence if ev.decision == "type" for e in ev.examples}
        target = ArrowTypes(ArrowPolicy()).visit(f.type)
        _typed, errors, _ = convert_array(raw.column(f.name), f, target, f.name)
        rejected = {good[f.name][i] for _p, _c, mask in errors for i in mask.nonzero()[0]}
        assert rejected == violations, f.name


def _field(form: str, kind: TypeKind, **params: object) -> Field:
    return Field(
        name="c",
        path="c",
        type=DataType(kind=kind, **params),
        evidence=(Evidence(decision="type", rule="all-conform", note=form),),
    )


def _group(n: int, sep: str) -> str:
    text = f"{abs(n):,}".replace(",", sep)
    return ("-" if n < 0 else "") + text


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.integers(-(10**15), 10**15), min_size=1, max_size=50),
    st.sampled_from([(",", "integer_comma"), (".", "integer_dot"), (" ", "integer_space")]),
)
def test_grouped_integers_round_trip(numbers: list[int], style: tuple[str, str]) -> None:
    sep, form = style
    texts = [_group(n, sep) for n in numbers]
    typed, errors, _ = convert_array(
        pa.array(texts), _field(form, TypeKind.INTEGER), pa.int64(), "c"
    )
    assert errors == [] and typed.to_pylist() == numbers


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.decimals(min_value=-(10**9), max_value=10**9, places=2, allow_nan=False),
        min_size=1,
        max_size=50,
    )
)
def test_decimal_comma_values_round_trip(numbers: list[Decimal]) -> None:
    texts = [_group(int(d), ".").replace("-", "") for d in numbers]
    texts = [
        ("-" if d < 0 else "") + t + "," + f"{abs(d):.2f}".split(".")[1]
        for t, d in zip(texts, numbers, strict=True)
    ]
    f = _field("decimal_comma", TypeKind.DECIMAL, precision=14, scale=2)
    typed, errors, _ = convert_array(pa.array(texts), f, pa.decimal128(14, 2), "c")
    assert errors == [] and typed.to_pylist() == numbers
