"""Compressed inputs read exactly like their originals; broken ones fail as located errors.

Every example file of ``examples/shop`` is compressed in ``tmp_path`` with each codec
(gzip, bz2, xz, zstd) and packed into zip archives; reading it must give the same
rows, the same row line numbers and the same quarantined records as reading the
plain file.  Codecs are recognised by their magic bytes, never by the extension.
Truncated, corrupt and empty compressed inputs become :class:`InputError` s with a
stable code that name the file, collected in ``Source.errors`` while the other inputs
are still read.
"""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
import zstandard

import assay.sources as sources
from assay.errors import InputError
from tests.conftest import SHOP

FILES = ["customers.csv", "orders.jsonl", "order_items.csv", "payments.csv", "reviews.json"]
TABLE_NAMES = {
    "customers.csv": "customers",
    "orders.jsonl": "orders",
    "order_items.csv": "order_items",
    "payments.csv": "payments",
    "reviews.json": "reviews",
}


def _gzip(data: bytes) -> bytes:
    return gzip.compress(data, mtime=0)


def _zstd(data: bytes) -> bytes:
    return zstandard.ZstdCompressor(level=3).compress(data)


CODECS: dict[str, tuple[str, Callable[[bytes], bytes]]] = {
    "gzip": (".gz", _gzip),
    "bz2": (".bz2", bz2.compress),
    "xz": (".xz", lzma.compress),
    "zstd": (".zst", _zstd),
}


# ---------------------------------------------------------------------- helpers
@dataclass
class Read:
    """Everything one stream produced, in a form that compares across containers."""

    stream: sources.Stream
    table: pa.Table | None
    lines: list[int]


def _read(inputs: Path | list[Path], **options: Any) -> tuple[sources.Source, list[Read]]:
    items = [str(p) for p in inputs] if isinstance(inputs, list) else str(inputs)
    source = sources.open_source(items, **options)
    reads = []
    for stream in source.streams():
        batches = list(stream.batches())
        table = pa.Table.from_batches([b.data for b in batches]) if batches else None
        lines: list[int] = []
        for batch in batches:
            numbers = batch.line_numbers()
            assert numbers is not None
            lines.extend(int(n) for n in numbers)
        reads.append(Read(stream, table, lines))
    return source, reads


def _quarantine(source: sources.Source) -> list[tuple[int | None, int | None, str, bytes]]:
    return [(q.line, q.record, q.code, q.raw) for q in source.quarantined]


@dataclass
class Expected:
    detection: sources.Detection
    table: pa.Table
    lines: list[int]
    quarantine: list[tuple[int | None, int | None, str, bytes]]


@pytest.fixture(scope="module")
def originals() -> dict[str, Expected]:
    """How each uncompressed example file reads: the reference for every container."""
    expected = {}
    for name in FILES:
        source, reads = _read(SHOP / name)
        assert source.errors == []
        assert len(reads) == 1
        (read,) = reads
        assert read.table is not None
        expected[name] = Expected(
            read.stream.detection, read.table, read.lines, _quarantine(source)
        )
    return expected


def _assert_same_as_original(
    read: Read, quarantine: list[Any], original: Expected, *, name: str
) -> None:
    detection, want = read.stream.detection, original.detection
    assert read.stream.name == TABLE_NAMES[name]
    assert detection.format == want.format
    assert detection.encoding == want.encoding
    assert detection.dialect == want.dialect
    assert detection.columns == want.columns
    assert detection.estimated_rows == want.estimated_rows
    assert read.table is not None
    assert read.table.schema == original.table.schema
    assert read.table.num_rows == original.table.num_rows
    assert read.table.equals(original.table)
    assert read.lines == original.lines
    assert quarantine == original.quarantine


def _zip_bytes(members: list[tuple[str, bytes]], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=method) as archive:
        for member, data in members:
            if member.endswith("/"):
                archive.mkdir(member.rstrip("/"))
            else:
                archive.writestr(member, data)
    return buffer.getvalue()


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def _only_error(source: sources.Source) -> InputError:
    assert len(source.errors) == 1, [str(e) for e in source.errors]
    return source.errors[0]


