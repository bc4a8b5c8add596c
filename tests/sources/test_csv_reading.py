"""CSV reading: lossless text, exact line numbers across chunks, overrides, encodings."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

import assay.sources as sources


def write_rows(
    path: Path, rows: list[list[str]], *, newline: str = "\n", encoding: str = "utf-8"
) -> None:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator=newline)
    writer.writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))


def collect(path: Path, **options: object) -> tuple[list[dict], list[int], sources.Source]:
    source = sources.open_source(str(path), **options)
    rows: list[dict] = []
    lines: list[int] = []
    for _, batch in source.batches():
        rows.extend(batch.data.to_pylist())
        numbers = batch.line_numbers()
        assert numbers is not None
        lines.extend(numbers.tolist())
        assert batch.origin.first_line == numbers[0]
    assert source.errors == []
    return rows, lines, source


def test_values_stay_text_and_empty_is_not_null(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text('zip,amount,note\n01067,"1,5",\n00501,2.50,""\n')
    rows, lines, _ = collect(path)
    assert rows == [
        {"zip": "01067", "amount": "1,5", "note": ""},
        {"zip": "00501", "amount": "2.50", "note": ""},
    ]
    assert lines == [2, 3]


@pytest.mark.parametrize("chunk_bytes", [1 << 10, 1 << 14, 1 << 24])
def test_multiline_values_across_chunk_boundaries_keep_exact_lines(
    tmp_path: Path, chunk_bytes: int
) -> None:
    rows = [["id", "text"]]
    expected_lines = []
    line = 2
    for i in range(3000):
        text = f'line one {i}\nline two, with comma\n"quoted"' if i % 5 == 0 else f"plain {i}"
        rows.append([str(i), text])
        expected_lines.append(line)
        line += text.count("\n") + 1
    path = tmp_path / "multi.csv"
    write_rows(path, rows)
    got, lines, _ = collect(path, chunk_bytes=chunk_bytes)
    assert [r["text"] for r in got] == [r[1] for r in rows[1:]]
    assert lines == expected_lines


@pytest.mark.parametrize("first_chunk_bytes", [700, 1 << 12])
def test_a_smaller_first_chunk_reads_the_same_records_and_lines(
    tmp_path: Path, first_chunk_bytes: int
) -> None:
    # Inference reads a small first chunk (its head); the chunk boundaries move, the
    # records, their line numbers and a ragged row's quarantine must not.
    rows = [["id", "text"]]
    for i in range(2000):
        rows.append([str(i), f'one {i}\ntwo, "x"' if i % 7 == 0 else f"plain {i}"])
    path = tmp_path / "first.csv"
    write_rows(path, rows)
    with path.open("a") as out:
        out.write("2000,too,many\n2001,last\n")
    plain, plain_lines, plain_source = collect(path, chunk_bytes=1 << 14)
    small, small_lines, small_source = collect(
        path, chunk_bytes=1 << 14, first_chunk_bytes=first_chunk_bytes
    )
    assert small == plain and small_lines == plain_lines
    assert [r["id"] for r in small][-2:] == ["1999", "2001"]
    assert [(q.line, q.code) for q in small_source.quarantined] == [
        (q.line, q.code) for q in plain_source.quarantined
    ]
    assert [q.code for q in small_source.quarantined] == ["ragged_row"]


def test_utf8_is_checked_in_every_chunk_after_ascii_ones(tmp_path: Path) -> None:
    # ASCII chunks skip Arrow's UTF-8 check; a later chunk with a bad byte must not.
    lines = ["id,name"] + [f"{i},name {i}" for i in range(1, 2000)]
    lines[1500] = "1500,Zoë"  # valid UTF-8, not ASCII
    path = tmp_path / "late.csv"
    data = ("\n".join(lines) + "\n").encode().replace(b"name 1800\n", b"Ren\xe9e\n")
    path.write_bytes(data)
    rows, numbers, source = collect(path, encoding="utf-8", chunk_bytes=4096)
    assert len(rows) == 1998
    assert {"id": "1500", "name": "Zoë"} in rows
    assert "1800" not in [r["id"] for r in rows]
    assert 1801 not in numbers and numbers[-1] == 2000  # the lines around it unchanged
    (bad,) = source.quarantined
    assert (bad.line, bad.code, bad.raw) == (1801, "undecodable_bytes", b"1800,Ren\xe9e")


def test_spanning_values_bigger_than_arrow_blocks_are_parsed_right(tmp_path: Path) -> None:
    # ~12 MB in one chunk: Arrow splits it into blocks and finds values spanning lines.
    rows = [["id", "text"]] + [
        [str(i), f"first\nsecond {i}" if i % 3 == 0 else "x" * 40] for i in range(220_000)
    ]
    path = tmp_path / "big.csv"
    write_rows(path, rows)
    got, lines, _ = collect(path)
    assert len(got) == 220_000
    assert got[3]["text"] == "first\nsecond 3"
    assert lines[:4] == [2, 4, 5, 6]


def test_record_longer_than_a_chunk(tmp_path: Path) -> None:
    path = tmp_path / "long.csv"
    write_rows(path, [["id", "blob"], ["1", "y" * 50_000], ["2", "z"]])
    got, lines, _ = collect(path, chunk_bytes=4096)
    assert [len(r["blob"]) for r in got] == [50_000, 1]
    assert lines == [2, 3]


def test_blank_and_comment_lines_keep_line_numbers(tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_text("# exported\nid,name\n1,a\n\n# note\n2,b\n3,c\n")
    got, lines, _ = collect(path)
    stream = next(sources.open_source(str(path)).streams())
    assert stream.detection.dialect.comment == "#"
    assert [r["id"] for r in got] == ["1", "2", "3"]
    assert lines == [3, 6, 7]


def test_cr_only_line_endings(tmp_path: Path) -> None:
    path = tmp_path / "mac.csv"
    path.write_bytes(b"a,b\r1,2\r3,4\r")
    got, lines, _ = collect(path)
    assert got == [{"a": "1", "b": "2"}, {"a": "3", "b": "4"}]
    assert lines == [2, 3]


def test_trailing_delimiter_column_is_dropped(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("a;b;\n1;2;\n3;4;\n5;6;\n")
    got, _, _ = collect(path)
    assert got == [{"a": "1", "b": "2"}, {"a": "3", "b": "4"}, {"a": "5", "b": "6"}]


def test_headerless_file_gets_generated_names(tmp_path: Path) -> None:
    path = tmp_path / "h.csv"
    path.write_text("1,2.5,2024-01-01\n2,3.5,2024-01-02\n3,4.5,2024-01-03\n")
    got, lines, _ = collect(path)
    assert got[0] == {"column_1": "1", "column_2": "2.5", "column_3": "2024-01-01"}
    assert lines == [1, 2, 3]


def test_duplicate_and_empty_header_names_are_made_unique(tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    path.write_text("id,name,name,\n1,a,b,c\n2,d,e,f\n")
    detection = sources.sniff(str(path))
    assert detection.columns == ["id", "name", "name_2", "column_4"]


def test_overrides_replace_detection(tmp_path: Path) -> None:
    path = tmp_path / "o.txt"
    path.write_text("title line\nx|y\n1|2\n")
    got, _, _ = collect(path, delimiter="|", skip_rows=1, header=True)
    assert got == [{"x": "1", "y": "2"}]
    got, _, _ = collect(path, delimiter="|", skip_rows=1, header=False)
    assert got == [{"column_1": "x", "column_2": "y"}, {"column_1": "1", "column_2": "2"}]


def test_utf16_and_cp1252_are_decoded(tmp_path: Path) -> None:
    rows = [["name", "price"], ["Crème brûlée", "€4,50"], ["Ελληνικά", "1"]]
    utf16 = tmp_path / "u16.tsv"
    buffer = io.StringIO(newline="")
    csv.writer(buffer, delimiter="\t", lineterminator="\r\n").writerows(rows)
    utf16.write_bytes(b"\xff\xfe" + buffer.getvalue().encode("utf-16-le"))
    got, _, _ = collect(utf16)
    assert got[1] == {"name": "Ελληνικά", "price": "1"}
    cp = tmp_path / "cp.csv"
    write_rows(cp, [*rows[:2], ["Dash – and “quotes”", "2"]], encoding="cp1252")
    got, _, source = collect(cp)
    assert source.quarantined == []
    assert got == [
        {"name": "Crème brûlée", "price": "€4,50"},
        {"name": "Dash – and “quotes”", "price": "2"},
    ]


def test_cp1252_undefined_bytes_are_kept_not_dropped(tmp_path: Path) -> None:
    path = tmp_path / "c1.csv"
    path.write_bytes("name,v\nCafé,1\n".encode("cp1252") + b"x\x81y,2\n")
    got, _, source = collect(path, encoding="cp1252")
    assert got[1]["name"] == "x\x81y"
    assert source.quarantined == []


def test_encoding_override(tmp_path: Path) -> None:
    path = tmp_path / "l1.csv"
    path.write_bytes("name\nJosé\nRenée\n".encode("latin-1"))
    got, _, _ = collect(path, encoding="latin-1")
    assert [r["name"] for r in got] == ["José", "Renée"]


def test_undecodable_bytes_in_utf8_quarantine_only_that_record(tmp_path: Path) -> None:
    path = tmp_path / "u.csv"
    path.write_bytes(
        "id,name\n1,Zoë\n2,Ren\xe9e\n3,Ñúñez\n".encode().replace("Ren\xe9e".encode(), b"Ren\xe9e")
    )
    rows, lines, source = collect(path)
    assert [r["id"] for r in rows] == ["1", "3"]
    assert lines == [2, 4]
    (bad,) = source.quarantined
    assert (bad.line, bad.record, bad.code) == (3, 2, "undecodable_bytes")
    assert bad.raw == b"2,Ren\xe9e"
    assert "field 'name'" in bad.reason
