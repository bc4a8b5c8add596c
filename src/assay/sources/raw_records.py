"""JSON and JSON Lines records as written, unparsed: what lossless staging needs.

Parsing every record into Arrow columns costs most of a JSON read and loses what a
raw store must keep (key order, a key that is absent versus null, the exact number
text).  Here each record's text is cut out of the decoded byte stream with vectorized
newline search (no Python loop per line), trimmed of the whitespace around it, and
handed over as one string column, :data:`RAW_COLUMN`, with record and line numbers.

Validation is the consumer's: a record may not be valid JSON, or not an object, and
:func:`check_record` says so with the same code and reason as the parsing reader.
Only a text with bytes that are not valid UTF-8 is set aside here (it cannot be a
string), as the parsing reader would (``invalid_json`` with orjson's message); its row
stays in the batch as a null, so record and line numbers stay exact.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import BinaryIO

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from assay.errors import InputError
from assay.sources.json_reader import check_record
from assay.sources.model import OnError, Origin, QuarantinedRecord, QuarantineSink, SourceBatch

RAW_COLUMN = "record"
_WHITESPACE = " \t\r\n\x0b\x0c"  # what bytes.strip() removes, as the parsing reader does


class RawRecordReader:
    """Turn newline-separated record texts into single-column batches."""

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
        self.records_seen = 0  # records (non-blank texts) so far, set-aside ones included

    def batch(self, body: bytes, first_record: int, lines: np.ndarray | None) -> SourceBatch | None:
        """``body``: record texts separated by ``\\n`` (blank ones dropped); ``lines``: the
        physical line of every text in ``body``, or None when unknown."""
        texts = _split(body)
        valid = True
        try:
            texts.validate(full=True)
        except pa.ArrowInvalid:
            valid = False
        if valid:
            texts = pc.utf8_trim(texts, characters=_WHITESPACE)
            keep = pc.not_equal(texts, "")
        else:
            texts, keep = self._decodable(texts, first_record, lines)
        if not pc.all(keep).as_py():
            texts = texts.filter(keep)
            if lines is not None:
                lines = lines[np.asarray(keep.fill_null(False))]
        if len(texts) == 0:
            return None
        self.records_seen += len(texts)
        self.records_read += len(texts) - texts.null_count
        origin = Origin(
            uri=self.uri,
            first_record=first_record,
            first_line=int(lines[0]) if lines is not None and len(lines) else None,
            member=self.member,
        )
        kept = lines
        return SourceBatch(
            pa.record_batch([texts], names=[RAW_COLUMN]),
            origin,
            (lambda: kept) if kept is not None else None,
        )

    def _decodable(
        self, texts: pa.Array, first_record: int, lines: np.ndarray | None
    ) -> tuple[pa.Array, pa.Array]:
        """The slow path for a chunk with bytes that are not UTF-8: per text, in Python.
        A text that cannot be decoded is quarantined and left as a null row."""
        raw = texts.view(pa.large_binary() if pa.types.is_large_string(texts.type) else pa.binary())
        out: list[str | None] = []
        keep: list[bool] = []
        record = first_record
        for i, value in enumerate(raw.to_pylist()):
            text = value.strip()
            if not text:
                out.append("")
                keep.append(False)
                continue
            try:
                out.append(text.decode("utf-8"))
                keep.append(True)
            except UnicodeDecodeError:
                problem = check_record(text) or ("invalid_json", "bytes not valid UTF-8")
                self._reject(None if lines is None else int(lines[i]), record, text, *problem)
                out.append(None)
                keep.append(True)
            record += 1
        return pa.array(out, pa.string()), pa.array(keep)

    def _reject(self, line: int | None, record: int, raw: bytes, code: str, reason: str) -> None:
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


def _split(body: bytes) -> pa.Array:
    """The ``\\n``-separated parts of ``body`` as a string array over the same memory."""
    view = np.frombuffer(body, dtype=np.uint8)
    ends = np.flatnonzero(view == 10) + 1
    if not len(ends) or ends[-1] != len(body):
        ends = np.append(ends, len(body))
    large = len(body) >= 2**31 - 1
    offsets = np.empty(len(ends) + 1, dtype=np.int64 if large else np.int32)
    offsets[0] = 0
    offsets[1:] = ends
    kind = pa.large_string() if large else pa.string()
    return pa.Array.from_buffers(kind, len(ends), [None, pa.py_buffer(offsets), pa.py_buffer(body)])


def jsonl_raw_batches(
    stream: BinaryIO, reader: RawRecordReader, chunk_bytes: int
) -> Iterator[SourceBatch]:
    """A JSON Lines stream as raw record batches of about ``chunk_bytes`` each."""
    buffer = b""
    line = 1
    record = 1
    while True:
        data = stream.read(chunk_bytes)
        eof = not data
        buffer += data
        cut = len(buffer) if eof else buffer.rfind(b"\n") + 1
        if cut > 0:
            body, buffer = buffer[:cut], buffer[cut:]
            count = body.count(b"\n") + (0 if body.endswith(b"\n") else 1)
            numbers = np.arange(line, line + count, dtype=np.int64)
            before = reader.records_seen
            batch = reader.batch(body, record, numbers)
            record += reader.records_seen - before
            line += count
            if batch is not None:
                yield batch
        if eof:
            return


def document_raw_batches(
    chunks: Iterator[object], reader: RawRecordReader
) -> Iterator[SourceBatch]:
    """Records of a JSON document (re-serialized compactly, one per line) as raw batches."""
    for chunk in chunks:
        lines = getattr(chunk, "lines", None)
        numbers = np.asarray(lines, dtype=np.int64) if lines is not None else None
        batch = reader.batch(chunk.data, chunk.first_record, numbers)  # type: ignore[attr-defined]
        if batch is not None:
            yield batch