def _assert_names_file(error: InputError, path: Path | str, code: str) -> None:
    assert isinstance(error, InputError)
    assert error.code == code
    assert error.path == str(path)
    assert str(path) in str(error)


# ---------------------------------------------------------------------- stream codecs
@pytest.mark.parametrize("codec", sorted(CODECS))
@pytest.mark.parametrize("name", FILES)
def test_compressed_file_reads_like_the_original(
    tmp_path: Path, originals: dict[str, Expected], name: str, codec: str
) -> None:
    suffix, compress = CODECS[codec]
    path = _write(tmp_path / f"{name}{suffix}", compress((SHOP / name).read_bytes()))

    source, reads = _read(path)

    assert source.errors == []
    assert len(reads) == 1
    detection = reads[0].stream.detection
    assert detection.compression == codec
    assert detection.uri == str(path)
    assert detection.member is None
    assert detection.size_bytes == path.stat().st_size
    _assert_same_as_original(reads[0], _quarantine(source), originals[name], name=name)
    assert {q.uri for q in source.quarantined} <= {str(path)}


def test_directory_of_compressed_files_reads_every_file(
    tmp_path: Path, originals: dict[str, Expected]
) -> None:
    codecs = sorted(CODECS)
    written = {}
    for i, name in enumerate(FILES):
        codec = codecs[i % len(codecs)]
        suffix, compress = CODECS[codec]
        written[name] = (
            codec,
            _write(tmp_path / f"{name}{suffix}", compress((SHOP / name).read_bytes())),
        )

    source, reads = _read(tmp_path)

    assert source.errors == []
    by_uri = sorted(str(p) for _, p in written.values())
    assert [r.stream.detection.uri for r in reads] == by_uri
    for read in reads:
        name = next(n for n, (_, p) in written.items() if str(p) == read.stream.detection.uri)
        assert read.stream.detection.compression == written[name][0]
        assert read.table is not None
        assert read.table.equals(originals[name].table)
        assert read.stream.name == TABLE_NAMES[name]


# ---------------------------------------------------------------------- zip archives
@pytest.mark.parametrize(
    "method",
    [zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA],
    ids=["stored", "deflated", "bzip2", "lzma"],
)
def test_zip_of_all_files_reads_each_member_like_the_original(
    tmp_path: Path, originals: dict[str, Expected], method: int
) -> None:
    members = [(name, (SHOP / name).read_bytes()) for name in FILES]
    path = _write(tmp_path / "shop.zip", _zip_bytes(members, method))

    source, reads = _read(path)

    assert source.errors == []
    assert [r.stream.detection.member for r in reads] == FILES  # archive order
    for read, name in zip(reads, FILES, strict=True):
        detection = read.stream.detection
        assert detection.uri == f"{path}!{name}"
        mine = [q for q in source.quarantined if q.member == name]
        assert {q.uri for q in mine} <= {f"{path}!{name}"}
        quarantine = [(q.line, q.record, q.code, q.raw) for q in mine]
        _assert_same_as_original(read, quarantine, originals[name], name=name)
    assert len(source.quarantined) == sum(len(originals[n].quarantine) for n in FILES)


def test_zip_with_nested_folder_and_macos_junk_reads_only_the_data(
    tmp_path: Path, originals: dict[str, Expected]
) -> None:
    data = (SHOP / "orders.jsonl").read_bytes()
    apple_double = b"\x00\x05\x16\x07\x00\x02\x00\x00Mac OS X        " + b"\x00" * 64
    members = [
        ("export/", b""),
        ("export/2024/", b""),
        ("export/2024/orders.jsonl", data),
        ("export/2024/.DS_Store", b"\x00\x00\x00\x01Bud1" + b"\x00" * 32),
        ("__MACOSX/", b""),
        ("__MACOSX/export/2024/._orders.jsonl", apple_double),
    ]
    path = _write(tmp_path / "export.zip", _zip_bytes(members))

    source, reads = _read(path)

    assert source.errors == []
    assert len(reads) == 1
    read = reads[0]
    member = "export/2024/orders.jsonl"
    assert read.stream.detection.member == member
    assert read.stream.detection.uri == f"{path}!{member}"
    assert [(q.member, q.uri) for q in source.quarantined] == [(member, f"{path}!{member}")]
    _assert_same_as_original(
        read, _quarantine(source), originals["orders.jsonl"], name="orders.jsonl"
    )


