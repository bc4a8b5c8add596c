"""Inference decisions, including the failures users report about today's tools."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import orjson

from assay.inference.engine import infer_detailed
from assay.schema import Field, Schema, to_json


def write_csv(
    path: Path, header: list[str], rows: list[list[object]], delimiter: str = ","
) -> Path:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


def infer_one(path: Path, **options: object) -> dict[str, Field]:
    result = infer_detailed(str(path), **options)
    assert result.errors == []
    (table,) = result.schema.tables
    return {f.path: f for f in table.fields}


def kind(f: Field) -> str:
    return str(f.type.kind)


def type_evidence(f: Field):  # type: ignore[no-untyped-def]
    return next(e for e in f.evidence if e.decision == "type")


def test_a_value_after_row_100000_is_seen_not_lost(tmp_path: Path) -> None:
    rows = [[i, i % 97, "2021-01-01"] for i in range(110_000)]
    rows[105_000][1] = "12a"
    rows[106_000][2] = "2021-02-30"
    fields = infer_one(write_csv(tmp_path / "late.csv", ["id", "qty", "day"], rows))
    qty = fields["qty"]
    assert kind(qty) == "integer"
    evidence = type_evidence(qty)
    assert (evidence.violating, evidence.examples) == (1, ("12a",))
    day = fields["day"]
    assert kind(day) == "date"
    assert type_evidence(day).examples == ("2021-02-30",)


def test_many_late_violations_change_the_type(tmp_path: Path) -> None:
    rows = [[i, str(i)] for i in range(120_000)]
    for i in range(110_000, 110_500):
        rows[i][1] = f"X{i}"
    fields = infer_one(write_csv(tmp_path / "late.csv", ["id", "code"], rows))
    assert kind(fields["code"]) == "string"
    note = next(e for e in fields["code"].evidence if e.rule.startswith("below-tolerance"))
    assert note.violating == 500


def test_codes_with_leading_zeros_stay_text_and_01_stays_integer(tmp_path: Path) -> None:
    rows = [[f"{i % 1000:05d}", f"{i:06d}", i % 2, "+4915112345678"] for i in range(300)]
    fields = infer_one(write_csv(tmp_path / "codes.csv", ["zip", "account", "flag", "phone"], rows))
    assert kind(fields["zip"]) == "string"
    assert kind(fields["account"]) == "string"
    assert "leading_zeros" in fields["zip"].hints
    assert kind(fields["flag"]) == "integer"
    assert kind(fields["phone"]) == "string"


def test_boolean_spellings_and_null_tokens(tmp_path: Path) -> None:
    spellings = ["yes", "no", "Y", "N", "true", "FALSE", "on", "off", "t", "f"]
    tokens = ["", "NA", "N/A", "null", "NULL", "None", "nan", "-", "#N/A", "  "]
    rows = [[spellings[i % 10], i if i % 10 else tokens[(i // 10) % 10]] for i in range(200)]
    fields = infer_one(write_csv(tmp_path / "b.csv", ["flag", "n"], rows))
    assert kind(fields["flag"]) == "boolean"
    assert kind(fields["n"]) == "integer"
    assert fields["n"].nullable is True
    assert fields["flag"].nullable is False


def test_dates_day_first_month_first_and_ambiguous(tmp_path: Path) -> None:
    rows = [
        [
            f"{d}/{m}/2024",
            f"{m}/{d}/2024",
            f"{(d % 12) + 1:02d}/{m:02d}/2024",
            f"{d:02d}.{m:02d}.2024",
        ]
        for d in range(1, 29)
        for m in range(1, 13)
    ]
    fields = infer_one(write_csv(tmp_path / "d.csv", ["eu", "us", "ambiguous", "dotted"], rows))
    assert (kind(fields["eu"]), fields["eu"].type.pattern) == ("date", "%d/%m/%Y")
    assert (kind(fields["us"]), fields["us"].type.pattern) == ("date", "%m/%d/%Y")
    assert kind(fields["ambiguous"]) == "date"
    assert "ambiguous_date" in fields["ambiguous"].hints
    assert fields["dotted"].type.pattern == "%d.%m.%Y"


def test_decimal_comma_file_and_exact_precision_scale(tmp_path: Path) -> None:
    rows = [[f"{i}", f"{i * 1.5:.2f}".replace(".", ","), f"1.{i:03d},5"] for i in range(1, 300)]
    fields = infer_one(write_csv(tmp_path / "eu.csv", ["n", "amount", "big"], rows, ";"))
    amount = fields["amount"]
    assert (kind(amount), amount.type.precision, amount.type.scale) == ("decimal", 5, 2)
    assert "decimal_separator:," in amount.hints
    big = fields["big"]
    assert (kind(big), big.type.precision, big.type.scale) == ("decimal", 5, 1)


def test_integers_beyond_64_bits_become_decimal(tmp_path: Path) -> None:
    rows = [[str(10**25 + i)] for i in range(50)]
    fields = infer_one(write_csv(tmp_path / "big.csv", ["n"], rows))
    assert (kind(fields["n"]), fields["n"].type.scale, fields["n"].type.precision) == (
        "decimal",
        0,
        26,
    )


def test_epoch_seconds_is_a_hint_on_an_integer(tmp_path: Path) -> None:
    rows = [[1_700_000_000 + i * 3600] for i in range(100)]
    fields = infer_one(write_csv(tmp_path / "e.csv", ["ts"], rows))
    assert kind(fields["ts"]) == "integer"
    assert "epoch_seconds" in fields["ts"].hints


def test_all_null_column_has_type_null(tmp_path: Path) -> None:
    rows = [[i, ""] for i in range(20)]
    fields = infer_one(write_csv(tmp_path / "n.csv", ["id", "empty"], rows))
    assert kind(fields["empty"]) == "null"
    assert fields["empty"].nullable is True


def test_format_false_positives_are_rejected(tmp_path: Path) -> None:
    rows = [
        [str(1234567890 + i * 7919), ["AB", "XY", "QQ", "ZZ"][i % 4], "data"] for i in range(200)
    ]
    fields = infer_one(write_csv(tmp_path / "f.csv", ["digits", "pairs", "word"], rows))
    assert all(f.format is None for f in fields.values())


def test_nested_json_paths_optional_keys_and_arrays(tmp_path: Path) -> None:
    records = [
        {
            "id": i,
            "user": {"name": f"u{i}", "geo": {"country": "DE"}},
            "items": [{"sku": "A", "qty": 1}] * (i % 3),
            "tags": ["x", "y"][: i % 3],
            **({"coupon": "SAVE"} if i % 4 == 0 else {}),
        }
        for i in range(50)
    ]
    path = tmp_path / "events.jsonl"
    path.write_bytes(b"\n".join(orjson.dumps(r) for r in records) + b"\n")
    result = infer_detailed(str(path))
    (table,) = result.schema.tables
    by_name = {f.name: f for f in table.fields}
    user = by_name["user"]
    assert kind(user) == "object"
    assert [f.path for f in user.type.fields] == ["user.name", "user.geo"]
    assert [f.path for f in user.type.fields[1].type.fields] == ["user.geo.country"]
    items = by_name["items"]
    assert kind(items) == "array"
    assert str(items.type.items.kind) == "object"
    assert str(by_name["tags"].type) == "array<string>"
    assert by_name["coupon"].nullable is True


def test_columns_that_differ_between_files_merge_as_optional(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    write_csv(tmp_path / "a" / "orders.csv", ["id", "note"], [[i, ""] for i in range(10)])
    write_csv(
        tmp_path / "b" / "orders.csv", ["id", "note", "extra"], [[i, "x", 5] for i in range(10)]
    )
    result = infer_detailed(str(tmp_path))
    (table,) = result.schema.tables
    fields = {f.path: f for f in table.fields}
    assert table.row_count == 20
    assert kind(fields["note"]) == "string"  # all-null in one file, text in the other
    assert fields["extra"].frequency == 0.5
    assert fields["extra"].nullable is True


def test_output_is_deterministic(tmp_path: Path) -> None:
    rows = [
        [i, f"name {i % 13}", f"{i * 0.25:.2f}", "2024-01-0" + str(1 + i % 9)] for i in range(5000)
    ]
    path = write_csv(tmp_path / "d.csv", ["id", "name", "amount", "day"], rows)
    first = to_json(infer_detailed(str(path)).schema)
    second = to_json(infer_detailed(str(path), threads=1).schema)
    assert first == second


def test_sample_profiles_rows_from_the_whole_file(tmp_path: Path) -> None:
    rows = [[i, "early" if i < 50_000 else "late"] for i in range(100_000)]
    path = write_csv(tmp_path / "s.csv", ["id", "phase"], rows)
    result = infer_detailed(str(path), sample=5000)
    (table,) = result.schema.tables
    top = dict(table.field("phase").stats.top_values)
    assert set(top) == {"early", "late"}
    assert 3000 < table.row_count < 7000


def schema_of(result) -> Schema:  # type: ignore[no-untyped-def]
    return result.schema


def test_text_that_starts_with_a_zero_digit_is_not_a_code_with_leading_zeros(
    tmp_path: Path,
) -> None:
    """Uuids like 09a3b59f-… and phrases like "0800 free call" are text, not numbers
    written with a leading zero: no leading-zeros hint or codes-stay-text evidence."""
    rows = [
        [f"0{i % 10}a3b59f-aece-4ba9-acfa-19f1741b{i:04d}", f"0800 call {i}", f"{i % 1000:05d}"]
        for i in range(300)
    ]
    fields = infer_one(write_csv(tmp_path / "ids.csv", ["ref", "note", "zip"], rows))
    for name in ("ref", "note"):
        assert "leading_zeros" not in fields[name].hints
        assert not [e for e in fields[name].evidence if e.rule == "codes-stay-text"]
    assert "leading_zeros" in fields["zip"].hints


def test_codes_evidence_says_how_many_values_were_tested(tmp_path: Path) -> None:
    """Numbers stop being tested once a column shows codes with leading zeros (in the
    head of a large input), so the evidence names its count out of the values tested,
    not out of the column: 1 in 10 zip codes of 60,000 rows has a leading zero, and the
    count is exact for the values it covers."""
    import re

    zips = [f"{(i * 7919) % 100_000:05d}" for i in range(60_000)]
    path = write_csv(tmp_path / "zips.csv", ["zip"], [[z] for z in zips])
    (evidence,) = [e for e in infer_one(path)["zip"].evidence if e.rule == "codes-stay-text"]
    found = re.fullmatch(
        r"([\d,]+) of the ([\d,]+) values tested as numbers have a leading zero or '\+': "
        r"identifiers, not numbers",
        evidence.note or "",
    )
    assert found, evidence.note
    zeros, tested = (int(g.replace(",", "")) for g in found.groups())
    assert zeros == evidence.violating
    assert 0 < tested < len(zips)  # the head, not the column
    assert zeros == sum(z.startswith("0") for z in zips[:tested])

    small = write_csv(tmp_path / "few.csv", ["zip"], [[z] for z in zips[:100]])
    (evidence,) = [e for e in infer_one(small)["zip"].evidence if e.rule == "codes-stay-text"]
    assert evidence.note is not None
    assert evidence.note.startswith(f"{sum(z.startswith('0') for z in zips[:100])} of the 100 ")
