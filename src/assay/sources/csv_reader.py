"""Read delimited text into Arrow batches of text columns, losslessly, in bounded memory.

The stream is cut into chunks that end on a record boundary (a line terminator outside
quotes, found by quote parity), and each chunk is parsed by Arrow's C++ CSV parser on a
small thread pool, so every batch knows exactly the file line and record it starts at.
Values stay text (typing is the inference stage's job); an empty field is ``""``.

Records that are not data never stop the read and are never dropped silently: a row
with the wrong number of fields or bytes that are not valid in the file's encoding is
handed to the quarantine sink with its line, raw text and reason (or skipped, or fails
the read, per :class:`OnError`).
"""

from __future__ import annotations

import csv
import io
import re
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import BinaryIO

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from assay.errors import InputError
from assay.sources.model import (
    Dialect,
    OnError,
    Origin,
    QuarantinedRecord,
    QuarantineSink,
    SourceBatch,
)

DEFAULT_CHUNK_BYTES = 16 << 20
_TRAILING = "__assay_trailing__"


@dataclass
class _Chunk:
    data: bytes
    first_line: int  # 1-based physical line of the chunk's first byte
    lines: int  # physical line terminators in the chunk


@dataclass
class _Problem:
    line: int | None
    index: int | None  # 0-based record index inside the chunk
    raw: bytes
    reason: str
    code: str


@dataclass
class _Result:
    batch: pa.RecordBatch | None
    records: int  # data records in the chunk, good and bad (blank lines excluded)
    problems: list[_Problem]
    first_good: int  # index of the first good record
    first_line: int
    lines: Callable[[], np.ndarray | None]


