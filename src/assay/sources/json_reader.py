"""Read JSON Lines and JSON documents into Arrow batches.

JSON Lines are cut into chunks of whole lines and parsed by Arrow's C++ JSON reader.
Arrow guesses timestamps from ISO strings (dropping their UTC offsets) and turns
integers beyond 64 bits into floats; both would lose data, so such fields are re-read
as strings, and a chunk with values Arrow cannot hold (one key that is a number in one
record and text in another) is rebuilt in Python with the conflicting keys kept as
JSON text.  A line that is not valid JSON goes to quarantine with its line number.

JSON documents (an array of records, one object, or an object wrapping the records
under a key such as ``data``) are turned into the same line stream, so both share the
same conversion.  Documents are held in memory only when small; larger arrays are
streamed element by element.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO

import numpy as np
import orjson
import pyarrow as pa
import pyarrow.json as pajson

from assay.errors import InputError
from assay.sources.model import OnError, Origin, QuarantinedRecord, QuarantineSink, SourceBatch

DEFAULT_CHUNK_BYTES = 8 << 20
SMALL_DOCUMENT_BYTES = 64 << 20
_BIG_INT = re.compile(rb"[:\[,]\s*-?\d{19,}\s*[,\]}\n]")


@dataclass
class _Lines:
    data: bytes  # newline-separated JSON texts, each one record
    first_record: int
    lines: list[int] | np.ndarray | None  # physical start line per record, when known
    first_line: int | None


class JsonRecordReader:
    """Parse chunks of newline-separated JSON records into :class:`SourceBatch` objects."""

    def __init__(
        self,
        *,
        uri: str,
        on_error: OnError,
        quarantine: QuarantineSink | None,
        member: str | None = None,
    ) -> None:
        self.uri = uri
        self.on_error = on_error
        self.quarantine = quarantine
        self.member = member
        self.records_read = 0
        self.records_quarantined = 0
        self._pinned: list[pa.Field] = []
        self._order: list[str] = []

    def batch(self, chunk: _Lines) -> SourceBatch | None:
        keep_lines: list[int] | np.ndarray | None = [] if chunk.lines is not None else None
        good: list[bytes] = []
        first_good: int | None = None
        try:
            table = self._arrow(chunk.data)
            if keep_lines is not None and chunk.lines is not None:
                keep_lines = chunk.lines
            first_good = 0
        except (pa.ArrowInvalid, _NeedsPythonError):
            table = None
        if table is None:
            # Only a chunk Arrow refused is taken apart record by record.
            texts = chunk.data.split(b"\n")
            if texts and texts[-1] == b"":
                texts.pop()
            records: list[Any] = []
            for i, text in enumerate(texts):
                line = int(chunk.lines[i]) if chunk.lines is not None else None
                value, problem = _parse_record(text)
                if problem is not None:
                    self._reject(line, chunk.first_record + i, text, problem[1], problem[0])
                    continue
                if first_good is None:
                    first_good = i
                records.append(value)
                good.append(text)
                if isinstance(keep_lines, list) and line is not None:
                    keep_lines.append(line)
            if not good:
                return None
            try:
                table = self._arrow(b"\n".join(good) + b"\n")
            except (pa.ArrowInvalid, _NeedsPythonError):
                table = _from_records(records)
        self.records_read += table.num_rows
        if table.num_rows == 0:
            return None
        batch = table.combine_chunks().to_batches()[0] if table.num_rows else None
        lines = np.asarray(keep_lines, dtype=np.int64) if keep_lines is not None else None
        origin = Origin(
            uri=self.uri,
            first_record=chunk.first_record + (first_good or 0),
            first_line=int(lines[0]) if lines is not None and len(lines) else chunk.first_line,
            member=self.member,
        )
        return SourceBatch(batch, origin, (lambda: lines) if lines is not None else None)

    def _arrow(self, data: bytes) -> pa.Table:
        if _has_big_int(data):
            raise _NeedsPythonError
        options = pajson.ReadOptions(use_threads=False, block_size=max(len(data) + 1, 1 << 20))
        table = None
        if self._pinned:
            # Top-level fields Arrow took for timestamps in an earlier chunk are read as
            # text straight away: one parse per chunk instead of two.
            pinned = pajson.ParseOptions(
                explicit_schema=pa.schema(self._pinned), unexpected_field_behavior="infer"
            )
            try:
                table = pajson.read_json(
                    pa.BufferReader(data), read_options=options, parse_options=pinned
                )
            except pa.ArrowInvalid:
                self._pinned = []
        if table is None:
            table = pajson.read_json(pa.BufferReader(data), read_options=options)
        # Columns in the order first seen in the stream (Arrow orders each chunk by itself,
        # and pinned fields first): zero-copy.
        names = table.schema.names
        order = [n for n in self._order if n in names] + [n for n in names if n not in self._order]
        if order != names:
            table = table.select(order)
        self._order = order if len(order) >= len(self._order) else self._order
        if _has_timestamps(table.schema):
            self._pinned = [
                pa.field(f.name, pa.string()) for f in table.schema if pa.types.is_timestamp(f.type)
            ]
            schema = pa.schema([_without_timestamps(f) for f in table.schema])
            table = pajson.read_json(
                pa.BufferReader(data),
                read_options=options,
                parse_options=pajson.ParseOptions(explicit_schema=schema),
            )
        return table

    def _reject(self, line: int | None, record: int, raw: bytes, reason: str, code: str) -> None:
        if self.on_error is OnError.FAIL:
            raise InputError(reason, path=self.uri, line=line, code=code)
        self.records_quarantined += 1
        if self.on_error is OnError.QUARANTINE and self.quarantine is not None:
            self.quarantine(
                QuarantinedRecord(
                    uri=self.uri,
                    line=line,
                    record=record,
                    reason=reason,
                    code=code,
                    raw=raw,
                    member=self.member,
                )
            )


_DIGIT_MAP = bytes(49 if 48 <= i <= 57 else 48 for i in range(256))  # digit -> "1", else "0"
_LONG_DIGIT_RUN = b"1" * 19


def _has_big_int(data: bytes) -> bool:
    """Whether ``data`` holds a JSON integer of 19 digits or more (see ``_BIG_INT``).

    The regular expression scans ~60 MB/s; a run of 19 digits, which it needs, is found
    ten times faster by mapping every byte to digit/non-digit and searching the result,
    so only chunks that hold such a run pay for the expression.
    """
    if _LONG_DIGIT_RUN not in data.translate(_DIGIT_MAP):
        return False
    return _BIG_INT.search(data) is not None


def _parse_record(text: bytes) -> tuple[Any, tuple[str, str] | None]:
    """The record's value, or ``(code, reason)`` when it is not a JSON object."""
    try:
        value = _loads(text)
    except orjson.JSONDecodeError as exc:
        return None, ("invalid_json", f"invalid JSON: {exc}")
    if not isinstance(value, dict):
        return None, ("not_an_object", f"expected a JSON object, found {type(value).__name__}")
    return value, None


