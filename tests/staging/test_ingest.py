"""Ingest on every backend: lossless records, provenance, the count ledger, failures."""

from __future__ import annotations

import csv
import gzip
import hashlib
from pathlib import Path

import orjson
import pytest

from assay.errors import UsageError
from assay.sources.json_reader import check_record
from assay.staging import IngestOptions, StagingStore, ingest
from tests.conftest import SHOP
from tests.staging.conftest import write_jsonl


def rows(store: StagingStore, sql: str, params: tuple = ()) -> list[tuple]:
    return store.fetch(sql, params)[1]


def test_shop_lands_every_record_once_with_provenance(store: StagingStore) -> None:
    report = ingest(store, [str(SHOP)])
    assert [f.status for f in report.files] == ["staged"] * 5
    c = report.counts
    assert (c.records_read, c.records_staged, c.duplicates, c.quarantined) == (3202, 3197, 0, 5)
    per_partition = rows(
        store,
        "SELECT partition_key, count(*) FROM assay_staging.records GROUP BY 1 ORDER BY 1",
    )
    assert per_partition == [
        ("customers", 249),
        ("order_items", 1530),
        ("orders", 600),
        ("payments", 517),
        ("reviews", 301),
    ]
    # The quarantine holds the deliberately broken records, located.
    quarantined = rows(
        store,
        "SELECT partition_key, line_no, record_no, code FROM assay_staging.quarantine "
        "ORDER BY partition_key, line_no",
    )
    assert quarantined == [
        ("customers", 23, 22, "undecodable_bytes"),
        ("customers", 234, 233, "ragged_row"),
        ("order_items", 1110, 1109, "ragged_row"),
        ("orders", 495, 495, "invalid_json"),
        ("payments", 194, 192, "ragged_row"),
    ]
    # The ledger: read = staged + duplicates + quarantined, per file and per batch.
    for read, staged, dup, quar in rows(
        store,
        "SELECT records_read, records_staged, duplicates, quarantined FROM assay_staging.files",
    ):
        assert read == staged + dup + quar
    batch = store.batch(report.batch_id)
    assert batch is not None and batch.status == "complete"
    assert (batch.files_staged, batch.records_staged, batch.quarantined) == (5, 3197, 5)


def test_json_lines_are_stored_exactly_as_written(store: StagingStore, tmp_path: Path) -> None:
    lines = [
        '{"b": 1, "a": 2}',
        '{"a":1.0,"big":123456789012345678901234567890,"e":1e2,"u":"caf\\u00e9 ☕"}',
        '{"missing_vs_null": null}',
        "{}",
        '{"dup":1,"dup":2}',
        '  {"padded": true}\t',
    ]
    path = write_jsonl(tmp_path / "events.jsonl", lines, newline="\r\n")
    ingest(store, [str(path)])
    stored = rows(
        store,
        "SELECT line_no, record_no, CAST(raw AS VARCHAR), content_hash "
        "FROM assay_staging.records ORDER BY record_no",
    )
    expected = [line.strip() for line in lines]
    assert [r[2] for r in stored] == expected
    assert [r[0] for r in stored] == [1, 2, 3, 4, 5, 6]
    assert [r[3] for r in stored] == [hashlib.md5(t.encode()).hexdigest() for t in expected]