class CsvReader:
    """Stream one delimited text file (already UTF-8) as :class:`SourceBatch` objects."""

    def __init__(
        self,
        stream: BinaryIO,
        *,
        uri: str,
        dialect: Dialect,
        columns: list[str],
        on_error: OnError = OnError.QUARANTINE,
        quarantine: QuarantineSink | None = None,
        chunk_bytes: int = DEFAULT_CHUNK_BYTES,
        threads: int = 2,
        member: str | None = None,
    ) -> None:
        self.stream = stream
        self.uri = uri
        self.dialect = dialect
        self.columns = columns
        self.on_error = on_error
        self.quarantine = quarantine
        self.chunk_bytes = chunk_bytes
        self.threads = max(1, threads)
        self.member = member
        self.records_read = 0
        self.records_quarantined = 0
        self._terminator = b"\r" if dialect.line_terminator == "CR" else b"\n"
        self._quote = dialect.quotechar.encode() if dialect.quotechar else None
        self._escaped_quote = (
            (dialect.escapechar + dialect.quotechar).encode()
            if dialect.escapechar and dialect.quotechar
            else None
        )
        names = list(columns) + ([_TRAILING] if dialect.trailing_delimiter else [])
        self._read_options = pacsv.ReadOptions(
            column_names=names, use_threads=False, block_size=chunk_bytes + (1 << 20)
        )
        self._convert_options = pacsv.ConvertOptions(
            column_types={name: pa.string() for name in names},
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
            include_columns=list(columns),
            check_utf8=True,
        )
        self._comment = re.compile(
            rb"(?m)^[ \t]*" + re.escape(dialect.comment.encode()) + rb"[^\r\n]*"
        ) if dialect.comment else None

    # ------------------------------------------------------------------ public
    def __iter__(self) -> Iterator[SourceBatch]:
        pending: deque[Future[_Result]] = deque()
        record = 1
        with ThreadPoolExecutor(max_workers=self.threads, thread_name_prefix="assay-csv") as pool:
            chunks = self._chunks()
            while True:
                while len(pending) <= self.threads:
                    chunk = next(chunks, None)
                    if chunk is None:
                        break
                    pending.append(pool.submit(self._parse_chunk, chunk))
                if not pending:
                    break
                result = pending.popleft().result()
                for problem in result.problems:
                    self._reject(problem, record)
                self.records_read += result.records
                if result.batch is not None:
                    yield SourceBatch(
                        result.batch,
                        Origin(
                            uri=self.uri,
                            first_record=record + result.first_good,
                            first_line=result.first_line,
                            member=self.member,
                        ),
                        result.lines,
                    )
                record += result.records

    # ------------------------------------------------------------------ chunking
    def _chunks(self) -> Iterator[_Chunk]:
        buffer = b""
        line = 1
        first = True
        eof = False
        while not eof:
            data = self.stream.read(self.chunk_bytes)
            eof = not data
            buffer += data
            if first:
                if not eof and len(buffer) < self.chunk_bytes:
                    continue
                buffer, line = self._skip_preamble(buffer, eof)
                first = False
            if eof:
                cut = len(buffer)
            else:
                cut = self._last_boundary(buffer)
                if cut <= 0:
                    continue  # one record longer than a chunk: read more
            body, buffer = buffer[:cut], buffer[cut:]
            lines = body.count(self._terminator)
            if body.strip():
                yield _Chunk(body, line, lines)
            line += lines

    def _skip_preamble(self, buffer: bytes, eof: bool) -> tuple[bytes, int]:
        """Drop the preamble lines and the header record; return the rest and its line."""
        pos = 0
        line = 1
        for _ in range(self.dialect.skip_rows):
            nxt = buffer.find(self._terminator, pos)
            if nxt < 0:
                return b"", line
            pos = nxt + 1
            line += 1
        if self.dialect.header:
            end = self._first_boundary(buffer, pos)
            if end < 0:
                if not eof:
                    raise InputError(
                        "the header record is longer than the read buffer",
                        path=self.uri,
                        line=line,
                        code="header_too_long",
                    )
                end = len(buffer)
            line += buffer.count(self._terminator, pos, end)
            pos = end
        return buffer[pos:], line

    def _first_boundary(self, buffer: bytes, start: int) -> int:
        """Offset just after the first record terminator at or after ``start``."""
        t = self._terminator
        pos = buffer.find(t, start)
        while pos >= 0:
            if self._quote is None or self._quote_count(buffer, start, pos) % 2 == 0:
                return pos + 1
            pos = buffer.find(t, pos + 1)
        return -1

    def _last_boundary(self, buffer: bytes) -> int:
        """Offset just after the last record terminator in ``buffer`` (0 if none)."""
        t = self._terminator
        pos = buffer.rfind(t)
        if pos < 0:
            return 0
        if self._quote is None:
            return pos + 1
        quotes = self._quote_count(buffer, 0, pos)
        while pos >= 0:
            if quotes % 2 == 0:
                return pos + 1
            prev = buffer.rfind(t, 0, pos)
            if prev < 0:
                return 0
            quotes -= self._quote_count(buffer, prev, pos)
            pos = prev
        return 0

    def _quote_count(self, buffer: bytes, start: int, end: int) -> int:
        assert self._quote is not None
        count = buffer.count(self._quote, start, end)
        if self._escaped_quote:
            count -= buffer.count(self._escaped_quote, start, end)
        return count

    # ------------------------------------------------------------------ parsing
    def _parse_chunk(self, chunk: _Chunk) -> _Result:
        data = chunk.data
        if self._comment is not None:
            data = self._comment.sub(b"", data)
        cleaned, bad_lines = self._blank_undecodable(data, chunk.first_line)
        invalid: list[tuple[int, str]] = []

        def on_invalid(row: pacsv.InvalidRow) -> str:
            invalid.append((row.number or 0, row.text))
            return "skip"

        parse_options = pacsv.ParseOptions(
            delimiter=self.dialect.delimiter,
            quote_char=self.dialect.quotechar or False,
            double_quote=self.dialect.doublequote,
            escape_char=self.dialect.escapechar or False,
            newlines_in_values=self.dialect.quotechar is not None,
            ignore_empty_lines=True,
            invalid_row_handler=on_invalid,
        )
        try:
            table = pacsv.read_csv(
                pa.BufferReader(cleaned),
                read_options=self._read_options,
                parse_options=parse_options,
                convert_options=self._convert_options,
            )
        except pa.ArrowInvalid as exc:
            raise InputError(f"cannot parse: {exc}", path=self.uri, line=chunk.first_line) from exc
        batch = _as_batch(table, self.columns)
        rows = batch.num_rows
        first_line = chunk.first_line

        if not bad_lines and not invalid and chunk.lines == rows:
            start = chunk.first_line
            return _Result(
                batch if rows else None, rows, [], 0, start,
                lambda: np.arange(start, start + rows, dtype=np.int64),
            )

        problems: list[_Problem] = []
        starts = self._record_starts(data, chunk.first_line) if (bad_lines or invalid) else None
        if starts is None:
            # Clean but irregular (records spanning lines, blank lines): lines on demand.
            def lazy() -> np.ndarray | None:
                found = self._record_starts(data, chunk.first_line)
                return np.asarray(found, dtype=np.int64) if len(found) == rows else None

            return _Result(batch if rows else None, rows, [], 0, first_line, lazy)

        index_of = {line: i for i, line in enumerate(starts)}
        good_starts = [line for line in starts if line not in bad_lines]
        for line, (raw, reason) in bad_lines.items():
            problems.append(_Problem(line, index_of.get(line), raw, reason, "undecodable_bytes"))
        expected = len(self.columns) + (1 if self.dialect.trailing_delimiter else 0)
        for number, text in invalid:
            # Arrow numbers records among those it saw, i.e. without the blanked ones.
            line = good_starts[number - 1] if 0 < number <= len(good_starts) else None
            problems.append(
                _Problem(
                    line,
                    index_of.get(line) if line is not None else None,
                    text.encode("utf-8", errors="surrogateescape"),
                    f"expected {expected} fields, found {_field_count(text, self.dialect)}",
                    "ragged_row",
                )
            )
        ragged = {p.line for p in problems}
        kept = np.asarray([line for line in starts if line not in ragged], dtype=np.int64)
        problems.sort(key=lambda p: p.line or 0)
        first_good = next((i for i, line in enumerate(starts) if line not in ragged), 0)
        lines = (lambda: kept) if len(kept) == rows else (lambda: None)
        return _Result(
            batch if rows else None,
            max(len(starts), rows),
            problems,
            first_good,
            int(kept[0]) if len(kept) else first_line,
            lines,
        )

    def _record_starts(self, data: bytes, first_line: int) -> list[int]:
        """Physical start line of each non-blank record of a chunk (the slow, exact way)."""
        text = data.decode("utf-8", errors="surrogateescape")
        reader = csv.reader(io.StringIO(text, newline=""), **_csv_options(self.dialect))
        starts: list[int] = []
        consumed = 0
        for row in reader:
            if row:
                starts.append(first_line + consumed)
            consumed = reader.line_num
        return starts

    def _blank_undecodable(self, data: bytes, first_line: int) -> tuple[bytes, dict[int, tuple[bytes, str]]]:
        """Replace records holding invalid UTF-8 by blank lines; return them by line."""
        bad: dict[int, tuple[bytes, str]] = {}
        try:
            data.decode("utf-8")
            return data, bad
        except UnicodeDecodeError:
            pass
        out = bytearray()
        pos = 0
        while True:
            try:
                data[pos:].decode("utf-8")
                out += data[pos:]
                break
            except UnicodeDecodeError as exc:
                error_at = pos + exc.start
            start = pos + self._last_boundary(data[pos:error_at])
            end = self._first_boundary(data, start)
            end = len(data) if end < 0 else end
            record = data[start:end]
            raw = record.rstrip(b"\r\n")
            offset = error_at - start
            line = first_line + data.count(self._terminator, 0, start)
            where = _field_of_offset(raw, offset, self.dialect, self.columns)
            reason = (
                f"bytes not valid in the file's encoding{where}: "
                f"{raw[offset:offset + 4]!r} at byte {offset + 1} of the record"
            )
            bad[line] = (raw, reason)
            out += data[pos:start]
            out += self._terminator * max(record.count(self._terminator), 1)
            pos = end
        return bytes(out), bad

    def _reject(self, problem: _Problem, first_record: int) -> None:
        record = first_record + problem.index if problem.index is not None else None
        if self.on_error is OnError.FAIL:
            raise InputError(problem.reason, path=self.uri, line=problem.line, code=problem.code)
        self.records_quarantined += 1
        if self.on_error is OnError.QUARANTINE and self.quarantine is not None:
            self.quarantine(
                QuarantinedRecord(
                    uri=self.uri,
                    line=problem.line,
                    record=record,
                    reason=problem.reason,
                    code=problem.code,
                    raw=problem.raw,
                    member=self.member,
                )
            )