def check_record(text: bytes) -> tuple[str, str] | None:
    """``(code, reason)`` when a record's text is not a JSON object, as the reader reports
    it; None for a good record."""
    return _parse_record(text)[1]


def _loads(text: bytes) -> Any:
    """orjson, except for integers beyond 64 bits, which it would turn into floats."""
    if _BIG_INT.search(text):
        try:
            return json.loads(text)
        except ValueError as exc:
            raise orjson.JSONDecodeError(str(exc), text.decode("utf-8", "replace"), 0) from exc
    return orjson.loads(text)


def _dumps(value: Any) -> str:
    try:
        return orjson.dumps(value).decode()
    except TypeError:  # integers beyond 64 bits: the standard library keeps every digit
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


class _NeedsPythonError(Exception):
    """The chunk holds values Arrow's JSON reader would change; build it in Python."""


def _has_timestamps(schema: pa.Schema) -> bool:
    return any(_type_has_timestamp(f.type) for f in schema)


def _type_has_timestamp(t: pa.DataType) -> bool:
    if pa.types.is_timestamp(t):
        return True
    if pa.types.is_struct(t):
        return any(_type_has_timestamp(t.field(i).type) for i in range(t.num_fields))
    if pa.types.is_list(t) or pa.types.is_large_list(t):
        return _type_has_timestamp(t.value_type)
    return False


