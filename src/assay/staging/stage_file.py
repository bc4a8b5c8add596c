"""Stage one source file in one transaction: records, quarantine, file row, batch counts.

Every stream of the file (a CSV, a JSON document, each member of a zip archive, each
sheet of a workbook) is read batch by batch; JSON records are taken as written
(:meth:`assay.sources.Stream.raw_batches`), other formats as Arrow rows.  Reading and
encoding run on a thread a couple of chunks ahead of the loading
(:func:`assay.staging.background.in_background`).  Nothing is
committed until the whole file has been read, so a file is staged completely or not at
all: a reading error rolls it back and the file is recorded as failed instead.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from assay.errors import AssayError, InputError
from assay.sources.locate import Resource
from assay.sources.model import OnError, QuarantinedRecord
from assay.sources.source import ReadOptions, open_resource
from assay.staging.background import in_background
from assay.staging.encode import Encoded, RecordEncoder
from assay.staging.fingerprint import BackgroundChecksum, FileStat
from assay.staging.options import IngestOptions
from assay.staging.store import Counts, FileInfo, StagingStore

log = logging.getLogger(__name__)
RecordsCallback = Callable[[str, int, float, "int | None"], None]


@dataclass
class _StreamStart:
    partition: str
    detection: dict[str, Any]
    format: str
    estimate: int | None
    member: str | None
    quarantined: list[QuarantinedRecord] = field(default_factory=list)


@dataclass
class _Chunk:
    encoded: Encoded
    slices: list[tuple[Any, int]]  # prepared for the store, with their record counts
    quarantined: list[QuarantinedRecord]


@dataclass
class _StreamEnd:
    quarantined: list[QuarantinedRecord]
    records_read: int
    records_quarantined: int


@dataclass
class Staged:
    file_id: int
    version: int
    counts: Counts


class FileStager:
    def __init__(
        self,
        store: StagingStore,
        encoder: RecordEncoder,
        options: IngestOptions,
        read: ReadOptions,
        batch_id: int,
    ) -> None:
        self.store = store
        self.encoder = encoder
        self.options = options
        self.read = read
        self.batch_id = batch_id

    def stage(
        self,
        resource: Resource,
        info: FileStat,
        replace: FileInfo | None,
        digest: str | BackgroundChecksum,
        on_records: RecordsCallback,
    ) -> Staged:
        store = self.store
        counts = Counts()
        partitions: dict[str, Counts] = {}
        detections: list[dict[str, Any]] = []
        formats: list[str] = []
        pending: list[QuarantinedRecord] = []
        with store.transaction():
            file_id, version = store.begin_file(
                self.batch_id, resource.uri, size=info.size, modified=info.modified
            )
            if replace is not None:
                store.supersede(replace.file_id, self.batch_id)
            log.info("%s: staging as version %d (file %d)", resource.uri, version, file_id)
            part = Counts()
            partition = ""
            member: str | None = None
            estimate: int | None = None
            done = 0
            for event in in_background(self._read(resource, file_id)):
                if isinstance(event, _StreamStart):
                    partition, member, estimate = event.partition, event.member, event.estimate
                    part = partitions.setdefault(partition, Counts())
                    detections.append(event.detection)
                    formats.append(event.format)
                    done = counts.records_staged + counts.duplicates
                    continue
                pending.extend(event.quarantined)
                if isinstance(event, _Chunk):
                    self._load(event, file_id, partition, part)
                    self._set_aside(event.encoded, pending, resource.uri, member)
                    part.quarantined += len(event.encoded.rejected)
                    self._flush(pending, file_id, partition)
                    seen = done + part.records_staged + part.duplicates
                    on_records(resource.uri, seen, seen / estimate if estimate else 0.0, info.size)
                    continue
                self._flush(pending, file_id, partition)
                part.records_read += event.records_read + event.records_quarantined
                part.quarantined += event.records_quarantined
                counts = _total(partitions)
            checksum = digest if isinstance(digest, str) else digest.result()
            store.end_file(
                file_id,
                counts,
                status="staged",
                checksum=checksum,
                fmt=_one(formats),
                partitions=partitions,
                detection=detections,
            )
            store.add_to_batch(self.batch_id, counts, staged=1, size=info.size or 0)
        return Staged(file_id, version, counts)

    def _read(
        self, resource: Resource, file_id: int
    ) -> Iterator[_StreamStart | _Chunk | _StreamEnd]:
        """The file's streams, read, encoded and prepared for loading (on the background
        thread), in slices of at most ``batch_size`` records."""
        sink: list[QuarantinedRecord] = []

        def taken() -> list[QuarantinedRecord]:
            out = sink[:]
            sink.clear()
            return out

        for stream in open_resource(resource, self.read, sink.append, None):
            detection = stream.detection
            partition = self.options.partition_of(resource.uri, stream.name)
            yield _StreamStart(
                partition,
                detection.to_dict(),
                str(detection.format),
                detection.estimated_rows,
                detection.member,
            )
            batches = stream.raw_batches() if stream.has_raw_records else stream.batches()
            step = self.options.batch_size
            for batch in batches:
                encoded = self.encoder.encode(batch)
                table = encoded.table
                slices = [
                    (
                        self.store.prepare_records(
                            table.slice(start, step),
                            batch_id=self.batch_id,
                            file_id=file_id,
                            partition=partition,
                            dedup=self.options.dedup.content,
                        ),
                        min(step, table.num_rows - start),
                    )
                    for start in range(0, table.num_rows, step)
                ]
                yield _Chunk(encoded, slices, taken())
            yield _StreamEnd(taken(), stream.records_read, stream.records_quarantined)

    def _load(self, chunk: _Chunk, file_id: int, partition: str, counts: Counts) -> None:
        for prepared, rows in chunk.slices:
            staged, refused = self.store.load_records(
                prepared,
                batch_id=self.batch_id,
                file_id=file_id,
                partition=partition,
                dedup=self.options.dedup.content,
            )
            chunk.encoded.rejected.extend(refused)
            counts.records_staged += staged
            counts.duplicates += rows - len(refused) - staged
            log.debug("file %d: loaded %d record(s) into %s", file_id, staged, partition)

    def _set_aside(
        self,
        encoded: Encoded,
        pending: list[QuarantinedRecord],
        uri: str,
        member: str | None,
    ) -> None:
        """Records the encoder rejected, handled as the reader handles its own (the
        reader counted them as read; they are set aside, not staged)."""
        if not encoded.rejected:
            return
        mode = self.read.on_error
        for r in encoded.rejected:
            if mode is OnError.FAIL:
                raise InputError(r.reason, path=uri, line=r.line_no, code=r.code)
            if mode is OnError.QUARANTINE:
                pending.append(
                    QuarantinedRecord(
                        uri=uri,
                        line=r.line_no,
                        record=r.record_no,
                        reason=r.reason,
                        code=r.code,
                        raw=r.text.encode("utf-8"),
                        member=member,
                    )
                )

    def _flush(self, pending: list[QuarantinedRecord], file_id: int, partition: str) -> None:
        if pending:
            self.store.quarantine(
                pending, batch_id=self.batch_id, file_id=file_id, partition=partition
            )
            pending.clear()

    def record_failure(self, resource: Resource, info: FileStat, exc: AssayError) -> None:
        """Record a file that could not be staged (after its transaction rolled back)."""
        with self.store.transaction():
            file_id, _ = self.store.begin_file(
                self.batch_id, resource.uri, size=info.size, modified=info.modified
            )
            self.store.end_file(
                file_id,
                Counts(),
                status="failed",
                checksum=None,
                fmt=None,
                partitions={},
                detection=[],
                error=str(exc)[:2000],
            )
            self.store.add_to_batch(self.batch_id, Counts(), failed=1)


def _total(partitions: dict[str, Counts]) -> Counts:
    total = Counts()
    for counts in partitions.values():
        total.add(counts)
    return total


def _one(formats: list[str]) -> str | None:
    unique = sorted(set(formats))
    if not unique:
        return None
    return unique[0] if len(unique) == 1 else "mixed"
