"""Decide the format of an input from its first bytes, using the extension only as a hint.

Binary formats announce themselves with magic bytes (Parquet, Arrow IPC, the OLE2
container of .xls, zip-based .xlsx/.ods).  Text is decoded and looked at: JSON starts
with ``[`` or ``{`` (JSON Lines when the first line is a complete value and the next
starts another), anything else that is text is delimited text.  Bytes that are
neither are refused with a clear error instead of being parsed into garbage rows.
"""

from __future__ import annotations

import io
import zipfile

import orjson

from assay.sources.model import Format

EXTENSIONS = {
    ".csv": Format.CSV,
    ".tsv": Format.CSV,
    ".tab": Format.CSV,
    ".psv": Format.CSV,
    ".txt": Format.CSV,
    ".dat": Format.CSV,
    ".json": Format.JSON,
    ".jsonl": Format.JSONL,
    ".ndjson": Format.JSONL,
    ".jsonlines": Format.JSONL,
    ".parquet": Format.PARQUET,
    ".pq": Format.PARQUET,
    ".arrow": Format.ARROW,
    ".feather": Format.ARROW,
    ".ipc": Format.ARROW,
    ".xlsx": Format.EXCEL,
    ".xlsm": Format.EXCEL,
    ".xls": Format.EXCEL,
    ".xlsb": Format.EXCEL,
    ".ods": Format.EXCEL,
}
COMPRESSION_EXTENSIONS = {".gz", ".gzip", ".bz2", ".xz", ".zst", ".zstd", ".zip"}

_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ARROW_STREAM = b"\xff\xff\xff\xff"


def strip_compression_suffix(name: str) -> str:
    lower = name.lower()
    for ext in COMPRESSION_EXTENSIONS:
        if lower.endswith(ext):
            return name[: -len(ext)]
    return name


def extension_hint(name: str) -> Format | None:
    base = strip_compression_suffix(name).lower()
    dot = base.rfind(".")
    return EXTENSIONS.get(base[dot:]) if dot >= 0 else None


def binary_format(head: bytes, opener: io.BufferedIOBase | None = None) -> Format | None:
    """A binary format recognised by its magic bytes, or None."""
    if head.startswith(b"PAR1"):
        return Format.PARQUET
    if head.startswith(b"ARROW1"):
        return Format.ARROW
    if head.startswith(_ARROW_STREAM) and len(head) > 8 and head[4:8] != b"\xff\xff\xff\xff":
        return Format.ARROW
    if head.startswith(_OLE2):
        return Format.EXCEL
    return None


def zip_is_spreadsheet(stream: io.BufferedIOBase) -> bool:
    """Whether a zip archive is an xlsx/ods workbook rather than an archive of files."""
    try:
        with zipfile.ZipFile(stream) as archive:
            names = set(archive.namelist())
            if "xl/workbook.xml" in names or "xl/workbook.bin" in names:
                return True
            if "mimetype" in names:
                return archive.read("mimetype").startswith(
                    b"application/vnd.oasis.opendocument.spreadsheet"
                )
    except (zipfile.BadZipFile, OSError):
        return False
    return False


def looks_binary(text_head: bytes) -> bool:
    """Too many control bytes for text (after decoding to UTF-8)."""
    sample = text_head[:8192]
    if not sample:
        return False
    if b"\x00" in sample:
        return True
    controls = sum(1 for b in sample if b < 32 and b not in (9, 10, 13, 12))
    return controls > max(2, len(sample) // 100)


def text_format(text_head: bytes, hint: Format | None) -> Format:
    """JSON, JSON Lines or delimited text, from the first bytes of UTF-8 text."""
    stripped = text_head.lstrip()
    if stripped[:1] == b"[":
        return Format.JSON
    if stripped[:1] == b"{":
        first, _, rest = stripped.partition(b"\n")
        if rest.strip()[:1] in (b"{", b"[") or (not rest.strip() and hint is Format.JSONL):
            try:
                orjson.loads(first)
                return Format.JSONL
            except orjson.JSONDecodeError:
                pass
        if hint is Format.JSONL:
            return Format.JSONL
        return Format.JSON
    if hint in (Format.JSON, Format.JSONL):
        try:
            orjson.loads(text_head)
            return Format.JSON  # a JSON scalar: reported as holding no records
        except orjson.JSONDecodeError:
            pass
    return Format.CSV
