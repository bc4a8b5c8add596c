"""Every supported format reads into the right Arrow batches, detected by content."""

from __future__ import annotations

import datetime as dt
import json
import zipfile
from pathlib import Path

import openpyxl
import orjson
import pyarrow as pa
import pyarrow.feather as feather
import pyarrow.ipc as ipc
import pyarrow.parquet as pq
import pytest
import xlwt

import assay.sources as sources
from assay.sources import json_reader
from tests.conftest import read_all

TABLE = pa.table(
    {
        "id": pa.array([1, 2, 3], pa.int64()),
        "name": ["a", "b", None],
        "price": pa.array([1.5, 2.25, 3.0]),
        "tags": pa.array([["x"], [], ["y", "z"]]),
    }
)


@pytest.mark.parametrize("name", ["data.parquet", "data.bin"])
def test_parquet_by_magic_bytes_keeps_types(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    pq.write_table(TABLE, path, row_group_size=2)
    _, ((stream, table),) = read_all(path)
    assert stream.detection.format == "parquet"
    assert stream.detection.estimated_rows == 3
    assert table.equals(TABLE)
    batches = [batch for _, batch in sources.open_source(str(path)).batches()]
    starts = [batch.origin.first_record for batch in batches]
    sizes = [batch.num_rows for batch in batches]
    assert starts == [1 + sum(sizes[:i]) for i in range(len(sizes))]


def test_arrow_ipc_file_stream_and_feather(tmp_path: Path) -> None:
    file_path = tmp_path / "data.arrow"
    with ipc.new_file(file_path, TABLE.schema) as writer:
        writer.write_table(TABLE)
    stream_path = tmp_path / "stream.dat"
    with ipc.new_stream(stream_path, TABLE.schema) as writer:
        writer.write_table(TABLE)
    feather_path = tmp_path / "data.feather"
    feather.write_feather(TABLE, feather_path)
    for path in (file_path, stream_path, feather_path):
        _, ((stream, table),) = read_all(path)
        assert stream.detection.format == "arrow", path
        assert table.equals(TABLE), path


def test_xlsx_each_sheet_is_a_table_with_typed_uniform_columns(tmp_path: Path) -> None:
    path = tmp_path / "book.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Customers"
    sheet.append(["id", "name", "joined", "vip", "mixed"])
    sheet.append([1, "Ann", dt.datetime(2024, 1, 2), True, 5])
    sheet.append([2, "Bob", dt.datetime(2024, 2, 3), False, "five"])
    second = book.create_sheet("Orders 2024")
    second.append([None])
    second.append(["order", "amount"])
    second.append([10, 9.99])
    book.create_sheet("Empty")
    book.save(path)
    source, tables = read_all(path)
    assert source.errors == []
    assert [s.name for s, _ in tables] == ["book_customers", "book_orders_2024"]
    (customers, orders) = [t for _, t in tables]
    assert customers.column("id").to_pylist() == [1, 2]
    assert customers.column("vip").to_pylist() == [True, False]
    assert customers.column("joined").to_pylist()[0] in (
        dt.date(2024, 1, 2),
        dt.datetime(2024, 1, 2),
    )
    assert customers.column("mixed").to_pylist() == ["5", "five"]  # mixed cells become text
    assert orders.column("amount").to_pylist() == [9.99]
    batch = next(
        iter(next(sources.open_source(str(path), sheet="Orders 2024").streams()).batches())
    )
    assert batch.origin.sheet == "Orders 2024"
    assert batch.line_numbers().tolist() == [3]  # the header is on row 2


def test_unknown_sheet_lists_the_sheets(tmp_path: Path) -> None:
    path = tmp_path / "book.xlsx"
    book = openpyxl.Workbook()
    book.active.append(["a"])
    book.active.append([1])
    book.save(path)
    source, _ = read_all(path, sheet="Nope")
    (error,) = source.errors
    assert error.code == "no_such_sheet"
    assert "its sheets are: Sheet" in str(error)


def test_legacy_xls(tmp_path: Path) -> None:
    path = tmp_path / "legacy.xls"
    book = xlwt.Workbook()
    sheet = book.add_sheet("Data")
    for j, value in enumerate(["code", "city"]):
        sheet.write(0, j, value)
    sheet.write(1, 0, "007")
    sheet.write(1, 1, "Zürich")
    book.save(str(path))
    _, ((stream, table),) = read_all(path)
    assert stream.detection.format == "excel"
    assert table.to_pylist() == [{"code": "007", "city": "Zürich"}]


def test_ods_spreadsheet(tmp_path: Path) -> None:
    path = tmp_path / "sheet.ods"
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"'
        ' xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"'
        ' xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        '<office:body><office:spreadsheet><table:table table:name="S">'
        '<table:table-row><table:table-cell office:value-type="string"><text:p>k</text:p>'
        '</table:table-cell><table:table-cell office:value-type="string"><text:p>v</text:p>'
        "</table:table-cell></table:table-row>"
        '<table:table-row><table:table-cell office:value-type="string"><text:p>x</text:p>'
        '</table:table-cell><table:table-cell office:value-type="float" office:value="2.5">'
        "<text:p>2.5</text:p></table:table-cell></table:table-row>"
        "</table:table></office:spreadsheet></office:body></office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
        'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0">'
        '<manifest:file-entry manifest:full-path="/" '
        'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    )
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", content)
        archive.writestr("META-INF/manifest.xml", manifest)
    _, ((stream, table),) = read_all(path)
    assert stream.detection.format == "excel"
    assert table.to_pylist() == [{"k": "x", "v": 2.5}]


@pytest.mark.parametrize(
    ("document", "record_path"),
    [
        ([{"a": 1}, {"a": 2}], None),
        ({"data": [{"a": 1}, {"a": 2}], "meta": {"count": 2}}, "data"),
        ({"result": {"items": [{"a": 1}, {"a": 2}]}, "status": "ok"}, "result.items"),
    ],
)
def test_json_document_shapes(tmp_path: Path, document: object, record_path: str | None) -> None:
    path = tmp_path / "doc.json"
    path.write_text(json.dumps(document, indent=2))
    _, ((stream, table),) = read_all(path)
    assert stream.detection.format == "json"
    assert stream.detection.record_path == record_path
    assert table.column("a").to_pylist() == [1, 2]


def test_single_object_is_one_record(tmp_path: Path) -> None:
    path = tmp_path / "one.json"
    path.write_text('{"id": 7, "name": "solo"}')
    _, ((_, table),) = read_all(path)
    assert table.to_pylist() == [{"id": 7, "name": "solo"}]


def test_record_path_option_and_its_error(tmp_path: Path) -> None:
    path = tmp_path / "doc.json"
    path.write_text('{"x": {"rows": [{"a": 1}]}, "y": [{"b": 2}, {"b": 3}]}')
    _, ((_, table),) = read_all(path, record_path="x.rows")
    assert table.to_pylist() == [{"a": 1}]
    source, _ = read_all(path, record_path="nope")
    assert source.errors[0].code == "bad_record_path"


def test_large_json_array_is_streamed_not_loaded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(json_reader, "SMALL_DOCUMENT_BYTES", 1000)
    path = tmp_path / "big.json"
    records = [{"id": i, "v": i / 2, "nested": {"k": str(i)}} for i in range(5000)]
    path.write_bytes(orjson.dumps({"data": records}))
    _, ((stream, table),) = read_all(path, record_path="data")
    assert table.num_rows == 5000
    assert table.column("id").to_pylist() == list(range(5000))
    assert stream.detection.estimated_rows is None  # not parsed up front


def test_jsonl_mixed_types_are_kept_as_json_text_not_lost(tmp_path: Path) -> None:
    path = tmp_path / "mixed.ndjson"
    path.write_text('{"v": 1, "w": 1}\n{"v": "x", "w": 2}\n{"v": [1], "w": 3}\n{"w": 4}\n')
    _, ((_, table),) = read_all(path)
    field = table.schema.field("v")
    assert field.type == pa.string()
    assert field.metadata == {b"assay.encoding": b"json"}
    assert table.column("v").to_pylist() == ["1", '"x"', "[1]", None]
    assert table.column("w").to_pylist() == [1, 2, 3, 4]


def test_jsonl_big_integers_and_timestamps_are_not_altered(tmp_path: Path) -> None:
    path = tmp_path / "ids.jsonl"
    path.write_text(
        '{"id": 12345678901234567890, "at": "2024-03-05T14:22:10+01:00"}\n'
        '{"id": 1, "at": "2024-03-05 14:22:10"}\n'
    )
    _, ((_, table),) = read_all(path)
    assert table.column("id").to_pylist() == ["12345678901234567890", "1"]
    assert table.column("at").to_pylist() == ["2024-03-05T14:22:10+01:00", "2024-03-05 14:22:10"]


def test_jsonl_iso_timestamps_stay_strings(tmp_path: Path) -> None:
    path = tmp_path / "ts.jsonl"
    path.write_text('{"at": "2024-03-05T14:22:10"}\n{"at": "2024-03-06T01:00:00"}\n')
    _, ((_, table),) = read_all(path)
    assert table.schema.field("at").type == pa.string()
    assert table.column("at").to_pylist() == ["2024-03-05T14:22:10", "2024-03-06T01:00:00"]


def test_json_detected_without_extension_and_jsonl_with_a_lying_one(tmp_path: Path) -> None:
    no_ext = tmp_path / "export"
    no_ext.write_text('[{"a": 1}]')
    lying = tmp_path / "export.csv"
    lying.write_text('{"a": 1}\n{"a": 2}\n')
    formats = [s.detection.format for s, _ in read_all([no_ext, lying])[1]]
    assert formats == ["json", "jsonl"]
