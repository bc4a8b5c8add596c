"""The entry point of the sources layer: open inputs, detect what they are, stream batches.

``open_source(inputs)`` returns a :class:`Source` over every file the inputs name.  Each
file, zip member or workbook sheet becomes a :class:`Stream` (one future table) with
its :class:`Detection` and a ``batches()`` iterator.  A whole-file problem in one input
(empty, binary, corrupt, unreadable) is recorded in ``Source.errors`` and the others
still go through; per-record problems go to the quarantine sink.
"""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from types import ModuleType
from typing import TYPE_CHECKING, Any, BinaryIO

from assay.errors import InputError, UsageError
from assay.sources import columnar, compression, detect, encoding
from assay.sources.csv_reader import DEFAULT_CHUNK_BYTES, CsvReader
from assay.sources.dialect import sniff_dialect, with_overrides
from assay.sources.json_reader import (
    JsonRecordReader,
    document_chunks,
    jsonl_chunks,
    read_json_batches,
    sample_keys,
)
from assay.sources.locate import Resource, locate
from assay.sources.model import (
    Detection,
    Dialect,
    Format,
    OnError,
    QuarantinedRecord,
    QuarantineSink,
    SourceBatch,
)
from assay.sources.streams import prepend

if TYPE_CHECKING:
    # Raw records are the staging store's read; pyarrow.compute, which they need, is
    # ~70 ms of imports that reading batches does without (assay infer starts sooner).
    from assay.sources.raw_records import RawRecordReader

SAMPLE_BYTES = 1 << 20
log = logging.getLogger(__name__)


@dataclass
class ReadOptions:
    """Caller overrides; ``None`` means detect."""

    format: Format | None = None
    compression: str | None = None  # "none" forces plain
    encoding: str | None = None
    delimiter: str | None = None
    quotechar: str | None = None
    escapechar: str | None = None
    header: bool | None = None
    skip_rows: int | None = None
    comment: str | None = None
    sheet: str | None = None
    record_path: str | None = None
    on_error: OnError = OnError.QUARANTINE
    pattern: str | None = None
    chunk_bytes: int = DEFAULT_CHUNK_BYTES
    first_chunk_bytes: int | None = None  # a smaller first chunk: the first batch sooner
    sample_bytes: int = SAMPLE_BYTES
    threads: int = 2
    storage_options: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_kwargs(cls, **kwargs: Any) -> ReadOptions:
        known = set(cls.__dataclass_fields__)
        unknown = sorted(set(kwargs) - known)
        if unknown:
            raise UsageError(
                f"unknown read option(s): {', '.join(unknown)}",
                hint=f"valid options are: {', '.join(sorted(known))}",
            )
        values = dict(kwargs)
        if isinstance(values.get("format"), str):
            values["format"] = _parse_enum(Format, values["format"], "format")
        if isinstance(values.get("on_error"), str):
            values["on_error"] = _parse_enum(OnError, values["on_error"], "on_error")
        if values.get("delimiter") in ("\\t", "tab"):
            values["delimiter"] = "\t"
        return cls(**values)


def _parse_enum(enum: type, value: str, name: str) -> Any:
    try:
        return enum(value.lower())
    except ValueError:
        valid = ", ".join(e.value for e in enum)
        raise UsageError(f"invalid {name} {value!r}", hint=f"valid values are: {valid}") from None


@dataclass
class Stream:
    """One table-like input: a file, a member of a zip archive, or a sheet of a workbook."""

    name: str
    detection: Detection
    _open: Callable[[Stream], Iterator[SourceBatch]] = field(repr=False)
    records_read: int = 0
    records_quarantined: int = 0
    _open_raw: Callable[[Stream], Iterator[SourceBatch]] | None = field(default=None, repr=False)
    _used: bool = field(default=False, repr=False)

    def batches(self) -> Iterator[SourceBatch]:
        self._used = True
        return self._open(self)

    @property
    def has_raw_records(self) -> bool:
        """Whether :meth:`raw_batches` is available (JSON and JSON Lines)."""
        return self._open_raw is not None

    def raw_batches(self) -> Iterator[SourceBatch]:
        """Each record's text as written, unparsed, in one string column ``record``
        (JSON and JSON Lines only), for lossless staging.  Checking that a text is a
        JSON object is the caller's (:func:`assay.sources.json_reader.check_record`);
        a text that is not UTF-8 is quarantined and its row left null.  A stream is read
        once, by this or by :meth:`batches`."""
        if self._open_raw is None:
            raise UsageError(f"{self.detection.uri}: raw records exist only for JSON inputs")
        if self._used:
            raise UsageError("a stream's batches can be read once; open the source again")
        self._used = True
        return self._open_raw(self)


