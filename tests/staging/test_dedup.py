"""Each dedup strategy on every backend, with exact counts."""

from __future__ import annotations

import os
from pathlib import Path

from assay.staging import IngestOptions, StagingStore, ingest
from assay.staging import overview as ov
from tests.staging.conftest import write_jsonl


def scalar(store: StagingStore, sql: str, params: tuple = ()) -> object:
    return store.fetch(sql, params)[1][0][0]


def current(store: StagingStore) -> int:
    return int(scalar(store, "SELECT count(*) FROM assay_staging.current_records"))  # type: ignore[arg-type]


def test_none_appends_every_run(store: StagingStore, tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "a.jsonl", ['{"a": 1}', '{"a": 1}', '{"a": 2}'])
    for _ in range(2):
        report = ingest(store, [str(path)], IngestOptions(dedup="none"))
        assert (report.counts.records_staged, report.counts.duplicates) == (3, 0)
    assert current(store) == 6
    assert store.fetch("SELECT version, superseded_by FROM assay_staging.files ORDER BY version")[
        1
    ] == [(1, None), (2, None)]


def test_path_skips_unchanged_files_and_supersedes_changed_ones(
    store: StagingStore, tmp_path: Path
) -> None:
    data = tmp_path / "in"
    data.mkdir()
    a = write_jsonl(data / "a.jsonl", ['{"a": 1}', '{"a": 2}'])
    write_jsonl(data / "b.jsonl", ['{"b": 1}'])
    first = ingest(store, [str(data)])
    assert [f.status for f in first.files] == ["staged", "staged"]

    second = ingest(store, [str(data)])
    assert [f.status for f in second.files] == ["skipped", "skipped"]
    assert second.counts.records_read == 0

    # Touched but identical: the checksum decides, not the modification time.
    os.utime(a, (1_000_000, 1_000_000))
    assert [f.status for f in ingest(store, [str(data)]).files] == ["skipped", "skipped"]

    write_jsonl(a, ['{"a": 1}', '{"a": 2}', '{"a": 3}'])
    fourth = ingest(store, [str(data)])
    assert [(f.status, f.version) for f in fourth.files] == [("replaced", 2), ("skipped", 1)]
    assert fourth.counts.records_staged == 3
    # Current data is the new version; the old one stays as history.
    assert current(store) == 4
    assert scalar(store, "SELECT count(*) FROM assay_staging.records") == 6
    assert store.fetch(
        "SELECT version, superseded_by FROM assay_staging.files WHERE uri = ? ORDER BY version",
        (str(a),),
    )[1] == [(1, fourth.batch_id), (2, None)]
    history = ov.history(store)
    assert [r[-1] for r in history[1]] == [3, 3, 3, 4]
    assert [r[4] for r in history[1]] == [0, 0, 0, 1]  # files replaced per batch


def test_content_skips_identical_records_across_files_and_runs(
    store: StagingStore, tmp_path: Path
) -> None:
    data = tmp_path / "in"
    (data / "day1").mkdir(parents=True)
    (data / "day2").mkdir()
    # Both files are partition "events" (their table name); "other" is another partition.
    write_jsonl(data / "day1" / "events.jsonl", ['{"k": 1}', '{"k": 2}', '{"k": 1}'])
    write_jsonl(data / "day1" / "other.jsonl", ['{"k": 1}'])
    write_jsonl(data / "day2" / "events.jsonl", ['{"k": 2}', '{"k": 3}'])
    report = ingest(store, [str(data)], IngestOptions(dedup="content"))
    assert [(f.counts.records_staged, f.counts.duplicates) for f in report.files] == [
        (2, 1),  # day1/events
        (1, 0),  # day1/other: the same content in another partition is no duplicate
        (1, 1),  # day2/events
    ]
    again = ingest(store, [str(data)], IngestOptions(dedup="content"))
    assert (again.counts.records_read, again.counts.records_staged, again.counts.duplicates) == (
        6,
        0,
        6,
    )
    # The first occurrence is the one kept, in file order.
    assert store.fetch(
        "SELECT record_no FROM assay_staging.records WHERE partition_key = 'events' "
        "ORDER BY file_id, record_no"
    )[1] == [(1,), (2,), (2,)]
    stats = {r[0]: r for r in ov.partition_stats(store)[1]}
    # files, read, staged, duplicates, quarantined: content dedup supersedes nothing, so
    # both runs' versions of the two files count
    assert stats["events"][1:6] == (2, 10, 3, 7, 0)


def test_content_dedup_on_the_shop_finds_the_copied_customer(store: StagingStore) -> None:
    from tests.conftest import SHOP

    report = ingest(store, [str(SHOP)], IngestOptions(dedup="content"))
    by_file = {f.uri.rsplit("/", 1)[-1]: f.counts.duplicates for f in report.files}
    assert by_file["customers.csv"] == 1  # line 71 repeats line 70
    assert report.counts.records_staged == 3197 - sum(by_file.values())


def test_both_restages_a_changed_file_whole_and_dedups_against_others(
    store: StagingStore, tmp_path: Path
) -> None:
    data = tmp_path / "in"
    data.mkdir()
    a = write_jsonl(data / "events_a.jsonl", ['{"k": 1}', '{"k": 2}'])
    write_jsonl(data / "events_b.jsonl", ['{"k": 9}'])
    options = IngestOptions(dedup="both", partition="events")
    first = ingest(store, [str(data)], options)
    assert first.counts.records_staged == 3
    assert [f.status for f in ingest(store, [str(data)], options).files] == ["skipped"] * 2

    # a changes: its unchanged records are staged again under the new version (the old
    # version is superseded), but a record that another current file holds is a duplicate.
    write_jsonl(a, ['{"k": 1}', '{"k": 2}', '{"k": 9}', '{"k": 4}'])
    third = ingest(store, [str(data)], options)
    changed = third.files[0]
    assert (changed.status, changed.counts.records_staged, changed.counts.duplicates) == (
        "replaced",
        3,
        1,
    )
    assert current(store) == 4
    values = store.fetch(
        "SELECT CAST(raw AS VARCHAR) FROM assay_staging.current_records ORDER BY record_id"
    )[1]
    assert [v[0] for v in values] == ['{"k": 9}', '{"k": 1}', '{"k": 2}', '{"k": 4}']


def test_a_batch_with_failed_files_is_finished_and_a_rerun_retries_them(
    store: StagingStore, tmp_path: Path
) -> None:
    data = tmp_path / "in"
    data.mkdir()
    write_jsonl(data / "good.jsonl", ['{"a": 1}'])
    (data / "empty.jsonl").write_text("")
    first = ingest(store, [str(data)])
    assert [f.status for f in first.files] == ["failed", "staged"]
    assert store.last_unfinished_batch() is None  # complete_with_errors is finished
    write_jsonl(data / "empty.jsonl", ['{"b": 2}'])
    second = ingest(store, [str(data)])
    assert [f.status for f in second.files] == ["staged", "skipped"]
    assert second.notes == []
