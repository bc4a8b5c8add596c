"""Typed conversion: the values inference accepted convert, the others are reported."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pyarrow as pa
import pytest

from assay.schema import DataType, Evidence, Field, TypeKind
from assay.targets.conversion import ColumnSpec, ConversionPlan, convert_batch
from assay.targets.convert import convert_array

UTC = dt.UTC


def field(kind: str, form: str | None = None, **params: object) -> Field:
    hints = tuple(params.pop("hints", ()))  # type: ignore[arg-type]
    evidence = (Evidence(decision="type", rule="all-conform", note=form),) if form else ()
    tokens = params.pop("tokens", None)
    if tokens:
        evidence += (Evidence(decision="nullable", rule="null-tokens", note=str(tokens)),)
    return Field(
        name="c",
        path="c",
        type=DataType(kind=TypeKind(kind), **params),
        hints=hints,
        evidence=evidence,
    )


def convert(values: list, f: Field, target: pa.DataType) -> tuple[list, dict[str, list[int]]]:
    array = (
        pa.array(values, type=pa.string())
        if all(v is None or isinstance(v, str) for v in values)
        else pa.array(values)
    )
    typed, errors, _missing = convert_array(array, f, target, "c")
    found: dict[str, list[int]] = {}
    for _path, code, mask in errors:
        found.setdefault(code, []).extend(int(i) for i in mask.nonzero()[0])
    return typed.to_pylist(), found


def test_integers_as_written() -> None:
    values, errors = convert(
        ["1", " 42 ", "+7", "-3", "007", "abc", "4.5"], field("integer", "integer"), pa.int64()
    )
    assert values == [1, 42, 7, -3, 7, None, None]
    assert errors == {"invalid_integer": [5, 6]}


@pytest.mark.parametrize(
    ("form", "text", "expected"),
    [
        ("integer_comma", "1,234,567", 1234567),
        ("integer_dot", "1.234.567", 1234567),
        ("integer_space", "1 234 567", 1234567),
        ("integer_space", "1'234", 1234),
    ],
)
def test_thousands_separators(form: str, text: str, expected: int) -> None:
    values, errors = convert([text, "12", "1,23,4"], field("integer", form), pa.int64())
    assert values[:2] == [expected, 12]
    assert errors == {"invalid_integer": [2]}


def test_integer_too_wide_for_the_column_is_out_of_range() -> None:
    values, errors = convert(["32767", "40000", "-32769"], field("integer", "integer"), pa.int16())
    assert values == [32767, None, None]
    assert errors == {"out_of_range": [1, 2]}


def test_integers_beyond_64_bits_are_exact_decimals() -> None:
    big = "123456789012345678901234"
    values, errors = convert(
        [big, "5"], field("decimal", "integer", precision=24, scale=0), pa.decimal128(24, 0)
    )
    assert values == [Decimal(big), Decimal(5)] and errors == {}


def test_decimal_comma_with_currency_and_grouping() -> None:
    f = field(
        "decimal",
        "decimal_comma",
        precision=8,
        scale=2,
        hints=("decimal_separator:,", "currency:€"),
    )
    values, errors = convert(
        ["1.234,56 €", "€ 12,50", "-0,5", "7", "12,3O"], f, pa.decimal128(8, 2)
    )
    assert values == [Decimal("1234.56"), Decimal("12.50"), Decimal("-0.50"), Decimal("7.00"), None]
    assert errors == {"invalid_decimal": [4]}


def test_decimal_dot_precision_and_scale_are_checked() -> None:
    f = field("decimal", "decimal_dot", precision=6, scale=2)
    values, errors = convert(["1,234.5", ".5", "12.345", "12345.67", "1e3"], f, pa.decimal128(6, 2))
    assert values == [Decimal("1234.50"), Decimal("0.50"), None, None, None]
    assert errors == {"too_many_decimals": [2], "out_of_range": [3], "invalid_decimal": [4]}


def test_percent_is_decoration() -> None:
    f = field("decimal", "decimal_dot", precision=4, scale=1, hints=("percent",))
    assert convert(["12.5%", "3 %"], f, pa.decimal128(4, 1))[0] == [Decimal("12.5"), Decimal("3.0")]


def test_floats() -> None:
    values, errors = convert(["1e5", "-2.5E-3", "inf", "x"], field("float", "float"), pa.float64())
    assert values == [100000.0, -0.0025, float("inf"), None]
    assert errors == {"invalid_number": [3]}
    comma, _ = convert(
        ["1,5", "2"], field("float", "float_comma", hints=("decimal_separator:,",)), pa.float64()
    )
    assert comma == [1.5, 2.0]


def test_booleans_every_spelling_and_nothing_else() -> None:
    values, errors = convert(
        ["true", "False", " yes", "NO", "y", "n", "T", "f", "on", "OFF", "1", "maybe"],
        field("boolean", "boolean"),
        pa.bool_(),
    )
    assert values == [True, False, True, False, True, False, True, False, True, False, None, None]
    assert errors == {"invalid_boolean": [10, 11]}


@pytest.mark.parametrize(
    ("form", "texts", "expected", "bad"),
    [
        ("date_iso", ["2024-02-29", "2023-02-29", "2023-13-01"], [dt.date(2024, 2, 29)], [1, 2]),
        (
            "date_dmy_dot",
            ["1.2.2024", "31.02.2024", "31.12.2023"],
            [dt.date(2024, 2, 1), None, dt.date(2023, 12, 31)],
            [1],
        ),
        ("date_mdy_slash", ["02/01/2024", "13/01/2024"], [dt.date(2024, 2, 1)], [1]),
        ("date_d_mon_y", ["5 Sept 2023", "30 Feb 2023"], [dt.date(2023, 9, 5)], [1]),
        (
            "date_mon_d_y",
            ["January 15, 2023", "Jan 5 2023"],
            [dt.date(2023, 1, 15), dt.date(2023, 1, 5)],
            [],
        ),
        ("date_compact", ["20240305", "20240230"], [dt.date(2024, 3, 5)], [1]),
    ],
)
def test_dates_are_validated_not_rolled_over(
    form: str, texts: list[str], expected: list, bad: list[int]
) -> None:
    values, errors = convert(texts, field("date", form), pa.date32())
    assert values[: len(expected)] == expected
    assert [i for i, v in enumerate(values) if v is None] == bad
    assert errors == ({"invalid_date": bad} if bad else {})


def test_datetimes_with_offsets_become_utc() -> None:
    texts = [
        "2023-01-02T07:43:03+01:00",
        "2023-01-02 06:43:03Z",
        "2023-01-02T07:43:03+0100",
        "2023-01-02T07:43:03+01",
        "2023-01-02T06:43:03.123456789Z",
        "2023-01-02T07:43:03",
        "2024-13-45T25:61:00Z",
    ]
    values, errors = convert(
        texts, field("datetime", "datetime_iso_tz", timezone=True), pa.timestamp("us", tz="UTC")
    )
    at = dt.datetime(2023, 1, 2, 6, 43, 3, tzinfo=UTC)
    assert [v.astimezone(UTC) if v else None for v in values] == [
        at,
        at,
        at,
        at,
        at.replace(microsecond=123456),
        None,
        None,
    ]
    assert errors == {"invalid_datetime": [5, 6]}


def test_regional_datetimes_with_and_without_seconds() -> None:
    f = field("datetime", "datetime_dmy_dot", timezone=False, pattern="%d.%m.%Y %H:%M")
    values, errors = convert(
        ["02.01.2023 12:57", "2.1.2023 12:57:30", "31.02.2024 10:00"], f, pa.timestamp("us")
    )
    assert values == [dt.datetime(2023, 1, 2, 12, 57), dt.datetime(2023, 1, 2, 12, 57, 30), None]
    assert errors == {"invalid_datetime": [2]}


def test_am_pm() -> None:
    f = field("datetime", "datetime_mdy_slash", timezone=False, pattern="%m/%d/%Y %I:%M %p")
    values, errors = convert(
        ["01/02/2023 01:05 PM", "01/02/2023 12:30 am", "01/02/2023 13:00 PM"], f, pa.timestamp("us")
    )
    assert values[:2] == [dt.datetime(2023, 1, 2, 13, 5), dt.datetime(2023, 1, 2, 0, 30)]
    assert errors == {"invalid_datetime": [2]}


def test_times() -> None:
    values, errors = convert(
        ["12:30", "23:59:59.5", "7:05 pm", "25:00"], field("time", "time"), pa.time64("us")
    )
    assert values == [dt.time(12, 30), dt.time(23, 59, 59, 500000), dt.time(19, 5), None]
    assert errors == {"invalid_time": [3]}


def test_a_pattern_no_candidate_knows_uses_strptime_with_a_round_trip() -> None:
    f = Field(name="c", path="c", type=DataType(kind=TypeKind.DATE, pattern="%Y.%m.%d"))
    values, errors = convert(["2024.02.29", "2023.02.29"], f, pa.date32())
    assert values == [dt.date(2024, 2, 29), None]
    assert errors == {"invalid_date": [1]}


def test_null_tokens_typed_and_text() -> None:
    typed, errors = convert(["", "N/A", "  ", "null", "5"], field("integer", "integer"), pa.int64())
    assert typed == [None, None, None, None, 5] and errors == {}
    text, _ = convert(["", "N/A", "x"], field("string"), pa.string())
    assert text == [None, "N/A", "x"]  # no evidence: only the empty field is null
    seen, _ = convert(["", "N/A", "x"], field("string", tokens="'N/A'×3"), pa.string())
    assert seen == [None, None, "x"]  # the tokens inference counted


def test_typed_inputs_are_cast_without_losing_anything() -> None:
    f = field("integer", minimum=0, maximum=10)
    assert convert([1, 70000, None], f, pa.int16())[1] == {"out_of_range": [1]}
    d = field("decimal", precision=6, scale=2)
    values, errors = convert([23.66, 9.14003, 180.7], d, pa.decimal128(6, 2))
    assert values == [Decimal("23.66"), None, Decimal("180.70")]
    assert errors == {"too_many_decimals": [1]}
    assert convert([3, 4], field("string"), pa.string())[0] == ["3", "4"]


def test_nested_members_are_converted_and_errors_name_the_path() -> None:
    geo = DataType(
        kind=TypeKind.OBJECT,
        fields=(
            Field(
                name="lat",
                path="s.geo.lat",
                type=DataType(kind=TypeKind.DECIMAL, precision=7, scale=5),
            ),
        ),
    )
    when = Field(name="at", path="s.at", type=DataType(kind=TypeKind.DATETIME, timezone=True))
    s = Field(
        name="s",
        path="s",
        type=DataType(
            kind=TypeKind.OBJECT, fields=(when, Field(name="geo", path="s.geo", type=geo))
        ),
    )
    data = pa.array(
        [
            {"at": "2024-01-01T00:00:00Z", "geo": {"lat": 45.45703}},
            {"at": "2024-02-30T00:00:00Z", "geo": None},
            {"at": None, "geo": {"lat": 45.123456}},
            None,
        ]
    )
    target = pa.struct(
        [("at", pa.timestamp("us", tz="UTC")), ("geo", pa.struct([("lat", pa.decimal128(7, 5))]))]
    )
    typed, errors, missing = convert_array(data, s, target, "s")
    assert {(p, c, tuple(m.nonzero()[0])) for p, c, m in errors} == {
        ("s.at", "invalid_datetime", (1,)),
        ("s.geo.lat", "too_many_decimals", (2,)),
    }
    assert typed[0].as_py()["geo"] == {"lat": Decimal("45.45703")}
    assert missing.tolist() == [False, False, False, True]


def test_list_items_are_converted_and_errors_map_to_their_row() -> None:
    items = Field(
        name="xs",
        path="xs",
        type=DataType(kind=TypeKind.ARRAY, items=DataType(kind=TypeKind.INTEGER)),
    )
    typed, errors, _ = convert_array(
        pa.array([["1", "2"], [], ["x"], None]), items, pa.list_(pa.int64()), "xs"
    )
    assert typed.to_pylist()[:2] == [[1, 2], []]
    assert [(p, c, m.nonzero()[0].tolist()) for p, c, m in errors] == [
        ("xs[]", "invalid_integer", [2])
    ]


def test_nested_values_become_json_documents_where_the_engine_stores_documents() -> None:
    tags = Field(
        name="t", path="t", type=DataType(kind=TypeKind.ARRAY, items=DataType(kind=TypeKind.STRING))
    )
    typed, errors, _ = convert_array(pa.array([["a", "b"], []]), tags, pa.string(), "t")
    assert typed.to_pylist() == ['["a","b"]', "[]"] and errors == []


def test_json_text_columns_hold_json_literals() -> None:
    data = pa.array(["5", '"N/A"', "null", '"7"', '"x\\"y"'])
    typed, errors, _ = convert_array(
        data, field("integer", "integer"), pa.int64(), "c", json_text=True
    )
    assert typed.to_pylist() == [5, None, None, 7, None]
    assert [(c, m.nonzero()[0].tolist()) for _p, c, m in errors] == [("invalid_integer", [4])]


def test_batch_rows_errors_required_columns_and_uuid() -> None:
    batch = pa.RecordBatch.from_pydict(
        {
            "id": [
                "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
                "nope",
                "",
                "c1eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
            ],
            "n": ["1", "2", "3", "x"],
        }
    )
    plan = ConversionPlan(
        (
            ColumnSpec("id", "id", field("string"), pa.string(), required=True, uuid=True),
            ColumnSpec("n", "n", field("integer", "integer"), pa.int64()),
            ColumnSpec("extra", None, field("string"), pa.string()),
        )
    )
    typed, errors = convert_batch(batch, plan)
    assert typed.schema.names == ["id", "n", "extra"]
    assert errors.rows.tolist() == [1, 2, 3]
    assert errors.reason == ["invalid_uuid", "missing_value", "invalid_integer"]
    assert errors.value == ["nope", "", "x"]  # as written
    assert errors.message[2] == "n: 'x' is not an integer"


@pytest.mark.parametrize(
    ("kind", "form", "target", "odd"),
    [
        ("date", "date_iso", pa.date32(), ["2024-02-30", " 2024-03-01 ", "2024-3-1", "x"]),
        (
            "datetime",
            "datetime_iso_tz",
            pa.timestamp("us", tz="UTC"),
            ["2023-01-02T07:43:03+01", "2023-01-02T07:43:03", "2024-13-45T25:61:00Z", " "],
        ),
    ],
)
@pytest.mark.parametrize("repeat", [1, 40])  # a few refused values, or more than _FEW
def test_a_few_refused_values_get_what_the_exact_path_gives_the_whole_batch(
    kind: str, form: str, target: pa.DataType, odd: list[str], repeat: int
) -> None:
    from assay.targets.text_forms import text_form
    from assay.targets.text_temporal import _exact, parse_temporal

    f = field(kind, form, timezone=True) if kind == "datetime" else field(kind, form)
    clean = "2024-01-15" if kind == "date" else "2023-01-02T06:43:03Z"
    texts = pa.array([clean] * 500 + odd * repeat + [clean] * 500, pa.string())
    typed, errors = parse_temporal(texts, f, text_form(f), target)
    reason = "invalid_date" if kind == "date" else "invalid_datetime"
    expected, expected_errors = _exact(texts, f, text_form(f), target, TypeKind(kind), reason)
    assert typed.equals(expected.cast(target))
    assert errors.keys() == expected_errors.keys() and errors  # the odd values are errors
    for code, mask in errors.items():
        assert mask.tolist() == expected_errors[code].tolist()