class Source:
    """Every input the caller named, opened lazily, one :class:`Stream` at a time."""

    def __init__(
        self,
        inputs: str | list[str],
        options: ReadOptions | None = None,
        quarantine: QuarantineSink | None = None,
    ) -> None:
        self.options = options or ReadOptions()
        self.quarantined: list[QuarantinedRecord] = []
        self.quarantine: QuarantineSink = quarantine or self.quarantined.append
        self.errors: list[InputError] = []
        self.inputs = inputs if isinstance(inputs, list) else [inputs]
        self._resources: list[Resource] | None = None

    @property
    def resources(self) -> list[Resource]:
        if self._resources is None:
            found: list[Resource] = []
            for item in self.inputs:
                try:
                    found.extend(
                        locate(
                            item,
                            pattern=self.options.pattern,
                            storage_options=self.options.storage_options,
                        )
                    )
                except InputError as exc:
                    self.errors.append(exc)
            self._resources = found
        return self._resources

    def streams(self) -> Iterator[Stream]:
        """Detect and yield each stream; whole-file errors are collected, not raised."""
        for resource in self.resources:
            try:
                for stream in open_resource(
                    resource, self.options, self.quarantine, self.errors.append
                ):
                    log.info("%s: %s", stream.detection.uri, _describe(stream.detection))
                    yield stream
            except InputError as exc:
                log.debug("failed: %s", exc)
                self.errors.append(exc)

    def batches(self) -> Iterator[tuple[Stream, SourceBatch]]:
        for stream in self.streams():
            try:
                for batch in stream.batches():
                    yield stream, batch
            except InputError as exc:
                self.errors.append(exc)


def _describe(d: Detection) -> str:
    parts = [str(d.format)]
    if d.compression:
        parts.append(d.compression)
    if d.encoding:
        parts.append(d.encoding)
    if d.dialect:
        parts.append(f"delimiter {d.dialect.delimiter!r}")
        parts.append("header" if d.dialect.header else "no header")
        if d.dialect.skip_rows:
            parts.append(f"{d.dialect.skip_rows} preamble line(s)")
    parts.append(f"{len(d.columns)} columns")
    return ", ".join(parts)


def open_source(
    inputs: str | list[str], quarantine: QuarantineSink | None = None, **options: Any
) -> Source:
    """Open files, directories, globs or URIs for reading; see :class:`ReadOptions`."""
    return Source(inputs, ReadOptions.from_kwargs(**options), quarantine)


def sniff(path: str, **options: Any) -> Detection:
    """Detect the properties of one input (the first stream if it holds several)."""
    source = open_source(path, **options)
    for stream in source.streams():
        return stream.detection
    if source.errors:
        raise source.errors[0]
    raise InputError("nothing to read", path=path, code="empty")


# ---------------------------------------------------------------------- opening
def open_resource(
    resource: Resource,
    options: ReadOptions,
    sink: QuarantineSink,
    report: Callable[[InputError], None] | None = None,
) -> Iterator[Stream]:
    """Streams of one file; a bad zip member is reported and the next one read."""
    raw = resource.open()
    try:
        head = raw.read(8)
    except OSError as exc:
        raw.close()
        raise InputError(f"cannot read: {exc}", path=resource.uri, code="unreadable") from exc
    if not head:
        raw.close()
        raise InputError("the file is empty", path=resource.uri, code="empty_file")
    codec = _compression(options, head)
    if codec == "zip":
        raw.seek(0)
        if detect.zip_is_spreadsheet(raw):  # type: ignore[arg-type]
            raw.seek(0)
            yield from _excel_streams(raw, resource.uri, resource.name, options, None)
            return
        raw.seek(0)
        for member, member_stream in compression.zip_members(raw, resource.uri):
            try:
                yield from _open_stream(
                    member_stream,
                    f"{resource.uri}!{member}",
                    member,
                    options,
                    sink,
                    None,
                    member,
                    in_zip=True,
                )
            except InputError as exc:
                if report is None:
                    raise
                report(exc)
        return
    try:
        raw.seek(0)
        stream: BinaryIO = raw
    except (OSError, io.UnsupportedOperation):
        stream = prepend(head, raw)
    yield from _open_stream(
        stream, resource.uri, resource.name, options, sink, resource.size, None, resource.open
    )


def _compression(options: ReadOptions, head: bytes) -> str | None:
    if options.compression == "none":
        return None
    if options.compression:
        if options.compression not in compression.MAGIC:
            valid = ", ".join(["none", *compression.MAGIC])
            raise UsageError(
                f"unknown compression {options.compression!r}", hint=f"valid values are: {valid}"
            )
        return options.compression
    return compression.detect_compression(head)


