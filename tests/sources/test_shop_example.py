"""The bundled example dataset reads as its answer key (examples/shop/dirty.yaml) says."""

from __future__ import annotations

import pytest
import yaml

import assay.sources as sources
from tests.conftest import SHOP, read_all

KEY = yaml.safe_load((SHOP / "dirty.yaml").read_text(encoding="utf-8"))
FILES = KEY["files"]
# Defects that make a record unreadable as data (the rest are type-level: a bad date is
# still a record and is the inference/loading stages' business).
STRUCTURAL = {
    "ragged_row": "ragged_row",
    "undecodable_byte": "undecodable_bytes",
    "invalid_json": "invalid_json",
}


@pytest.mark.parametrize("name", sorted(FILES))
def test_detection_matches_the_answer_key(name: str) -> None:
    facts = FILES[name]
    detection = sources.sniff(str(SHOP / name))
    assert detection.format == facts["format"]
    assert detection.encoding == facts["encoding"]
    if facts["format"] == "csv":
        assert detection.columns == facts["columns"]
        assert detection.dialect is not None
        assert detection.dialect.delimiter == facts["delimiter"]
        assert detection.dialect.line_terminator == facts["line_terminator"]
        assert detection.dialect.skip_rows == facts["preamble_lines"]
        assert detection.dialect.header is True
    else:
        # JSON keys come in first-seen order; optional keys appear where first used.
        assert sorted(detection.columns) == sorted(facts["columns"])


@pytest.mark.parametrize("name", sorted(FILES))
def test_every_record_is_read_or_quarantined_with_its_line_and_reason(name: str) -> None:
    source, tables = read_all(SHOP / name)
    assert source.errors == []
    ((stream, table),) = tables
    expected = [d for d in KEY["dirty"] if d["file"] == name and d["kind"] in STRUCTURAL]
    got = sorted((q.line, q.record, q.code) for q in source.quarantined)
    assert got == sorted((d["line"], d["record"], STRUCTURAL[d["kind"]]) for d in expected)
    # Nothing lost: rows read + quarantined = records in the file.
    assert table.num_rows + len(source.quarantined) == FILES[name]["records"]
    assert stream.records_read == table.num_rows
    assert stream.records_quarantined == len(source.quarantined)
    for record in source.quarantined:
        assert record.uri.endswith(name)
        assert record.raw  # the raw text is kept for repair


def test_undecodable_byte_is_quarantined_with_raw_bytes_and_field() -> None:
    source, _ = read_all(SHOP / "customers.csv")
    (bad,) = [q for q in source.quarantined if q.code == "undecodable_bytes"]
    assert b"Dupr\xe9" in bad.raw
    assert "last_name" in bad.reason
    assert bad.line == 23


def test_cp1252_payments_decode_euro_and_umlauts_and_skip_the_preamble() -> None:
    _, ((_, table),) = read_all(SHOP / "payments.csv")
    methods = set(table.column("method").to_pylist())
    assert "Überweisung" in methods
    references = " ".join(table.column("reference").to_pylist())
    assert "€" in references
    assert table.column("payment_id")[0].as_py() == "70001"


def test_line_numbers_of_rows_point_at_the_physical_lines() -> None:
    source = sources.open_source(str(SHOP / "order_items.csv"))
    stream = next(source.streams())
    lines = []
    ids = []
    for batch in stream.batches():
        lines.extend(batch.line_numbers().tolist())
        ids.extend(batch.data.column("order_id").to_pylist())
    raw = (SHOP / "order_items.csv").read_bytes().split(b"\r\n")
    # Each row's line holds that row's order_id as its first field.
    for line, order_id in list(zip(lines, ids, strict=True))[::97]:
        assert raw[line - 1].split(b",")[0].decode() == order_id
    assert 1110 not in lines  # the quarantined ragged row


def test_json_array_records_carry_the_line_of_their_opening_brace() -> None:
    source = sources.open_source(str(SHOP / "reviews.json"))
    stream = next(source.streams())
    (batch,) = list(stream.batches())
    lines = batch.line_numbers().tolist()
    text = (SHOP / "reviews.json").read_text(encoding="utf-8").split("\n")
    assert all(text[n - 1].strip() == "{" for n in lines)
    assert len(lines) == 301


def test_nested_json_stays_nested_and_timestamps_stay_text() -> None:
    _, ((_, table),) = read_all(SHOP / "orders.jsonl")
    shipping = table.schema.field("shipping").type
    assert shipping.num_fields >= 4
    assert table.schema.field("ordered_at").type == "string"
    assert table.column("ordered_at")[0].as_py().endswith("+01:00")


def test_the_whole_directory_reads_as_five_tables_and_skips_docs() -> None:
    source, tables = read_all(SHOP)
    names = [stream.name for stream, _ in tables]
    assert names == ["customers", "order_items", "orders", "payments", "reviews"]
    assert source.errors == []
    assert len(source.quarantined) == 5