def test_zip_member_that_is_itself_gzip_compressed(
    tmp_path: Path, originals: dict[str, Expected]
) -> None:
    members = [
        ("customers.csv.gz", _gzip((SHOP / "customers.csv").read_bytes())),
        ("orders.jsonl", (SHOP / "orders.jsonl").read_bytes()),
    ]
    path = _write(tmp_path / "mixed.zip", _zip_bytes(members, zipfile.ZIP_STORED))

    source, reads = _read(path)

    assert source.errors == []
    assert [r.stream.detection.member for r in reads] == ["customers.csv.gz", "orders.jsonl"]
    customers, orders = reads
    assert customers.stream.detection.compression == "gzip"
    assert customers.stream.detection.uri == f"{path}!customers.csv.gz"
    by_member = {
        m: [(q.line, q.record, q.code, q.raw) for q in source.quarantined if q.member == m]
        for m in ("customers.csv.gz", "orders.jsonl")
    }
    _assert_same_as_original(
        customers, by_member["customers.csv.gz"], originals["customers.csv"], name="customers.csv"
    )
    _assert_same_as_original(
        orders, by_member["orders.jsonl"], originals["orders.jsonl"], name="orders.jsonl"
    )


def test_zip_member_detection_names_the_zip_codec(tmp_path: Path) -> None:
    # Detection says how the bytes were packed: a plain member of an archive is "zip"
    # (like a .gz file is "gzip"), a gzip file inside the archive names its own codec.
    members = [
        ("customers.csv", (SHOP / "customers.csv").read_bytes()),
        ("orders.jsonl.gz", _gzip((SHOP / "orders.jsonl").read_bytes())),
    ]
    path = _write(tmp_path / "shop.zip", _zip_bytes(members))

    source = sources.open_source(str(path))
    found = [(s.detection.member, s.detection.compression) for s in source.streams()]

    assert source.errors == []
    assert found == [("customers.csv", "zip"), ("orders.jsonl.gz", "gzip")]


# ---------------------------------------------------------------------- magic bytes
@pytest.mark.parametrize(
    ("codec", "filename"),
    [
        ("gzip", "data.csv"),
        ("zstd", "data.csv.gz"),
        ("bz2", "data.csv.xz"),
        ("xz", "data.txt"),
        (None, "data.csv.gz"),
        (None, "data.csv.zst"),
    ],
    ids=["gzip-as-csv", "zstd-as-gz", "bz2-as-xz", "xz-as-txt", "plain-as-gz", "plain-as-zst"],
)
def test_compression_is_detected_by_magic_bytes_not_extension(
    tmp_path: Path, originals: dict[str, Expected], codec: str | None, filename: str
) -> None:
    data = (SHOP / "customers.csv").read_bytes()
    path = _write(tmp_path / filename, CODECS[codec][1](data) if codec else data)

    source, reads = _read(path)

    assert source.errors == []
    assert len(reads) == 1
    detection = reads[0].stream.detection
    assert detection.compression == codec
    assert reads[0].stream.name == "data"
    original = originals["customers.csv"]
    assert detection.format == original.detection.format
    assert detection.dialect == original.detection.dialect
    assert reads[0].table is not None
    assert reads[0].table.equals(original.table)
    assert reads[0].lines == original.lines
    assert _quarantine(source) == original.quarantine


def test_zip_archive_with_a_csv_extension_is_opened_as_an_archive(
    tmp_path: Path, originals: dict[str, Expected]
) -> None:
    members = [("customers.csv", (SHOP / "customers.csv").read_bytes())]
    path = _write(tmp_path / "data.csv", _zip_bytes(members))

    source, reads = _read(path)

    assert source.errors == []
    assert [r.stream.detection.member for r in reads] == ["customers.csv"]
    assert reads[0].table is not None
    assert reads[0].table.equals(originals["customers.csv"].table)