def test_csv_rows_land_as_objects_of_the_original_text(store: StagingStore) -> None:
    ingest(store, [str(SHOP / "order_items.csv")])
    stored = rows(
        store,
        "SELECT record_no, line_no, CAST(raw AS VARCHAR) FROM assay_staging.records "
        "ORDER BY record_no LIMIT 3",
    )
    with open(SHOP / "order_items.csv", newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        first = [dict(zip(header, next(reader), strict=True)) for _ in range(3)]
    assert [orjson.loads(r[2]) for r in stored] == first
    assert [(r[0], r[1]) for r in stored] == [(1, 2), (2, 3), (3, 4)]
    # Key order is the file's column order; an empty cell stays an empty string.
    assert list(orjson.loads(stored[1][2])) == header
    assert orjson.loads(stored[1][2])["discount_pct"] == ""


def test_bad_json_records_are_quarantined_with_exact_reasons(
    store: StagingStore, tmp_path: Path
) -> None:
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(
        b'{"ok": 1}\n'
        b"[1, 2]\n"
        b'{"trailing": 1,}\n'
        b'{"nan": NaN}\n'
        b'{"broken": \n'
        b'{"ok": 2}\n'
        b'{"latin": "\xe9t\xe9"}\n'
        b'{"info": "no, inf here"}\n'
        # Enough UTF-8 text that the file is read as UTF-8 with one stray Latin-1 line.
        + "".join(f'{{"n": {i}, "text": "café crème ☕"}}\n' for i in range(200)).encode()
    )
    report = ingest(store, [str(path)])
    # DuckDB's JSON reads NaN, Infinity and trailing commas; PostgreSQL's json refuses them.
    lenient = store.dialect == "duckdb"
    c = report.counts
    assert (c.records_read, c.records_staged, c.quarantined) == (
        (208, 205, 3) if lenient else (208, 203, 5)
    )
    staged = rows(
        store,
        "SELECT line_no, CAST(raw AS VARCHAR) FROM assay_staging.records "
        "WHERE line_no <= 8 ORDER BY line_no",
    )
    accepted = [(3, '{"trailing": 1,}'), (4, '{"nan": NaN}')] if lenient else []
    assert staged == sorted(
        [(1, '{"ok": 1}'), (6, '{"ok": 2}'), (8, '{"info": "no, inf here"}'), *accepted]
    )
    quarantined = rows(
        store,
        "SELECT line_no, record_no, code, reason, raw_text FROM assay_staging.quarantine "
        "ORDER BY line_no",
    )
    refused = [] if lenient else [(3, 3, "invalid_json"), (4, 4, "invalid_json")]
    assert [(q[0], q[1], q[2]) for q in quarantined] == sorted(
        [(2, 2, "not_an_object"), *refused, (5, 5, "invalid_json"), (7, 7, "invalid_json")]
    )
    by_line = {q[0]: q for q in quarantined}
    assert by_line[2][3] == "expected a JSON object, found list"
    assert by_line[5][3] == check_record(b'{"broken":')[1]  # type: ignore[index]
    assert "UTF-8" in by_line[7][3]
    if not lenient:
        assert by_line[4][3] == check_record(b'{"nan": NaN}')[1]  # type: ignore[index]
        assert by_line[4][4] == '{"nan": NaN}'
    raw = rows(store, "SELECT raw FROM assay_staging.quarantine WHERE line_no = 7")[0][0]
    assert bytes(raw) == b'{"latin": "\xe9t\xe9"}'


def test_on_error_skip_counts_without_keeping_and_fail_rolls_the_file_back(
    store: StagingStore, tmp_path: Path
) -> None:
    bad = write_jsonl(tmp_path / "bad.jsonl", ['{"a": 1}', "not json", '{"a": 3}'])
    report = ingest(store, [str(bad)], IngestOptions(read={"on_error": "skip"}))
    assert (report.counts.records_staged, report.counts.quarantined) == (2, 1)
    assert rows(store, "SELECT count(*) FROM assay_staging.quarantine") == [(0,)]

    good = write_jsonl(tmp_path / "good.jsonl", ['{"b": 1}'])
    report = ingest(
        store, [str(bad), str(good)], IngestOptions(dedup="none", read={"on_error": "fail"})
    )
    assert [(f.uri.rsplit("/", 1)[-1], f.status) for f in report.files] == [
        ("bad.jsonl", "failed"),
        ("good.jsonl", "staged"),
    ]
    reason = check_record(b"not json")
    assert reason is not None and reason[1].startswith("invalid JSON: ")
    assert str(report.errors[0]).endswith(f"bad.jsonl:2: {reason[1]}")
    batch = store.batch(report.batch_id)
    assert batch is not None
    assert (batch.status, batch.files_failed, batch.records_staged) == (
        "complete_with_errors",
        1,
        1,
    )
    # Nothing of the failed file was kept in this batch.
    assert rows(
        store,
        "SELECT count(*) FROM assay_staging.records WHERE batch_id = ?",
        (report.batch_id,),
    ) == [(1,)]
    failed = rows(
        store,
        "SELECT status, error FROM assay_staging.files WHERE batch_id = ? AND status = 'failed'",
        (report.batch_id,),
    )
    assert failed[0][1].endswith(f"bad.jsonl:2: {reason[1]}")


def test_a_file_that_breaks_half_way_is_not_staged_at_all(
    store: StagingStore, tmp_path: Path
) -> None:
    body = "\n".join(f'{{"n": {i}, "pad": "{"x" * 200}"}}' for i in range(20_000)).encode()
    packed = gzip.compress(body)
    (tmp_path / "a_truncated.jsonl.gz").write_bytes(packed[: len(packed) // 2])
    write_jsonl(tmp_path / "b_good.jsonl", ['{"ok": true}'])
    report = ingest(store, [str(tmp_path)])
    assert [f.status for f in report.files] == ["failed", "staged"]
    assert report.errors[0].code == "truncated"
    assert rows(store, "SELECT count(*) FROM assay_staging.records") == [(1,)]
    assert rows(store, "SELECT count(*) FROM assay_staging.quarantine") == [(0,)]


def test_batch_size_splits_inserts_without_changing_the_result(
    store: StagingStore, tmp_path: Path
) -> None:
    lines = [f'{{"n": {i}}}' for i in range(2500)]
    path = write_jsonl(tmp_path / "n.jsonl", lines)
    report = ingest(store, [str(path)], IngestOptions(batch_size=300, dedup="content"))
    assert report.counts.records_staged == 2500
    assert rows(
        store,
        "SELECT count(*), count(DISTINCT record_id), min(record_no), max(record_no) "
        "FROM assay_staging.records",
    ) == [(2500, 2500, 1, 2500)]


def test_zip_members_become_partitions_of_one_atomic_file(
    store: StagingStore, tmp_path: Path
) -> None:
    import zipfile

    with zipfile.ZipFile(tmp_path / "export.zip", "w") as archive:
        archive.writestr("customers.csv", "id,name\n1,Ann\n2,Bob\n")
        archive.writestr("orders.jsonl", '{"id": 1}\n{"id": 2}\n{"id": 3}\n')
    report = ingest(store, [str(tmp_path / "export.zip")])
    assert report.counts.records_staged == 5
    assert rows(
        store,
        "SELECT partition_key, records_staged FROM assay_staging.file_partitions ORDER BY 1",
    ) == [("customers", 2), ("orders", 3)]
    assert rows(store, "SELECT format FROM assay_staging.files") == [("mixed",)]


def test_partition_option_puts_every_record_in_one_partition(
    store: StagingStore, tmp_path: Path
) -> None:
    write_jsonl(tmp_path / "day1.jsonl", ['{"a": 1}'])
    write_jsonl(tmp_path / "day2.jsonl", ['{"a": 2}', '{"a": 3}'])
    ingest(store, [str(tmp_path)], IngestOptions(partition="events"))
    assert rows(store, "SELECT partition_key, count(*) FROM assay_staging.records GROUP BY 1") == [
        ("events", 3)
    ]


def test_nothing_to_stage_is_a_usage_error(store: StagingStore, tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="nothing to stage"):
        ingest(store, [])
    with pytest.raises(UsageError, match="no unfinished batch"):
        ingest(store, None, IngestOptions(resume=True))
    missing = tmp_path / "nope.csv"
    with pytest.raises(Exception, match="no such file or directory"):
        ingest(store, [str(missing)])


def test_tabs_backslashes_and_odd_partition_keys_survive_the_bulk_load(
    store: StagingStore, tmp_path: Path
) -> None:
    lines = ['{"a":\t"tab \\t and backslash \\\\ inside"}', '{"path": "C:\\\\temp\\\\new"}']
    path = write_jsonl(tmp_path / "odd.jsonl", lines)
    key = "odd\tkey \\N with\\backslash"
    ingest(store, [str(path)], IngestOptions(partition=key))
    stored = rows(
        store,
        "SELECT partition_key, line_no, CAST(raw AS VARCHAR) FROM assay_staging.records "
        "ORDER BY record_no",
    )
    assert stored == [(key, 1, lines[0]), (key, 2, lines[1])]


def test_content_dedup_sets_aside_what_the_engine_refuses(
    store: StagingStore, tmp_path: Path
) -> None:
    path = write_jsonl(
        tmp_path / "n.jsonl", ['{"v": 1}', '{"v": NaN}', '{"v": 1}', '{"v": Infinity}']
    )
    report = ingest(store, [str(path)], IngestOptions(dedup="content"))
    c = report.counts
    if store.dialect == "duckdb":
        assert (c.records_staged, c.duplicates, c.quarantined) == (3, 1, 0)
    else:
        assert (c.records_staged, c.duplicates, c.quarantined) == (1, 1, 2)
        assert rows(store, "SELECT line_no FROM assay_staging.quarantine ORDER BY 1") == [
            (2,),
            (4,),
        ]


def test_a_refusal_without_a_grammar_error_is_located_by_the_copy_line() -> None:
    import pyarrow as pa

    from assay.staging.copy_text import refused as _refused

    class Diag:
        context = 'COPY records, line 2, column raw: "{...}"'
        message_primary = "invalid input syntax for type json"

    class RefusalError(Exception):
        diag = Diag()

    table = pa.table(
        {
            "record_no": [1, 2, 3],
            "line_no": [10, 11, 12],
            "content_hash": ["a", "b", "c"],
            "raw": ['{"a": 1}', '{"b": 2}', '{"c": 3}'],
        }
    )
    refused, keep = _refused(table, RefusalError(), strict=True)
    assert [(r.record_no, r.line_no, r.reason) for r in refused] == [
        (2, 11, "refused by PostgreSQL: invalid input syntax for type json")
    ]
    assert keep.to_pylist() == [True, False, True]


def test_files_go_to_the_partitions_named_for_them(store: StagingStore) -> None:
    """The pipeline names each file's table (rules, grouping); the rest keep their own."""
    payments = str((SHOP / "payments.csv").resolve())
    customers = str((SHOP / "customers.csv").resolve())
    options = IngestOptions(partitions={payments: "money", customers: "people"})
    report = ingest(
        store,
        [str(SHOP / "payments.csv"), str(SHOP / "customers.csv"), str(SHOP / "orders.jsonl")],
        options,
    )
    assert report.counts.records_staged == 517 + 249 + 600
    per_partition = rows(
        store,
        "SELECT partition_key, count(*) FROM assay_staging.records GROUP BY 1 ORDER BY 1",
    )
    assert per_partition == [("money", 517), ("orders", 600), ("people", 249)]
