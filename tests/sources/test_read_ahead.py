"""``ReadAhead``: the same streams, batches and errors as the source it starts early."""

from __future__ import annotations

from pathlib import Path

import pytest

from assay.errors import InputError
from assay.sources.ahead import ReadAhead, source_for


def _read(streams) -> list[tuple[str, list[dict], int]]:  # type: ignore[no-untyped-def]
    out = []
    for stream in streams:
        rows = [row for batch in stream.batches() for row in batch.data.to_pylist()]
        out.append((stream.name, rows, len(rows)))
    return out


def test_read_ahead_yields_what_the_source_yields(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text("id,name\n" + "".join(f"{i},n{i}\n" for i in range(500)))
    (tmp_path / "b.jsonl").write_text('{"x": 1}\n{"x": 2, "y": "z"}\n')
    expected = _read(source_for(str(tmp_path)).streams())
    ahead = ReadAhead(str(tmp_path))
    assert _read(ahead.streams()) == expected
    assert [name for name, _, _ in expected] == ["a", "b"]
    assert ahead.source.errors == []


def test_a_missing_path_is_reported_as_the_source_reports_it(tmp_path: Path) -> None:
    missing = str(tmp_path / "missing.csv")
    plain = source_for(missing)
    assert _read(plain.streams()) == []
    ahead = ReadAhead(missing)
    assert _read(ahead.streams()) == []
    assert [str(e) for e in ahead.source.errors] == [str(e) for e in plain.errors]
    assert len(plain.errors) == 1


def test_a_bad_first_batch_fails_when_its_batches_are_read(tmp_path: Path) -> None:
    path = tmp_path / "ragged.csv"
    path.write_bytes(b"id,name\n1,a\n2\n")
    streams = ReadAhead(str(path), {"on_error": "fail"}).streams()
    stream = next(streams)  # detection went well
    with pytest.raises(InputError) as caught:
        list(stream.batches())
    assert (caught.value.code, caught.value.line) == ("ragged_row", 3)
    assert str(caught.value) == f"{path}:3: expected 2 fields, found 1"
    assert list(streams) == []


def test_an_empty_directory_has_no_streams(tmp_path: Path) -> None:
    assert list(ReadAhead(str(tmp_path)).streams()) == []
