"""Detect compression by magic bytes and open a decompressing stream.

Extensions lie (``data.csv`` that is really gzip, ``export.gz`` that is plain text),
so the first bytes decide.  Every codec streams: memory stays bounded whatever the
size of the file.  A zip archive is a container, not a codec: each member is its own
input (see :func:`zip_members`).
"""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import zipfile
from collections.abc import Iterator
from typing import BinaryIO

import zstandard

from assay.errors import InputError

MAGIC = {
    "gzip": b"\x1f\x8b",
    "bz2": b"BZh",
    "xz": b"\xfd7zXZ\x00",
    "zstd": b"\x28\xb5\x2f\xfd",
    "zip": b"PK\x03\x04",
}
_EMPTY_ZIP = b"PK\x05\x06"


def detect_compression(head: bytes) -> str | None:
    """Name the codec whose magic bytes start ``head``, or ``None`` for plain data."""
    for name, magic in MAGIC.items():
        if head.startswith(magic):
            return name
    if head.startswith(_EMPTY_ZIP):
        return "zip"
    return None


class _ErrorMappingReader(io.RawIOBase):
    """Wraps a decompressor so truncation and corruption become located InputErrors."""

    def __init__(self, inner: BinaryIO, codec: str, uri: str) -> None:
        self._inner = inner
        self._codec = codec
        self._uri = uri

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        try:
            data = self._inner.read(len(buffer))
        except EOFError as exc:
            raise InputError(
                f"the {self._codec} stream is truncated (ends before its end marker)",
                path=self._uri,
                hint="the file was probably cut off while copying; fetch it again",
                code="truncated",
            ) from exc
        except (OSError, lzma.LZMAError, zstandard.ZstdError) as exc:
            raise InputError(
                f"the {self._codec} stream is corrupt: {exc}",
                path=self._uri,
                code="corrupt_compression",
            ) from exc
        n = len(data)
        buffer[:n] = data
        return n

    def close(self) -> None:
        self._inner.close()
        super().close()


def decompress(raw: BinaryIO, codec: str | None, uri: str) -> BinaryIO:
    """Return a stream of the decompressed bytes of ``raw`` (itself when ``codec`` is None)."""
    if codec is None:
        return raw
    inner: BinaryIO
    if codec == "gzip":
        inner = gzip.GzipFile(fileobj=raw, mode="rb")  # type: ignore[assignment]
    elif codec == "bz2":
        inner = bz2.BZ2File(raw, mode="rb")  # type: ignore[assignment]
    elif codec == "xz":
        inner = lzma.LZMAFile(raw, mode="rb")  # type: ignore[assignment]  # noqa: SIM115
    elif codec == "zstd":
        inner = zstandard.ZstdDecompressor().stream_reader(raw, read_across_frames=True)  # type: ignore[assignment]
    else:
        raise ValueError(f"not a stream codec: {codec}")
    return io.BufferedReader(_ErrorMappingReader(inner, codec, uri), buffer_size=1 << 20)  # type: ignore[return-value]


def zip_members(raw: BinaryIO, uri: str) -> Iterator[tuple[str, BinaryIO]]:
    """Yield ``(member name, stream)`` for each file in a zip archive, in archive order."""
    try:
        archive = zipfile.ZipFile(raw)
    except zipfile.BadZipFile as exc:
        raise InputError(
            f"not a readable zip archive: {exc}", path=uri, code="corrupt_zip"
        ) from exc
    with archive:
        for info in archive.infolist():
            name = info.filename
            base = name.rsplit("/", 1)[-1]
            if info.is_dir() or name.startswith("__MACOSX/") or base.startswith("."):
                continue
            yield name, archive.open(info)  # type: ignore[misc]
