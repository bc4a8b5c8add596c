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
import functools
import io
import re
import threading
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
_NONBLANK = re.compile(rb"\S")


@dataclass
class _Chunk:
    buffer: bytearray  # the chunk is buffer[:size]; kept as is to avoid copies
    size: int
    first_line: int  # 1-based physical line of the first chunk's first byte (others: 0)

    @property
    def view(self) -> memoryview:
        return memoryview(self.buffer)[: self.size]

    def to_bytes(self) -> bytes:
        return bytes(self.view)


@dataclass
class _Problem:
    line: int | None
    index: int | None  # 0-based record index inside the chunk
    raw: bytes
    reason: str
    code: str


@dataclass
class _Result:
    """A parsed chunk; line numbers are relative to the chunk's first line (0-based)."""

    batch: pa.RecordBatch | pa.Table | None  # a table only for one-record-per-line chunks
    records: int  # data records in the chunk, good and bad (blank lines excluded)
    lines: int  # line terminators in the chunk
    problems: list[_Problem]
    first_good: int  # index of the first good record
    first_line: int  # relative line of the first good record
    line_numbers: Callable[[int], np.ndarray | None]
    holds_chunk: bool = False  # line_numbers reads the chunk's buffer later


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
        first_chunk_bytes: int | None = None,
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
        self.first_chunk_bytes = first_chunk_bytes or chunk_bytes
        self.threads = max(1, threads)
        self.member = member
        self.records_read = 0
        self.records_quarantined = 0
        self._spanning = False
        self._spare: list[bytearray] = []  # buffers of parsed chunks, to read into again
        self._terminator = b"\r" if dialect.line_terminator == "CR" else b"\n"
        self._quote = dialect.quotechar.encode() if dialect.quotechar else None
        self._escaped_quote = (
            (dialect.escapechar + dialect.quotechar).encode()
            if dialect.escapechar and dialect.quotechar
            else None
        )
        names = list(columns) + ([_TRAILING] if dialect.trailing_delimiter else [])
        # Arrow parses the blocks of a chunk on its own thread pool; the chunk order and
        # line bookkeeping stay here.  Numbers of invalid rows are only known to a serial
        # parse, which dirty chunks get (see _parse_chunk).
        # With one thread a chunk is parsed as one block: one large batch per chunk, which
        # consumers that parallelise over batches themselves (inference) profile cheaply.
        self._read_options = pacsv.ReadOptions(
            column_names=names,
            use_threads=threads > 1,
            block_size=1 << 22 if threads > 1 else chunk_bytes + (1 << 20),
        )
        self._serial_options = pacsv.ReadOptions(
            column_names=names, use_threads=False, block_size=chunk_bytes + (1 << 20)
        )
        # Every column as text.  ASCII is valid UTF-8: a chunk without a byte over 0x7F
        # (one vectorised look) spares Arrow's validation of every value, ~15 % of its
        # parse (see _read).
        self._convert_options, self._ascii_options = (
            pacsv.ConvertOptions(
                column_types={name: pa.string() for name in names},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
                include_columns=list(columns),
                check_utf8=check_utf8,
            )
            for check_utf8 in (True, False)
        )
        self._comment = (
            re.compile(rb"(?m)^[ \t]*" + re.escape(dialect.comment.encode()) + rb"[^\r\n]*")
            if dialect.comment
            else None
        )

    # ------------------------------------------------------------------ public
    def __iter__(self) -> Iterator[SourceBatch]:
        pending: deque[tuple[_Chunk, Future[_Result]]] = deque()
        record = 1
        line = 1
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="assay-csv") as pool:
            chunks = self._chunks()
            while True:
                while len(pending) < 2:
                    chunk = next(chunks, None)
                    if chunk is None:
                        break
                    if chunk.first_line:
                        line = chunk.first_line
                    pending.append((chunk, pool.submit(self._parse_chunk, chunk)))
                if not pending:
                    break
                done, future = pending.popleft()
                result = future.result()
                if not result.holds_chunk and len(self._spare) < 2:
                    # Arrow copied the values out: the buffer can take another chunk.
                    self._spare.append(done.buffer)
                for problem in result.problems:
                    self._reject(problem, record, line)
                self.records_read += result.records - len(result.problems)
                if isinstance(result.batch, pa.Table):
                    # One record per line: each of Arrow's batches gets its exact origin
                    # without copying them into one.
                    offset = 0
                    for part in result.batch.to_batches():
                        yield SourceBatch(
                            part,
                            Origin(
                                uri=self.uri,
                                first_record=record + offset,
                                first_line=line + offset,
                                member=self.member,
                            ),
                            functools.partial(_line_range, part.num_rows, line + offset),
                        )
                        offset += part.num_rows
                elif result.batch is not None:
                    yield SourceBatch(
                        result.batch,
                        Origin(
                            uri=self.uri,
                            first_record=record + result.first_good,
                            first_line=line + result.first_line,
                            member=self.member,
                        ),
                        functools.partial(result.line_numbers, line),
                    )
                record += result.records
                line += result.lines

    # ------------------------------------------------------------------ chunking
    def _chunks(self) -> Iterator[_Chunk]:
        """Cut the stream at record boundaries; only the first chunk knows its line.

        Each chunk is read straight into a buffer (no intermediate copies), one of a
        parsed chunk when there is one: a new buffer costs a page fault per 4 kB, about
        as much as parsing it.  Only the partial record at the end of a chunk is copied
        to the front of the next one.
        """
        tail = b""
        line = 1
        first = True  # no chunk yielded yet: the next one carries the line number
        started = False  # preamble and header skipped
        eof = False
        while not eof:
            # What is read decides the chunks: keep it.  The first chunk may be smaller,
            # so that a consumer waiting for its first batch waits less.
            size = (self.chunk_bytes if started else self.first_chunk_bytes) + len(tail)
            buffer = self._buffer(size)
            buffer[: len(tail)] = tail
            filled = len(tail)
            view = memoryview(buffer)
            while filled < size:
                n = self.stream.readinto(view[filled:size])  # type: ignore[attr-defined]
                if not n:
                    eof = True
                    break
                filled += n
            view.release()
            start = 0
            if not started:
                start, line = self._skip_preamble(buffer, filled, eof)
                started = True
            if eof:
                cut = filled
            else:
                cut = self._last_boundary(buffer, start, filled)
                if cut <= start:
                    # One record longer than a chunk: grow and read more.
                    tail = bytes(buffer[start:filled])
                    self.chunk_bytes *= 2
                    continue
            if start:
                del buffer[:start]
                cut -= start
                filled -= start
            tail = bytes(buffer[cut:filled])
            if cut:
                yield _Chunk(buffer, cut, line if first else 0)
                first = False

    def _buffer(self, size: int) -> bytearray:
        """A buffer of at least ``size`` bytes: a spare one, or a new one with room for
        the tails of later chunks."""
        while self._spare:
            buffer = self._spare.pop()
            if len(buffer) >= size:
                return buffer
        return bytearray(size + (1 << 20))

    def _skip_preamble(self, buffer: bytearray, filled: int, eof: bool) -> tuple[int, int]:
        """Offset just past the preamble lines and the header record, and its line."""
        pos = 0
        line = 1
        for _ in range(self.dialect.skip_rows):
            nxt = buffer.find(self._terminator, pos, filled)
            if nxt < 0:
                return filled, line
            pos = nxt + 1
            line += 1
        if self.dialect.header:
            end = self._first_boundary(buffer, pos, filled)
            if end < 0:
                if not eof:
                    raise InputError(
                        "the header record is longer than the read buffer",
                        path=self.uri,
                        line=line,
                        code="header_too_long",
                    )
                end = filled
            line += _count_byte(buffer, self._terminator, pos, end)
            pos = end
        return pos, line

    def _first_boundary(self, buffer: bytes | bytearray, start: int, end: int | None = None) -> int:
        """Offset just after the first record terminator at or after ``start``."""
        t = self._terminator
        end = len(buffer) if end is None else end
        pos = buffer.find(t, start, end)
        while pos >= 0:
            if self._quote is None or self._quote_count(buffer, start, pos) % 2 == 0:
                return pos + 1
            pos = buffer.find(t, pos + 1, end)
        return -1

    def _last_boundary(
        self, buffer: bytes | bytearray, start: int = 0, end: int | None = None
    ) -> int:
        """Offset just after the last record terminator in ``buffer[start:end]`` (or ``start``)."""
        t = self._terminator
        end = len(buffer) if end is None else end
        pos = buffer.rfind(t, start, end)
        if pos < 0:
            return start
        if self._quote is None:
            return pos + 1
        quotes = self._quote_count(buffer, start, pos)
        while pos >= 0:
            if quotes % 2 == 0:
                return pos + 1
            prev = buffer.rfind(t, start, pos)
            if prev < 0:
                return start
            quotes -= self._quote_count(buffer, prev, pos)
            pos = prev
        return start

    def _quote_count(self, buffer: bytes | bytearray, start: int, end: int) -> int:
        assert self._quote is not None
        count = _count_byte(buffer, self._quote, start, end)
        if self._escaped_quote:
            count -= buffer.count(self._escaped_quote, start, end)
        return count

    # ------------------------------------------------------------------ parsing
    def _parse_chunk(self, chunk: _Chunk) -> _Result:
        data: bytes | memoryview = chunk.view
        if self._comment is not None:
            data = self._comment.sub(b"", data)
        invalid: list[tuple[int, str]] = []

        def on_invalid(row: pacsv.InvalidRow) -> str:
            invalid.append((row.number or 0, row.text))
            return "skip"

        parse_options = self._parse_options(on_invalid, self._spanning)
        bad_lines: dict[int, tuple[bytes, str]] = {}
        try:
            try:
                table = self._read(data, parse_options)
            except pa.ArrowInvalid as exc:
                if "out of sync" not in str(exc):
                    raise
                # Arrow cut a block inside a quoted value that spans lines: parse this and
                # every later chunk the slower way that allows it.
                self._spanning = True
                invalid.clear()
                parse_options = self._parse_options(on_invalid, True)
                table = self._read(data, parse_options)
            if invalid and any(number == 0 for number, _ in invalid):
                invalid.clear()
                table = self._read(data, parse_options, serial=True)
        except pa.ArrowInvalid as exc:
            if "UTF8" not in str(exc):
                raise InputError(f"cannot parse: {exc}", path=self.uri) from exc
            # Arrow validates UTF-8 as it converts; only a chunk that fails pays for
            # finding and blanking the records that hold the bad bytes.
            invalid.clear()
            data = bytes(data)
            cleaned, bad_lines = self._blank_undecodable(data)
            try:
                table = self._read(cleaned, parse_options, serial=True)
            except pa.ArrowInvalid as again:
                raise InputError(f"cannot parse: {again}", path=self.uri) from again
        rows = table.num_rows
        buffer = data if isinstance(data, bytes) else chunk.buffer
        size = len(data)
        lines = _count_byte(buffer, self._terminator, 0, size)
        ends_with_terminator = buffer[size - 1 : size] == self._terminator

        if (
            not bad_lines
            and not invalid
            and (lines == rows or (lines == rows - 1 and not ends_with_terminator))
        ):
            # One record per line: line numbers are a range.
            regular = table.select(self.columns) if rows else None
            return _Result(regular, rows, lines, [], 0, 0, functools.partial(_line_range, rows))

        batch = _as_batch(table, self.columns)
        out = batch if rows else None
        if not bad_lines and not invalid:
            # Clean but irregular (records spanning lines, blank lines): lines on demand.
            def lazy(base: int) -> np.ndarray | None:
                found = self._record_starts(bytes(data))
                return np.asarray(found, dtype=np.int64) + base if len(found) == rows else None

            return _Result(out, rows, lines, [], 0, 0, lazy, holds_chunk=True)

        # A dirty chunk: map every record to its line the exact (slow) way.
        starts = self._record_starts(bytes(data))
        index_of = {line: i for i, line in enumerate(starts)}
        good_starts = [line for line in starts if line not in bad_lines]
        problems = [
            _Problem(line, index_of.get(line), raw, reason, "undecodable_bytes")
            for line, (raw, reason) in bad_lines.items()
        ]
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
        problems.sort(key=lambda p: p.line if p.line is not None else -1)
        bad = {p.line for p in problems}
        kept = np.asarray([line for line in starts if line not in bad], dtype=np.int64)
        first_good = next((i for i, line in enumerate(starts) if line not in bad), 0)

        def known(base: int) -> np.ndarray | None:
            return kept + base if len(kept) == rows else None

        return _Result(
            out,
            max(len(starts), rows + len(problems)),
            lines,
            problems,
            first_good,
            int(kept[0]) if len(kept) else 0,
            known,
        )

    def _parse_options(self, on_invalid: Callable[..., str], spanning: bool) -> pacsv.ParseOptions:
        # Values spanning lines make Arrow's block splitting slower; it is enabled only
        # once a chunk turns out to need it (Arrow detects and reports the case).
        return pacsv.ParseOptions(
            delimiter=self.dialect.delimiter,
            quote_char=self.dialect.quotechar or False,
            double_quote=self.dialect.doublequote,
            escape_char=self.dialect.escapechar or False,
            newlines_in_values=spanning and self.dialect.quotechar is not None,
            ignore_empty_lines=True,
            invalid_row_handler=on_invalid,
        )

    def _read(
        self, data: bytes | memoryview, parse_options: pacsv.ParseOptions, serial: bool = False
    ) -> pa.Table:
        ascii_only = len(data) == 0 or int(np.frombuffer(data, dtype=np.uint8).max()) < 0x80
        return pacsv.read_csv(
            pa.BufferReader(data),
            read_options=self._serial_options if serial else self._read_options,
            parse_options=parse_options,
            convert_options=self._ascii_options if ascii_only else self._convert_options,
        )

    def _record_starts(self, data: bytes) -> list[int]:
        """0-based start line of each non-blank record of a chunk (the slow, exact way)."""
        text = data.decode("utf-8", errors="surrogateescape")
        reader = csv.reader(io.StringIO(text, newline=""), **_csv_options(self.dialect))
        starts: list[int] = []
        consumed = 0
        for row in reader:
            if row:
                starts.append(consumed)
            consumed = reader.line_num
        return starts

    def _blank_undecodable(self, data: bytes) -> tuple[bytes, dict[int, tuple[bytes, str]]]:
        """Replace records holding invalid UTF-8 by blank lines; return them by 0-based line."""
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
            start = self._last_boundary(data, pos, error_at)
            end = self._first_boundary(data, start)
            end = len(data) if end < 0 else end
            record = data[start:end]
            raw = record.rstrip(b"\r\n")
            offset = error_at - start
            line = data.count(self._terminator, 0, start)
            where = _field_of_offset(raw, offset, self.dialect, self.columns)
            reason = (
                f"bytes not valid in the file's encoding{where}: "
                f"{raw[offset : offset + 4]!r} at byte {offset + 1} of the record"
            )
            bad[line] = (raw, reason)
            out += data[pos:start]
            out += self._terminator * max(record.count(self._terminator), 1)
            pos = end
        return bytes(out), bad

    def _reject(self, problem: _Problem, first_record: int, first_line: int) -> None:
        record = first_record + problem.index if problem.index is not None else None
        line = first_line + problem.line if problem.line is not None else None
        if self.on_error is OnError.FAIL:
            raise InputError(problem.reason, path=self.uri, line=line, code=problem.code)
        self.records_quarantined += 1
        if self.on_error is OnError.QUARANTINE and self.quarantine is not None:
            self.quarantine(
                QuarantinedRecord(
                    uri=self.uri,
                    line=line,
                    record=record,
                    reason=problem.reason,
                    code=problem.code,
                    raw=problem.raw,
                    member=self.member,
                )
            )


_COUNT_STEP = 1 << 20
_scratch = threading.local()


def _count_byte(buffer: bytes | bytearray, byte: bytes, start: int, end: int) -> int:
    """``buffer.count(byte, start, end)`` for one byte, without holding the GIL.

    ``bytes.count`` holds the GIL for the whole scan (~5 ms a 16 MB chunk), stalling
    the threads that profile the batches; numpy compares a megabyte at a time with the
    GIL released, into a scratch buffer kept per thread (no new pages each time).
    """
    if end - start < _COUNT_STEP or len(byte) != 1:
        return buffer.count(byte, start, end)
    scratch = getattr(_scratch, "mask", None)
    if scratch is None:
        scratch = _scratch.mask = np.empty(_COUNT_STEP, dtype=bool)
    raw = np.frombuffer(buffer, dtype=np.uint8)
    code = byte[0]
    total = 0
    for at in range(start, end, _COUNT_STEP):
        part = raw[at : min(end, at + _COUNT_STEP)]
        out = scratch[: len(part)]
        np.equal(part, code, out=out)
        total += int(np.count_nonzero(out))
    return total


def _line_range(rows: int, base: int) -> np.ndarray:
    return np.arange(base, base + rows, dtype=np.int64)


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