def _without_timestamps(f: pa.Field) -> pa.Field:
    return f.with_type(_replace_timestamps(f.type))


def _replace_timestamps(t: pa.DataType) -> pa.DataType:
    if pa.types.is_timestamp(t):
        return pa.string()
    if pa.types.is_struct(t):
        return pa.struct([_without_timestamps(t.field(i)) for i in range(t.num_fields)])
    if pa.types.is_list(t):
        return pa.list_(_without_timestamps(t.value_field))
    return t


def _from_records(records: list[dict[str, Any]]) -> pa.Table:
    """Build a table in Python; a key whose values Arrow cannot unify is kept as JSON text."""
    keys: dict[str, None] = {}
    for record in records:
        for key in record:
            keys.setdefault(key, None)
    arrays = []
    fields = []
    for key in keys:
        values = [r.get(key) for r in records]
        try:
            array = pa.array(values)
            if pa.types.is_null(array.type) or not _fits(array.type):
                raise pa.ArrowInvalid("untyped")
            fields.append(pa.field(key, array.type))
        except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):
            array = pa.array([None if v is None else _dumps(v) for v in values], pa.string())
            if any(v is not None for v in values):
                fields.append(pa.field(key, pa.string(), metadata={b"assay.encoding": b"json"}))
            else:
                array = pa.nulls(len(values))
                fields.append(pa.field(key, pa.null()))
        arrays.append(array)
    return pa.Table.from_arrays(arrays, schema=pa.schema(fields))


def _fits(t: pa.DataType) -> bool:
    # pa.array turns integers beyond int64 into uint64 or decimals; keep those as text.
    if pa.types.is_unsigned_integer(t) or pa.types.is_decimal(t):
        return False
    if pa.types.is_struct(t):
        return all(_fits(t.field(i).type) for i in range(t.num_fields))
    if pa.types.is_list(t) or pa.types.is_large_list(t):
        return _fits(t.value_type)
    return True


# ---------------------------------------------------------------------- JSON Lines
def jsonl_chunks(stream: BinaryIO, chunk_bytes: int = DEFAULT_CHUNK_BYTES) -> Iterator[_Lines]:
    """Cut a JSON Lines stream into chunks of whole, non-blank lines with their numbers."""
    buffer = b""
    line = 1
    record = 1
    eof = False
    while not eof:
        data = stream.read(chunk_bytes)
        eof = not data
        buffer = buffer + data if buffer else data
        cut = len(buffer) if eof else buffer.rfind(b"\n") + 1
        if cut <= 0:
            continue
        body, buffer = (buffer, b"") if cut == len(buffer) else (buffer[:cut], buffer[cut:])
        raw = np.frombuffer(body, dtype=np.uint8)
        breaks = np.flatnonzero(raw == 10)
        chunk = _clean_lines(body, raw, breaks, line, record)
        if chunk is None:
            chunk = _stripped_lines(body, line, record)
        line += len(breaks)
        if chunk is not None:
            yield chunk
            record += len(chunk.lines)  # type: ignore[arg-type]


_WHITESPACE = np.zeros(256, dtype=bool)
_WHITESPACE[list(b" \t\n\r\x0b\x0c")] = True  # what bytes.strip() removes