def _csv_options(dialect: Dialect) -> dict:
    options: dict[str, object] = {"delimiter": dialect.delimiter, "strict": False}
    if dialect.quotechar:
        options.update(
            quotechar=dialect.quotechar,
            escapechar=dialect.escapechar,
            doublequote=dialect.doublequote,
        )
    else:
        options.update(quoting=csv.QUOTE_NONE, escapechar=dialect.escapechar)
    return options


def _as_batch(table: pa.Table, columns: list[str]) -> pa.RecordBatch:
    table = table.select(columns)
    if table.num_rows == 0:
        return pa.RecordBatch.from_pylist([], schema=table.schema)
    combined = table.combine_chunks()
    batches = combined.to_batches()
    if len(batches) == 1:
        return batches[0]
    return pa.RecordBatch.from_arrays(
        [combined.column(i).combine_chunks() for i in range(combined.num_columns)],
        names=combined.column_names,
    )


def _field_count(text: str, dialect: Dialect) -> int:
    try:
        return len(next(csv.reader([text], **_csv_options(dialect))))
    except (csv.Error, StopIteration):
        return text.count(dialect.delimiter) + 1


def _field_of_offset(raw: bytes, offset: int, dialect: Dialect, columns: list[str]) -> str:
    index = raw[:offset].count(dialect.delimiter.encode())
    if index < len(columns):
        return f" (field {columns[index]!r})"
    return ""