def _open_stream(
    raw: BinaryIO,
    uri: str,
    name: str,
    options: ReadOptions,
    sink: QuarantineSink,
    size: int | None,
    member: str | None,
    reopen: Callable[[], BinaryIO] | None = None,
    in_zip: bool = False,
) -> Iterator[Stream]:
    rewind = _can_seek(raw)
    head = raw.read(8)
    codec = _compression(options, head)
    packed = codec or ("zip" if in_zip else None)  # what detection reports
    stream: BinaryIO = raw if rewind and raw.seek(0) == 0 else prepend(head, raw)
    if codec == "zip":
        raise InputError(
            "a zip archive inside a zip archive is not supported",
            path=uri,
            hint="unpack the outer archive first",
            code="nested_zip",
        )
    if codec:
        stream = compression.decompress(stream, codec, uri)
        size_known = None
    else:
        size_known = size
    prefix = _read_prefix(stream, options.sample_bytes, uri)
    complete = len(prefix) < options.sample_bytes
    if not prefix.strip(b" \t\r\n\x00"):
        raise InputError("the file is empty", path=uri, code="empty_file")
    if codec is None and rewind:
        stream.seek(0)  # a plain file: read it again from the start, no copies
    else:
        stream = prepend(prefix, stream)

    hint = options.format or detect.extension_hint(name)
    binary = detect.binary_format(prefix)
    fmt = options.format or binary
    if fmt in (Format.PARQUET, Format.ARROW, Format.EXCEL) or binary:
        fmt = fmt or binary
        assert fmt is not None
        if codec is None and reopen is not None:
            stream.close()
            stream = reopen()  # random access straight on the file, not a copy in memory
        else:
            stream = _seekable(stream)
        yield from _binary_streams(stream, fmt, uri, name, options, packed, size, member)
        return

    text_encoding = (
        encoding.canonical(options.encoding)
        if options.encoding
        else encoding.detect_encoding(prefix, complete=complete)
    )
    text_prefix = _decode_prefix(prefix, text_encoding)
    if detect.looks_binary(text_prefix):
        raise InputError(
            "this is binary data, not a supported format",
            path=uri,
            hint="supported: CSV/TSV, JSON, JSON Lines, Parquet, Arrow/Feather, Excel/ODS, "
            "optionally gzip/bz2/xz/zstd/zip compressed",
            code="unsupported_format",
        )
    fmt = options.format or detect.text_format(text_prefix, hint)
    detection = Detection(
        uri=uri,
        format=fmt,
        compression=packed,
        encoding=text_encoding,
        size_bytes=size,
        member=member,
    )
    utf8 = encoding.to_utf8(stream, text_encoding)
    table_name = _table_name(member or name)

    if fmt is Format.CSV:
        _detect_csv(detection, text_prefix, complete, options, uri)
        if complete and detection.estimated_rows == 0:
            raise InputError(
                "the file has a header but no data rows"
                if detection.dialect and detection.dialect.header
                else "the file has no data rows",
                path=uri,
                code="no_data_rows",
            )
        yield Stream(table_name, detection, _csv_opener(utf8, options, sink))
    elif fmt is Format.JSONL:
        detection.estimated_rows = _estimate_lines(text_prefix, size_known, complete)
        detection.columns = sample_keys(text_prefix)
        yield Stream(
            table_name,
            detection,
            _jsonl_opener(utf8, options, sink),
            _open_raw=_raw_opener(
                lambda reader: _raw_records().jsonl_raw_batches(utf8, reader, options.chunk_bytes),
                options,
                sink,
            ),
        )
    else:
        info, chunks = document_chunks(
            utf8,
            uri=uri,
            size=size_known if codec is None else None,
            record_path=options.record_path,
        )
        detection.record_path = info.record_path
        detection.estimated_rows = info.records
        detection.columns = info.keys
        yield Stream(
            table_name,
            detection,
            _json_opener(chunks, options, sink),
            _open_raw=_raw_opener(
                lambda reader: _raw_records().document_raw_batches(chunks, reader), options, sink
            ),
        )


def _can_seek(stream: BinaryIO) -> bool:
    try:
        return bool(stream.seekable())
    except (AttributeError, OSError, ValueError):
        return False


def _read_prefix(stream: BinaryIO, n: int, uri: str) -> bytes:
    try:
        parts = []
        remaining = n
        while remaining > 0:
            data = stream.read(remaining)
            if not data:
                break
            parts.append(data)
            remaining -= len(data)
        return b"".join(parts)
    except OSError as exc:
        raise InputError(f"cannot read: {exc}", path=uri, code="unreadable") from exc