def _clean_lines(
    body: bytes, raw: np.ndarray, breaks: np.ndarray, line: int, record: int
) -> _Lines | None:
    """The chunk as it is when no line is blank or padded (the usual case), else None.

    Every line then is one record text exactly as :func:`_stripped_lines` would cut it,
    so the chunk needs no copying and its line numbers are a range: only the bytes on
    either side of each line break are looked at.  Windows line ends (CRLF) are the one
    padding handled here, by dropping the CR before each LF.
    """
    if b"\r" in body:
        body = body.replace(b"\r\n", b"\n")
        raw = np.frombuffer(body, dtype=np.uint8)
        breaks = np.flatnonzero(raw == 10)
    if not len(raw):
        return None
    ends = breaks if len(breaks) and breaks[-1] == len(raw) - 1 else np.append(breaks, len(raw))
    starts = np.concatenate(([0], ends[:-1] + 1))
    if (ends <= starts).any():  # an empty line
        return None
    if _WHITESPACE[raw[starts]].any() or _WHITESPACE[raw[ends - 1]].any():
        return None
    if not body.endswith(b"\n"):
        body += b"\n"
    numbers = np.arange(line, line + len(starts), dtype=np.int64)
    return _Lines(body, record, numbers, line)


def _stripped_lines(body: bytes, line: int, record: int) -> _Lines | None:
    """Blank lines dropped and whitespace around records stripped, line by line."""
    physical = body.split(b"\n")
    if physical and physical[-1] == b"":
        physical.pop()
    texts: list[bytes] = []
    numbers: list[int] = []
    for i, text in enumerate(physical):
        stripped = text.strip()
        if stripped:
            texts.append(stripped)
            numbers.append(line + i)
    if not texts:
        return None
    return _Lines(b"\n".join(texts) + b"\n", record, numbers, numbers[0])


# ---------------------------------------------------------------------- JSON documents
_TOKEN = re.compile(rb'"(?:[^"\\]|\\.)*"|[\[\]{}\n]')


@dataclass
class DocumentInfo:
    record_path: str | None
    records: int | None  # known when the document was small enough to parse at once
    keys: list[str]


def keys_of(records: list[Any], limit: int = 1000) -> list[str]:
    """Top-level keys of the first records, in first-seen order."""
    keys: dict[str, None] = {}
    for record in records[:limit]:
        if isinstance(record, dict):
            for key in record:
                keys.setdefault(key, None)
    return list(keys)


def sample_keys(text_prefix: bytes, limit: int = 1000) -> list[str]:
    """Top-level keys of the first JSON Lines records in a prefix."""
    records = []
    for line in text_prefix.split(b"\n")[:limit]:
        try:
            records.append(orjson.loads(line))
        except orjson.JSONDecodeError:
            continue
    return keys_of(records)


def document_chunks(
    stream: BinaryIO,
    *,
    uri: str,
    size: int | None,
    record_path: str | None,
    chunk_records: int = 20_000,
) -> tuple[DocumentInfo, Iterator[_Lines]]:
    """Records of a JSON document as line chunks, with what is known about them."""
    if size is not None and size > SMALL_DOCUMENT_BYTES:
        path, chunks = _stream_large_array(
            stream, uri=uri, record_path=record_path, chunk_records=chunk_records
        )
        return DocumentInfo(path, None, []), chunks
    text = stream.read()
    if not text.strip():
        raise InputError("the file is empty", path=uri, code="empty_file")
    try:
        document = _loads(text)
    except orjson.JSONDecodeError as exc:
        line = text[: getattr(exc, "pos", 0)].count(b"\n") + 1
        raise InputError(
            f"invalid JSON document: {exc.msg}", path=uri, line=line, code="invalid_json"
        ) from exc
    records, path = _records_of(document, record_path, uri)
    lines = _element_lines(text, path) if len(text) < (16 << 20) else None

    def chunks() -> Iterator[_Lines]:
        for start in range(0, len(records), chunk_records):
            part = records[start : start + chunk_records]
            data = b"\n".join(_dump(r) for r in part) + b"\n"
            numbers = (
                lines[start : start + len(part)] if lines and len(lines) == len(records) else None
            )
            yield _Lines(data, start + 1, numbers, numbers[0] if numbers else None)

    return DocumentInfo(path, len(records), keys_of(records)), chunks()


def _dump(record: Any) -> bytes:
    try:
        return orjson.dumps(record)
    except TypeError:  # integers beyond 64 bits
        return _dumps(record).encode()