# ---------------------------------------------------------------------- broken inputs
@pytest.mark.parametrize("codec", sorted(CODECS))
def test_truncated_stream_is_a_truncated_error_naming_the_file(tmp_path: Path, codec: str) -> None:
    suffix, compress = CODECS[codec]
    packed = compress((SHOP / "customers.csv").read_bytes())
    path = _write(tmp_path / f"customers.csv{suffix}", packed[: len(packed) // 2])

    source, reads = _read(path)

    # The whole file fits in the detection sample, so the cut shows up while detecting.
    assert reads == []
    error = _only_error(source)
    _assert_names_file(error, path, "truncated")
    assert f"the {codec} stream is truncated" in str(error)


def test_truncated_zstd_after_a_complete_frame_is_not_silently_short(tmp_path: Path) -> None:
    # Many zstd writers (pzstd, zstd --long, streaming writers) emit several frames; a
    # cut in the second frame must not pass for a complete file with half the rows.
    lines = (SHOP / "orders.jsonl").read_bytes().splitlines(keepends=True)
    first, second = _zstd(b"".join(lines[:300])), _zstd(b"".join(lines[300:]))
    path = _write(tmp_path / "orders.jsonl.zst", first + second[: len(second) // 2])

    source = sources.open_source(str(path))
    rows = sum(batch.num_rows for _, batch in source.batches())

    error = _only_error(source)
    _assert_names_file(error, path, "truncated")
    assert rows < 600


def _large_csv() -> bytes:
    """About 4 MB of CSV that compresses to about 1 MB: larger than the read buffers."""
    rows = [b"id,code,amount,note\n"]
    for i in range(120_000):
        rows.append(
            b"%d,%08x,%d.%02d,row %d of the big file\n"
            % (i, (i * 2654435761) % 2**32, i % 9973, i % 100, i)
        )
    return b"".join(rows)


@pytest.fixture(scope="module")
def truncated_large_gzip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    packed = _gzip(_large_csv())
    path = tmp_path_factory.mktemp("large") / "large.csv.gz"
    return _write(path, packed[: len(packed) // 2])


def test_truncated_gzip_raises_while_reading_batches(truncated_large_gzip: Path) -> None:
    path = truncated_large_gzip
    source = sources.open_source(str(path))
    streams = list(source.streams())
    assert source.errors == []  # the start decompresses fine: detection succeeds
    assert len(streams) == 1
    assert streams[0].detection.compression == "gzip"

    rows = 0
    with pytest.raises(InputError) as caught:
        for batch in streams[0].batches():
            rows += batch.num_rows
    _assert_names_file(caught.value, path, "truncated")
    assert rows < 120_000


def test_truncated_gzip_is_collected_by_source_batches(truncated_large_gzip: Path) -> None:
    path = truncated_large_gzip
    source = sources.open_source(str(path))

    rows = sum(batch.num_rows for _, batch in source.batches())

    error = _only_error(source)
    _assert_names_file(error, path, "truncated")
    assert rows < 120_000


def _corrupt(codec: str) -> bytes:
    """The codec's header followed by bytes its decoder must reject."""
    if codec == "gzip":
        # A deflate block of the reserved type 3 ("invalid block type" in zlib).
        return _gzip(b"x")[:10] + b"\x07" + b"\x00" * 40
    if codec == "bz2":
        return b"BZh9" + b"\x00" * 60
    if codec == "xz":
        return b"\xfd7zXZ\x00" + b"\x00" * 60
    return b"\x28\xb5\x2f\xfd" + b"\xff" * 60


@pytest.mark.parametrize("codec", sorted(CODECS))
def test_corrupt_stream_is_a_corrupt_compression_error(tmp_path: Path, codec: str) -> None:
    path = _write(tmp_path / f"data.csv{CODECS[codec][0]}", _corrupt(codec))

    source, reads = _read(path)

    assert reads == []
    error = _only_error(source)
    _assert_names_file(error, path, "corrupt_compression")
    assert f"the {codec} stream is corrupt" in str(error)


@pytest.mark.parametrize(
    "damage",
    ["garbage_after_magic", "cut_in_half", "no_central_directory"],
)
def test_corrupt_zip_is_a_corrupt_zip_error(tmp_path: Path, damage: str) -> None:
    archive = _zip_bytes([(n, (SHOP / n).read_bytes()) for n in FILES[:2]])
    if damage == "garbage_after_magic":
        data = b"PK\x03\x04" + b"\x00garbage" * 50
    elif damage == "cut_in_half":
        data = archive[: len(archive) // 2]
    else:
        data = archive[: archive.index(b"PK\x01\x02")]
    path = _write(tmp_path / "broken.zip", data)

    source, reads = _read(path)

    assert reads == []
    error = _only_error(source)
    _assert_names_file(error, path, "corrupt_zip")
    assert "not a readable zip archive" in str(error)


@pytest.mark.parametrize(
    "method",
    [zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED],
    ids=["stored-bad-crc", "deflated-bad-data"],
)
def test_corrupt_zip_member_data_is_an_input_error(tmp_path: Path, method: int) -> None:
    # The archive's directory is intact but the member's bytes are damaged.
    members = [("customers.csv", (SHOP / "customers.csv").read_bytes())]
    archive = bytearray(_zip_bytes(members, method))
    start = 30 + len("customers.csv")  # after the local header and name: the member's data
    if method == zipfile.ZIP_STORED:
        archive[start + 500] ^= 0x01  # still text, but the CRC-32 no longer matches
    else:
        archive[start] = 0x07  # a deflate block of the reserved type 3
    path = _write(tmp_path / "damaged.zip", bytes(archive))

    source = sources.open_source(str(path))
    for _ in source.batches():
        pass

    error = _only_error(source)
    assert isinstance(error, InputError)
    assert error.code == "corrupt_zip"
    assert error.path == f"{path}!customers.csv"
    assert str(path) in str(error)


@pytest.mark.parametrize("codec", sorted(CODECS))
def test_compressed_empty_file_is_an_empty_file_error(tmp_path: Path, codec: str) -> None:
    suffix, compress = CODECS[codec]
    path = _write(tmp_path / f"empty.csv{suffix}", compress(b""))

    source, reads = _read(path)

    assert reads == []
    error = _only_error(source)
    _assert_names_file(error, path, "empty_file")


def test_empty_zip_member_does_not_hide_the_other_members(
    tmp_path: Path, originals: dict[str, Expected]
) -> None:
    members = [
        ("a_empty.csv", b""),
        ("customers.csv", (SHOP / "customers.csv").read_bytes()),
    ]
    path = _write(tmp_path / "with_empty.zip", _zip_bytes(members))

    source, reads = _read(path)

    error = _only_error(source)
    _assert_names_file(error, f"{path}!a_empty.csv", "empty_file")
    assert [r.stream.detection.member for r in reads] == ["customers.csv"]
    assert reads[0].table is not None
    assert reads[0].table.equals(originals["customers.csv"].table)


def test_one_corrupt_input_does_not_stop_the_others(
    tmp_path: Path, originals: dict[str, Expected]
) -> None:
    good = {
        "customers.csv": _write(
            tmp_path / "customers.csv.gz", _gzip((SHOP / "customers.csv").read_bytes())
        ),
        "orders.jsonl": _write(
            tmp_path / "orders.jsonl.zst", _zstd((SHOP / "orders.jsonl").read_bytes())
        ),
        "payments.csv": _write(
            tmp_path / "payments.csv.xz", lzma.compress((SHOP / "payments.csv").read_bytes())
        ),
    }
    packed = _gzip((SHOP / "order_items.csv").read_bytes())
    broken = _write(tmp_path / "order_items.csv.gz", packed[: len(packed) // 2])
    bad_zip = _write(tmp_path / "reviews.zip", b"PK\x03\x04" + b"\x00" * 100)
    inputs = [good["customers.csv"], broken, good["orders.jsonl"], bad_zip, good["payments.csv"]]

    source, reads = _read(inputs)

    assert [(e.code, e.path) for e in source.errors] == [
        ("truncated", str(broken)),
        ("corrupt_zip", str(bad_zip)),
    ]
    assert [r.stream.detection.uri for r in reads] == [str(p) for p in good.values()]
    for read, name in zip(reads, good, strict=True):
        mine = [
            (q.line, q.record, q.code, q.raw)
            for q in source.quarantined
            if q.uri == str(good[name])
        ]
        _assert_same_as_original(read, mine, originals[name], name=name)
    assert len(source.quarantined) == sum(len(originals[n].quarantine) for n in good)
