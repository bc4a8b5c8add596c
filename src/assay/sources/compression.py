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
import zlib
from collections.abc import Iterator
from typing import BinaryIO

import zstandard

from assay.errors import InputError
from assay.sources.streams import TransformReader

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
        except _Truncated as exc:
            raise InputError(
                f"the {self._codec} stream is truncated (ends inside a frame)",
                path=self._uri,
                hint="the file was probably cut off while copying; fetch it again",
                code="truncated",
            ) from exc
        except zipfile.BadZipFile as exc:
            raise InputError(
                f"the zip member is corrupt: {exc}", path=self._uri, code="corrupt_zip"
            ) from exc
        except (OSError, zlib.error, lzma.LZMAError, zstandard.ZstdError) as exc:
            code = "corrupt_zip" if self._codec == "zip" else "corrupt_compression"
            raise InputError(
                f"the {self._codec} stream is corrupt: {exc}", path=self._uri, code=code
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
        inner = _ZstdReader(raw)  # type: ignore[assignment]
    else:
        raise ValueError(f"not a stream codec: {codec}")
    return io.BufferedReader(_ErrorMappingReader(inner, codec, uri), buffer_size=1 << 20)  # type: ignore[return-value]


class _Truncated(Exception):  # noqa: N818 - internal signal, mapped to InputError
    """The compressed input ended inside a frame."""


class _ZstdReader(TransformReader):
    """Zstandard frames, one after another, with truncation detected.

    ``zstandard``'s own stream reader returns end-of-file when the input stops inside
    a frame; a cut-off file would then look complete.  Here the decompressor must have
    reached the end of its frame when the input ends, else it is an error.
    """

    def __init__(self, raw: BinaryIO) -> None:
        super().__init__(raw)
        self._decompressor = zstandard.ZstdDecompressor()
        self._object = self._decompressor.decompressobj()
        self._fed = False

    def next_piece(self, data: bytes) -> bytes:
        if not data:
            if self._fed and not self._object.eof:
                raise _Truncated
            return b""
        out = b""
        while data:
            if self._object.eof:
                self._object = self._decompressor.decompressobj()
            self._fed = True
            out += self._object.decompress(data)
            data = self._object.unused_data if self._object.eof else b""
        return out


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
            member = archive.open(info)
            wrapped = _ErrorMappingReader(member, "zip", f"{uri}!{name}")  # type: ignore[arg-type]
            yield name, io.BufferedReader(wrapped, buffer_size=1 << 20)  # type: ignore[misc]