def _records_of(document: Any, record_path: str | None, uri: str) -> tuple[list[Any], str | None]:
    if record_path:
        node = document
        for part in record_path.split("."):
            if not isinstance(node, dict) or part not in node:
                raise InputError(
                    f"the document has no key {record_path!r}", path=uri, code="bad_record_path"
                )
            node = node[part]
        return (node if isinstance(node, list) else [node]), record_path
    if isinstance(document, list):
        return document, None
    if isinstance(document, dict):
        path = _find_record_list(document)
        if path:
            node: Any = document
            for part in path.split("."):
                node = node[part]
            return node, path
        return [document], None
    raise InputError(
        f"a JSON document of a single {type(document).__name__} holds no records",
        path=uri,
        code="no_records",
    )


def _find_record_list(document: dict[str, Any], depth: int = 0) -> str | None:
    """The key holding the records in a wrapper like {"data": [...], "meta": {...}}."""
    best: tuple[int, str] | None = None
    for key, value in document.items():
        if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            if best is None or len(value) > best[0]:
                best = (len(value), key)
        elif isinstance(value, dict) and depth < 2:
            inner = _find_record_list(value, depth + 1)
            if inner:
                node = value
                for part in inner.split("."):
                    node = node[part]
                if best is None or len(node) > best[0]:
                    best = (len(node), f"{key}.{inner}")
    # Only a wrapper: the other keys are metadata, not a record of its own.
    if best and (best[0] > 1 or len(document) <= 3):
        return best[1]
    return None


def _element_lines(text: bytes, path: str | None) -> list[int] | None:
    """Physical line where each element of the record array starts (small files only)."""
    target_depth = 1 + (len(path.split(".")) if path else 0)
    depth = 0
    line = 1
    starts: list[int] = []
    expect_element = False
    for match in _TOKEN.finditer(text):
        token = match.group()
        if token == b"\n":
            line += 1
            continue
        if token.startswith(b'"'):
            line += token.count(b"\n")
            if expect_element and depth == target_depth:
                starts.append(line)
            continue
        if token in (b"[", b"{"):
            if depth == target_depth and token == b"{":
                starts.append(line)
            depth += 1
            expect_element = token == b"[" and depth == target_depth
        else:
            depth -= 1
    return starts or None


def _stream_large_array(
    stream: BinaryIO, *, uri: str, record_path: str | None, chunk_records: int
) -> tuple[str | None, Iterator[_Lines]]:
    try:
        import ijson
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise InputError(
            "this JSON document is too large to read at once and the streaming parser "
            "'ijson' is not installed",
            path=uri,
            hint="pip install ijson, or convert the file to JSON Lines",
            code="missing_dependency",
        ) from exc
    prefix = (record_path + ".item") if record_path else "item"

    def chunks() -> Iterator[_Lines]:
        part: list[bytes] = []
        record = 1
        try:
            for item in ijson.items(stream, prefix, use_float=True):
                part.append(orjson.dumps(item))
                if len(part) >= chunk_records:
                    yield _Lines(b"\n".join(part) + b"\n", record, None, None)
                    record += len(part)
                    part = []
        except ijson.JSONError as exc:
            raise InputError(
                f"invalid JSON document: {exc}", path=uri, code="invalid_json"
            ) from exc
        if part:
            yield _Lines(b"\n".join(part) + b"\n", record, None, None)

    return record_path, chunks()


def read_json_batches(chunks: Iterator[_Lines], reader: JsonRecordReader) -> Iterator[SourceBatch]:
    for chunk in chunks:
        batch = reader.batch(chunk)
        if batch is not None:
            yield batch


LineChunks = Callable[[], Iterator[_Lines]]


def parse_lines(data: bytes, first_record: int, reader: JsonRecordReader) -> SourceBatch | None:
    """Parse newline-separated JSON records held elsewhere (e.g. read back from a staging
    store) exactly as a JSON Lines file would be parsed."""
    return reader.batch(_Lines(data, first_record, None, None))
