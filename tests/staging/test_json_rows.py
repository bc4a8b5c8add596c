"""CSV rows as JSON object texts built with Arrow: byte for byte what DuckDB's ``to_json``
writes for the same rows (the texts staged before this builder existed), for any text."""

from __future__ import annotations

import csv
import hashlib
import json
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assay.sources.model import Origin, SourceBatch
from assay.staging import IngestOptions, ingest, json_rows, open_store
from assay.staging.encode import RecordEncoder

# Every character class the escaping treats differently: controls, quote, backslash,
# slash, DEL, non-ASCII of each UTF-8 width, the JSON-awkward line separators.
_SPECIAL = "".join(chr(i) for i in range(0x20)) + '"\\/\x7fé€😀\u2028\u2029 ,:{}[]'
_TEXT = st.text(
    alphabet=st.sampled_from(_SPECIAL) | st.characters(blacklist_categories=("Cs",)), max_size=12
)


def _to_json(batch: pa.RecordBatch) -> list[str]:
    with duckdb.connect(":memory:") as conn:
        conn.register("t", batch)
        sql = "SELECT to_json(__assay_row) FROM t AS __assay_row"  # as the encoder had it
        return [row[0] for row in conn.execute(sql).fetchall()]


@st.composite
def _batches(draw: st.DrawFn) -> pa.RecordBatch:
    name = _TEXT.filter(lambda n: n and "\x00" not in n)
    names = draw(st.lists(name, min_size=1, max_size=5, unique_by=str.lower))
    rows = draw(st.integers(min_value=0, max_value=6))
    kind = draw(st.sampled_from([pa.string(), pa.large_string()]))
    columns = [pa.array(draw(st.lists(_TEXT, min_size=rows, max_size=rows)), kind) for _ in names]
    return pa.record_batch(columns, names=names)


@settings(max_examples=300, deadline=None)
@given(_batches())
def test_the_texts_are_those_duckdb_to_json_writes(batch: pa.RecordBatch) -> None:
    assert json_rows.qualifies(batch)
    texts = json_rows.object_texts(batch).to_pylist()
    assert texts == _to_json(batch)
    for text, row in zip(texts, batch.to_pylist(), strict=True):
        assert list(json.loads(text).items()) == list(row.items())


def test_a_sliced_batch_uses_only_its_own_rows() -> None:
    batch = pa.record_batch(
        [pa.array(['a"', "b\\", "c\n", "d"]), pa.array(["1", "2", "3", "4"])], names=["x", "y"]
    )
    part = batch.slice(1, 2)
    assert json_rows.object_texts(part).to_pylist() == [
        '{"x":"b\\\\","y":"2"}',
        '{"x":"c\\n","y":"3"}',
    ]


@pytest.mark.parametrize(
    "batch",
    [
        pa.record_batch([pa.array(["a", None])], names=["x"]),
        pa.record_batch([pa.array([1, 2])], names=["x"]),
        pa.record_batch([pa.array(["a"]), pa.array(["b"])], names=["x", "x"]),
        pa.record_batch([pa.array(["a"]), pa.array(["b"])], names=["x", "X"]),
        pa.record_batch([pa.array(["a"]), pa.array(["b"])], names=["", "b"]),
        pa.record_batch([pa.array(["a"]), pa.array(["b"])], names=["a\x00", "b"]),
    ],
    ids=["null", "typed", "duplicate-names", "names-equal-but-for-case", "empty-name", "nul"],
)
def test_other_batches_do_not_qualify_and_still_encode_as_to_json(batch: pa.RecordBatch) -> None:
    assert not json_rows.qualifies(batch)
    encoder = RecordEncoder()
    try:
        encoded = encoder.encode(SourceBatch(batch, Origin(uri="t.csv", first_record=1)))
    finally:
        encoder.close()
    assert encoded.table.column("raw").to_pylist() == _to_json(batch)


def test_the_encoder_hashes_the_built_texts() -> None:
    batch = pa.record_batch([pa.array(["1", "2"]), pa.array(['say "hi"', ""])], names=["id", "t"])
    encoder = RecordEncoder()
    try:
        table = encoder.encode(SourceBatch(batch, Origin(uri="t.csv", first_record=7))).table
    finally:
        encoder.close()
    raw = table.column("raw").to_pylist()
    assert raw == ['{"id":"1","t":"say \\"hi\\""}', '{"id":"2","t":""}']
    assert table.column("content_hash").to_pylist() == [
        hashlib.md5(text.encode()).hexdigest() for text in raw
    ]
    assert table.column("record_no").to_pylist() == [7, 8]


# Cells of every awkward kind, as they stand in a CSV file (quoted where they must be).
_TRICKY = [
    ["plain", "1"],
    ['say "hi"', "back\\slash"],
    ["", ""],
    ["line\nbreak", "crlf\r\ninside"],
    ["tab\there", "bell\x07 nul-free \x1f unit"],
    ["né € 😀", "\u2028\u2029/\x7f"],
    ["ends in \\", "{}[],:"],
]


def test_tricky_csv_cells_are_staged_as_to_json_wrote_them(store_url: str, tmp_path: Path) -> None:
    """End to end on every backend: the stored texts and hashes of a CSV with quotes,
    backslashes, control characters, non-ASCII, empty cells and embedded newlines are
    those DuckDB's ``to_json`` wrote for the same rows (the encoder before the builder)."""
    path = tmp_path / "tricky.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["name", 'we"ird key é'])
        writer.writerows(_TRICKY)
    with open_store(store_url) as store:
        # The dialect is given: a sniffer may take the backslashes for escapes.
        read = {"delimiter": ",", "quotechar": '"', "header": True}
        report = ingest(store, [str(path)], IngestOptions(read=read))
        assert report.counts.records_staged == len(_TRICKY)
        stored = store.fetch(
            "SELECT raw, content_hash FROM assay_staging.records ORDER BY record_no"
        )[1]
    batch = pa.record_batch(
        [pa.array([row[i] for row in _TRICKY]) for i in range(2)], names=["name", 'we"ird key é']
    )
    expected = _to_json(batch)
    texts = [raw if isinstance(raw, str) else json.dumps(raw) for raw, _ in stored]
    assert texts == expected
    assert [h for _, h in stored] == [hashlib.md5(t.encode()).hexdigest() for t in expected]
    assert [list(json.loads(t).values()) for t in texts] == _TRICKY
