"""Raw record batches: JSON texts as written, with exact record and line numbers."""

from __future__ import annotations

from pathlib import Path

import pytest

import assay.sources as sources
from assay.errors import UsageError
from assay.sources.raw_records import RAW_COLUMN


def raw(path: Path, **options: object) -> tuple[sources.Source, list[sources.SourceBatch]]:
    source = sources.open_source(str(path), **options)
    batches = [b for s in source.streams() for b in s.raw_batches()]
    return source, batches


def test_jsonl_texts_are_cut_out_unparsed(tmp_path: Path) -> None:
    path = tmp_path / "e.jsonl"
    path.write_bytes(b'{"b":1, "a":2}\r\n\r\n   \n {"x": [1.50, 2e1]} \n[1]\nnot json')
    _, batches = raw(path)
    assert all(b.data.schema.names == [RAW_COLUMN] for b in batches)
    texts = [t for b in batches for t in b.data.column(0).to_pylist()]
    assert texts == ['{"b":1, "a":2}', '{"x": [1.50, 2e1]}', "[1]", "not json"]
    assert [n for b in batches for n in b.line_numbers().tolist()] == [1, 4, 5, 6]
    assert [n for b in batches for n in b.record_numbers().tolist()] == [1, 2, 3, 4]


def test_chunks_keep_numbering_across_boundaries(tmp_path: Path) -> None:
    path = tmp_path / "many.jsonl"
    path.write_text("".join(f'{{"n": {i}}}\n' + ("\n" if i % 7 == 0 else "") for i in range(5000)))
    _, batches = raw(path, chunk_bytes=4096)
    assert len(batches) > 10
    texts = [t for b in batches for t in b.data.column(0).to_pylist()]
    records = [r for b in batches for r in b.record_numbers().tolist()]
    lines = [n for b in batches for n in b.line_numbers().tolist()]
    assert texts == [f'{{"n": {i}}}' for i in range(5000)]
    assert records == list(range(1, 5001))
    expected_lines, line = [], 1
    for i in range(5000):
        expected_lines.append(line)
        line += 2 if i % 7 == 0 else 1
    assert lines == expected_lines


def test_bytes_that_are_not_utf8_are_quarantined_and_left_null(tmp_path: Path) -> None:
    path = tmp_path / "mostly_utf8.jsonl"
    body = "".join(f'{{"n": {i}, "t": "café"}}\n' for i in range(300)).encode()
    path.write_bytes(body + b'{"bad": "\xff\xfe"}\n{"n": "after"}\n')
    source, batches = raw(path)
    values = [v for b in batches for v in b.data.column(0).to_pylist()]
    assert values[300] is None and values[301] == '{"n": "after"}'
    assert [b.record_numbers()[-1] for b in batches][-1] == 302
    (bad,) = source.quarantined
    assert (bad.line, bad.record, bad.code) == (301, 301, "invalid_json")
    assert bad.raw == b'{"bad": "\xff\xfe"}'


def test_json_documents_give_one_compact_text_per_record(tmp_path: Path) -> None:
    path = tmp_path / "doc.json"
    path.write_text('{"meta": {"n": 2}, "data": [\n  {"a": 1},\n  {"a": [1, 2]}\n]}')
    _, batches = raw(path)
    assert [t for b in batches for t in b.data.column(0).to_pylist()] == ['{"a":1}', '{"a":[1,2]}']


def test_csv_has_no_raw_records_and_a_stream_is_read_once(tmp_path: Path) -> None:
    csv_path = tmp_path / "t.csv"
    csv_path.write_text("a,b\n1,2\n")
    (stream,) = sources.open_source(str(csv_path)).streams()
    assert not stream.has_raw_records
    with pytest.raises(UsageError, match="raw records exist only for JSON"):
        stream.raw_batches()
    jsonl = tmp_path / "t.jsonl"
    jsonl.write_text('{"a": 1}\n')
    (stream,) = sources.open_source(str(jsonl)).streams()
    list(stream.raw_batches())
    with pytest.raises(UsageError, match="read once"):
        stream.raw_batches()