def _decode_prefix(prefix: bytes, name: str) -> bytes:
    """The prefix as UTF-8 bytes (BOM removed, a character cut at the end dropped)."""
    body = (
        prefix[encoding.bom_length(name) :]
        if prefix[:4].startswith(tuple(b for b, n in encoding.BOMS if n == name))
        else prefix
    )
    if name in ("utf-8", "utf-8-sig", "ascii"):
        return body
    errors = "assay-c1" if name == "cp1252" else "replace"
    return body.decode(name, errors=errors).encode("utf-8", errors="surrogateescape")


def _detect_csv(
    detection: Detection, text_prefix: bytes, complete: bool, options: ReadOptions, uri: str
) -> None:
    text = text_prefix.decode("utf-8", errors="replace")
    dialect, names = sniff_dialect(text, complete=complete)
    overridden = with_overrides(
        dialect,
        delimiter=options.delimiter,
        escapechar=options.escapechar,
        header=options.header,
        skip_rows=options.skip_rows,
        comment=options.comment,
    )
    if options.quotechar is not None:
        overridden = with_overrides(overridden, quotechar=options.quotechar or None)
    if overridden != dialect:
        # Re-read the column names with the caller's dialect.
        names = _names_for(text, overridden)
    detection.dialect = overridden
    detection.columns = names
    detection.estimated_rows = _estimate_rows(
        text_prefix, overridden, detection.size_bytes, complete
    )


def _names_for(text: str, dialect: Dialect) -> list[str]:
    import csv as csvlib

    from assay.sources.dialect import column_names, split_lines

    lines = split_lines(text)[dialect.skip_rows :]
    if dialect.comment:
        lines = [line for line in lines if not line.lstrip().startswith(dialect.comment)]
    options: dict[str, Any] = {"delimiter": dialect.delimiter}
    if dialect.quotechar:
        options.update(quotechar=dialect.quotechar, escapechar=dialect.escapechar)
    else:
        options.update(quoting=csvlib.QUOTE_NONE)
    rows = [r for r in csvlib.reader(lines[:50], **options) if r]
    if not rows:
        return []
    width = max(len(r) for r in rows[:20])
    if dialect.trailing_delimiter:
        width -= 1
    return column_names(rows[0][:width] if dialect.header else [], width)


def _estimate_rows(
    text_prefix: bytes, dialect: Dialect, size: int | None, complete: bool
) -> int | None:
    terminator = b"\r" if dialect.line_terminator == "CR" else b"\n"
    lines = text_prefix.count(terminator)
    if complete and not text_prefix.endswith(terminator) and text_prefix.strip():
        lines += 1
    overhead = dialect.skip_rows + (1 if dialect.header else 0)
    if complete:
        blank = sum(1 for line in text_prefix.split(terminator) if not line.strip())
        if text_prefix.endswith(terminator):
            blank -= 1
        return max(lines - overhead - max(blank, 0), 0)
    if not size or lines <= overhead:
        return None
    per_row = len(text_prefix) / max(lines, 1)
    return max(int(size / per_row) - overhead, 0)


def _estimate_lines(text_prefix: bytes, size: int | None, complete: bool) -> int | None:
    lines = [line for line in text_prefix.split(b"\n") if line.strip()]
    if complete:
        return len(lines)
    if not size or not lines:
        return None
    return int(size / (len(text_prefix) / max(text_prefix.count(b"\n"), 1)))


def _table_name(name: str) -> str:
    base = PurePosixPath(detect.strip_compression_suffix(PurePosixPath(name).name)).stem
    base = re.sub(r"[^0-9A-Za-z_]+", "_", base).strip("_").lower()
    return base or "table"


def _csv_opener(
    utf8: BinaryIO, options: ReadOptions, sink: QuarantineSink
) -> Callable[[Stream], Iterator[SourceBatch]]:
    def open_batches(stream: Stream) -> Iterator[SourceBatch]:
        detection = stream.detection
        assert detection.dialect is not None
        reader = CsvReader(
            utf8,
            uri=detection.uri,
            dialect=detection.dialect,
            columns=detection.columns,
            on_error=options.on_error,
            quarantine=sink,
            chunk_bytes=options.chunk_bytes,
            first_chunk_bytes=options.first_chunk_bytes,
            threads=options.threads,
            member=detection.member,
        )
        try:
            yield from reader
        finally:
            stream.records_read = reader.records_read
            stream.records_quarantined = reader.records_quarantined
            utf8.close()

    return _once(open_batches)


