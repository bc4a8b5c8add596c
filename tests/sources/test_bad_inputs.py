"""Whole-file problems give a located error; per-record problems follow --on-error."""

from __future__ import annotations

import gzip
import os
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import assay.sources as sources
from assay.errors import InputError, UsageError
from tests.conftest import read_all


def only_error(source: sources.Source) -> InputError:
    assert len(source.errors) == 1, source.errors
    return source.errors[0]


def test_missing_path_names_the_path(tmp_path: Path) -> None:
    missing = tmp_path / "nope.csv"
    source, tables = read_all(missing)
    error = only_error(source)
    assert tables == []
    assert error.code == "not_found"
    assert str(missing) in str(error)
    assert "no such file" in str(error)


def test_glob_matching_nothing_says_so(tmp_path: Path) -> None:
    source, _ = read_all(str(tmp_path / "*.csv"))
    error = only_error(source)
    assert error.code == "not_found"
    assert "matched no files" in str(error)


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    source, tables = read_all(path)
    error = only_error(source)
    assert (error.code, error.path) == ("empty_file", str(path))
    assert tables == []


def test_whitespace_only_file_is_empty(tmp_path: Path) -> None:
    path = tmp_path / "blank.csv"
    path.write_bytes(b"\n\n  \r\n")
    error = only_error(read_all(path)[0])
    assert error.code == "empty_file"


def test_header_only_file(tmp_path: Path) -> None:
    path = tmp_path / "header.csv"
    path.write_bytes(b"id,name,amount\n")
    error = only_error(read_all(path)[0])
    assert error.code == "no_data_rows"
    assert "header but no data rows" in str(error)
    assert str(path) in str(error)


def test_binary_garbage_is_refused_not_parsed(tmp_path: Path) -> None:
    path = tmp_path / "garbage.csv"
    path.write_bytes(bytes(range(256)) * 64)
    error = only_error(read_all(path)[0])
    assert error.code == "unsupported_format"
    assert "binary data" in str(error)


def test_corrupt_parquet(tmp_path: Path) -> None:
    good = tmp_path / "good.parquet"
    pq.write_table(pa.table({"a": list(range(1000))}), good)
    data = good.read_bytes()
    bad = tmp_path / "bad.parquet"
    bad.write_bytes(data[:4] + b"\x00" * (len(data) - 8) + data[-4:])
    error = only_error(read_all(bad)[0])
    assert error.code == "corrupt_parquet"
    assert str(bad) in str(error)


def test_truncated_parquet(tmp_path: Path) -> None:
    good = tmp_path / "good.parquet"
    pq.write_table(pa.table({"a": list(range(1000))}), good)
    cut = tmp_path / "cut.parquet"
    cut.write_bytes(good.read_bytes()[:-10])
    error = only_error(read_all(cut)[0])
    assert error.code == "corrupt_parquet"


def test_permission_denied(tmp_path: Path) -> None:
    path = tmp_path / "secret.csv"
    path.write_bytes(b"a,b\n1,2\n")
    path.chmod(0)
    if os.geteuid() != 0:
        error = only_error(read_all(path)[0])
        assert error.code == "permission_denied"
        return
    # root reads anything: drop the capabilities that let it ignore file modes.
    code = (
        "import assay.sources as s\n"
        f"src = s.open_source({str(path)!r})\n"
        "list(src.streams())\n"
        "print(src.errors[0].code, src.errors[0].path)\n"
    )
    drop = ["setpriv", "--bounding-set", "-dac_override,-dac_read_search"]
    result = subprocess.run(
        [*drop, sys.executable, "-c", code], capture_output=True, text=True, check=False
    )
    assert result.stdout.split() == ["permission_denied", str(path)], result.stderr


def test_other_inputs_still_read_when_one_fails(tmp_path: Path) -> None:
    good = tmp_path / "good.csv"
    good.write_bytes(b"id,name\n1,a\n2,b\n")
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    missing = tmp_path / "missing.csv"
    source, tables = read_all([good, empty, missing])
    assert [t.num_rows for _, t in tables] == [2]
    assert sorted(e.code for e in source.errors) == ["empty_file", "not_found"]


def test_ragged_rows_are_quarantined_with_line_reason_and_raw_text(tmp_path: Path) -> None:
    path = tmp_path / "ragged.csv"
    path.write_bytes(b"id,name,city\n1,Ann,Oslo\n2,Bob\n3,Cy,Rome,extra\n4,Di,Nice\n")
    source, ((stream, table),) = read_all(path)
    assert table.column("id").to_pylist() == ["1", "4"]
    got = [(q.line, q.record, q.code, q.reason, q.text) for q in source.quarantined]
    assert got == [
        (3, 2, "ragged_row", "expected 3 fields, found 2", "2,Bob"),
        (4, 3, "ragged_row", "expected 3 fields, found 4", "3,Cy,Rome,extra"),
    ]
    assert stream.records_read == 2
    assert stream.records_quarantined == 2


def test_on_error_fail_stops_at_the_first_bad_record_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "ragged.csv"
    path.write_bytes(b"id,name\n1,a\n2\n")
    source, _ = read_all(path, on_error="fail")
    error = only_error(source)
    assert (error.code, error.line) == ("ragged_row", 3)
    assert str(error) == f"{path}:3: expected 2 fields, found 1"


def test_on_error_skip_counts_but_keeps_nothing(tmp_path: Path) -> None:
    path = tmp_path / "ragged.csv"
    path.write_bytes(b"id,name\n1,a\n2\n3,c\n")
    source, ((stream, table),) = read_all(path, on_error="skip")
    assert table.num_rows == 2
    assert source.quarantined == []
    assert stream.records_quarantined == 1


def test_unknown_on_error_policy_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="valid values are: quarantine, skip, fail"):
        sources.open_source("x.csv", on_error="ignore")


def test_unknown_option_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="unknown read option"):
        sources.open_source("x.csv", delimeter=";")


def test_invalid_json_lines_are_quarantined(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    path.write_bytes(b'{"a": 1}\n{"a": 2\n\n[1, 2]\n{"a": 3}\n')
    source, ((_, table),) = read_all(path)
    assert table.column("a").to_pylist() == [1, 3]
    got = [(q.line, q.record, q.code) for q in source.quarantined]
    assert got == [(2, 2, "invalid_json"), (4, 3, "not_an_object")]


def test_invalid_json_document_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "doc.json"
    path.write_bytes(b'[\n  {"a": 1},\n  {"a": 2,,}\n]\n')
    error = only_error(read_all(path)[0])
    assert (error.code, error.line) == ("invalid_json", 3)


def test_json_scalar_document_has_no_records(tmp_path: Path) -> None:
    path = tmp_path / "scalar.json"
    path.write_bytes(b'"just a string"')
    error = only_error(read_all(path)[0])
    assert error.code == "no_records"


def test_truncated_gzip_is_an_error_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "data.csv.gz"
    rows = b"id,name\n" + b"".join(b"%d,name %d\n" % (i, i) for i in range(200_000))
    path.write_bytes(gzip.compress(rows)[:200_000])
    source, _ = read_all(path)
    error = only_error(source)
    assert error.code == "truncated"
    assert str(path) in str(error)


def test_unsupported_binary_format_named_explicitly(tmp_path: Path) -> None:
    path = tmp_path / "logo.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(200))
    error = only_error(read_all(path)[0])
    assert error.code == "unsupported_format"
    assert "supported: CSV/TSV, JSON" in str(error)