def _jsonl_opener(
    utf8: BinaryIO, options: ReadOptions, sink: QuarantineSink
) -> Callable[[Stream], Iterator[SourceBatch]]:
    # The generator reads nothing until the stream's batches are asked for.
    chunks = jsonl_chunks(utf8, options.chunk_bytes // 2)
    return _json_opener(chunks, options, sink, close=utf8.close)


def _json_opener(
    chunks: Iterator[Any],
    options: ReadOptions,
    sink: QuarantineSink,
    close: Callable[[], None] | None = None,
) -> Callable[[Stream], Iterator[SourceBatch]]:
    def open_batches(stream: Stream) -> Iterator[SourceBatch]:
        reader = JsonRecordReader(
            uri=stream.detection.uri,
            on_error=options.on_error,
            quarantine=sink,
            member=stream.detection.member,
        )
        try:
            yield from read_json_batches(chunks, reader)
        finally:
            stream.records_read = reader.records_read
            stream.records_quarantined = reader.records_quarantined
            if close is not None:
                close()

    return _once(open_batches)


def _raw_records() -> ModuleType:
    """The raw-record readers, imported on first use (see the import note above)."""
    from assay.sources import raw_records

    return raw_records


def _raw_opener(
    read: Callable[[RawRecordReader], Iterator[SourceBatch]],
    options: ReadOptions,
    sink: QuarantineSink,
) -> Callable[[Stream], Iterator[SourceBatch]]:
    def open_batches(stream: Stream) -> Iterator[SourceBatch]:
        reader = _raw_records().RawRecordReader(
            uri=stream.detection.uri,
            on_error=options.on_error,
            quarantine=sink,
            member=stream.detection.member,
        )
        try:
            yield from read(reader)
        finally:
            stream.records_read = reader.records_read
            stream.records_quarantined = reader.records_quarantined

    return open_batches


def _once(
    fn: Callable[[Stream], Iterator[SourceBatch]],
) -> Callable[[Stream], Iterator[SourceBatch]]:
    used = False

    def wrapper(stream: Stream) -> Iterator[SourceBatch]:
        nonlocal used
        if used:
            raise UsageError("a stream's batches can be read once; open the source again")
        used = True
        return fn(stream)

    return wrapper


def _binary_streams(
    stream: BinaryIO,
    fmt: Format,
    uri: str,
    name: str,
    options: ReadOptions,
    codec: str | None,
    size: int | None,
    member: str | None,
) -> Iterator[Stream]:
    seekable = stream
    if fmt is Format.EXCEL:
        yield from _excel_streams(seekable, uri, name, options, member)
        return
    detection = Detection(uri=uri, format=fmt, compression=codec, size_bytes=size, member=member)
    if fmt is Format.PARQUET:
        schema, rows = columnar.parquet_schema(seekable, uri)
        detection.columns = schema.names
        detection.estimated_rows = rows
        seekable.seek(0)
        opener = lambda s: columnar.parquet_batches(seekable, uri, member)  # noqa: E731
    else:
        opener = lambda s: columnar.arrow_batches(seekable, uri, member)  # noqa: E731
    yield Stream(_table_name(member or name), detection, _once(opener))


def _seekable(stream: BinaryIO) -> BinaryIO:
    # Parquet, Arrow files and workbooks need random access; a compressed file or a zip
    # member has none, so it is decompressed into memory (these formats compress
    # internally, so wrapping them in gzip is rare and such files are small).
    return io.BytesIO(stream.read())


def _excel_streams(
    raw: BinaryIO, uri: str, name: str, options: ReadOptions, member: str | None
) -> Iterator[Stream]:
    book = columnar.workbook(raw, uri)
    sheets = list(book.sheet_names)
    if options.sheet is not None:
        if options.sheet not in sheets:
            raise InputError(
                f"the workbook has no sheet {options.sheet!r}",
                path=uri,
                hint=f"its sheets are: {', '.join(sheets)}",
                code="no_such_sheet",
            )
        sheets = [options.sheet]
    base = _table_name(member or name)
    for sheet in sheets:
        names, data, _ = columnar.sheet_rows(book, sheet, uri)
        if not names:
            continue
        detection = Detection(
            uri=uri,
            format=Format.EXCEL,
            columns=names,
            estimated_rows=len(data),
            member=member,
            sheet=sheet,
        )
        table = base if len(sheets) == 1 else f"{base}_{_table_name(sheet)}"
        yield Stream(
            table,
            detection,
            _once(lambda s, sheet=sheet: columnar.sheet_batches(book, sheet, uri, member)),
        )
