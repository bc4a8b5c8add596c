"""Stage source files into a store: one transaction per file, a batch ledger, resume.

For each file the inputs name (in the sources layer's stable order): decide with the
dedup strategy whether to stage it, then read its streams in bounded memory, encode
each batch (:mod:`assay.staging.encode`), bulk-load it, set aside the records that are
not data, and commit the file's records, quarantine rows, file row and the batch's
counters together.  A crash therefore leaves whole files or nothing; ``resume``
continues the unfinished batch after the last committed file.

Counts obey one ledger per file and per batch: ``read = staged + duplicates +
quarantined``.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from assay._version import __version__
from assay.errors import AssayError, InputError, UsageError
from assay.sources.locate import Resource, locate
from assay.sources.source import ReadOptions
from assay.staging.encode import RecordEncoder
from assay.staging.fingerprint import BackgroundChecksum, FileStat, checksum, stat
from assay.staging.options import Dedup, IngestOptions
from assay.staging.stage_file import FileStager
from assay.staging.store import Counts, StagingStore

log = logging.getLogger(__name__)


@dataclass
class Progress:
    """Where an ingest is, for a progress bar."""

    files_done: int
    files_total: int
    records: int
    bytes_done: int
    bytes_total: int
    current: str | None = None


@dataclass
class FileOutcome:
    uri: str
    status: str  # staged | replaced | skipped | failed
    counts: Counts = field(default_factory=Counts)
    version: int | None = None
    error: str | None = None
    exception: AssayError | None = field(default=None, repr=False)


@dataclass
class IngestReport:
    batch_id: int
    resumed: bool = False
    files: list[FileOutcome] = field(default_factory=list)
    counts: Counts = field(default_factory=Counts)
    errors: list[AssayError] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for f in self.files if f.status == status)


ProgressCallback = Callable[[Progress], None]


def ingest(
    store: StagingStore,
    inputs: list[str] | None,
    options: IngestOptions | None = None,
    progress: ProgressCallback | None = None,
) -> IngestReport:
    """Stage ``inputs`` (files, directories, globs, URIs) into ``store``."""
    options = options or IngestOptions()
    resumed = None
    if options.resume:
        resumed = store.last_unfinished_batch()
        if resumed is None:
            raise UsageError("there is no unfinished batch to resume")
        _check_not_running(resumed.config, resumed.batch_id)
        options = IngestOptions.from_config(resumed.config, resume=True)
        stored_inputs = list(resumed.config.get("inputs", []))
        if inputs and [_absolute(i) for i in inputs] != stored_inputs:
            raise UsageError(
                f"batch {resumed.batch_id} was started with other inputs: "
                + " ".join(stored_inputs),
                hint="run --resume without SOURCE, or start a new batch without --resume",
            )
        inputs = stored_inputs
    if not inputs:
        raise UsageError("nothing to stage: give files, directories, globs or URIs")
    read = ReadOptions.from_kwargs(**options.read)
    resources, errors = _locate(inputs, read)
    own = store.own_files()
    resources = [r for r in resources if r.uri not in own]  # the store itself, if inside
    if not resources:
        raise errors[0] if errors else UsageError("the inputs name no files")
    if options.dedup.content:
        store.prepare_dedup()
    notes: list[str] = []
    if resumed is not None:
        batch_id = resumed.batch_id
        store.reopen_batch(batch_id, len(resources))
        done = store.committed_uris(batch_id)
        log.info("resuming batch %d: %d file(s) already committed", batch_id, len(done))
    else:
        unfinished = store.last_unfinished_batch()
        if unfinished is not None:
            notes.append(
                f"batch {unfinished.batch_id} did not finish ({unfinished.status}, "
                f"{unfinished.files_staged} of {unfinished.files_total} file(s) committed); "
                "use --resume to continue it"
            )
        config = options.to_config([_absolute(i) for i in inputs])
        config.update(pid=os.getpid(), host=socket.gethostname(), assay=__version__)
        with store.transaction():
            batch_id = store.start_batch(config, len(resources))
        done = set()
    report = IngestReport(batch_id, resumed is not None, errors=list(errors), notes=notes)
    encoder = RecordEncoder()
    stager = FileStager(store, encoder, options, read, batch_id)
    tracker = _Tracker(resources, progress)
    try:
        for resource in resources:
            if resource.uri in done:
                tracker.file_done(resource, 0)
                continue
            outcome = _one_file(store, stager, resource, options, tracker)
            report.files.append(outcome)
            report.counts.add(outcome.counts)
            if outcome.exception is not None:
                report.errors.append(outcome.exception)
        status = "complete" if not report.errors else "complete_with_errors"
        store.finish_batch(batch_id, status, _summary(report))
    except KeyboardInterrupt:
        _finish_quietly(store, batch_id, "interrupted", "interrupted by the user")
        raise
    except BaseException as exc:
        _finish_quietly(store, batch_id, "failed", str(exc))
        raise
    finally:
        encoder.close()
    return report


def _one_file(
    store: StagingStore,
    stager: FileStager,
    resource: Resource,
    options: IngestOptions,
    tracker: _Tracker,
) -> FileOutcome:
    info = stat(resource)
    replace = None
    pending: BackgroundChecksum | None = None
    digest: str | None = None
    if options.dedup.path:
        current = store.current_file(resource.uri)
        if current is not None:
            if current.size_bytes == info.size:
                try:
                    digest = checksum(resource)
                except AssayError as exc:
                    return _failed(stager, resource, info, exc, tracker)
                if digest == current.checksum:
                    with store.transaction():
                        store.add_to_batch(stager.batch_id, Counts(), skipped=1)
                    log.info(
                        "%s: unchanged since batch %d, skipped", resource.uri, current.batch_id
                    )
                    tracker.file_done(resource, 0)
                    return FileOutcome(resource.uri, "skipped", version=current.version)
            replace = current
    if digest is None:
        pending = BackgroundChecksum(resource)
    try:
        staged = stager.stage(resource, info, replace, digest or pending, tracker.records)
    except AssayError as exc:
        return _failed(stager, resource, info, exc, tracker)
    status = "replaced" if replace is not None else "staged"
    c = staged.counts
    log.info(
        "%s: %s version %d: %d record(s) staged, %d duplicate(s), %d quarantined",
        resource.uri,
        status,
        staged.version,
        c.records_staged,
        c.duplicates,
        c.quarantined,
    )
    tracker.file_done(resource, c.records_read)
    return FileOutcome(resource.uri, status, staged.counts, staged.version)


def _failed(
    stager: FileStager, resource: Resource, info: FileStat, exc: AssayError, tracker: _Tracker
) -> FileOutcome:
    stager.record_failure(resource, info, exc)
    log.warning("%s: not staged: %s", resource.uri, exc)
    tracker.file_done(resource, 0)
    return FileOutcome(resource.uri, "failed", error=str(exc), exception=exc)


class _Tracker:
    def __init__(self, resources: list[Resource], callback: ProgressCallback | None) -> None:
        self.callback = callback
        self.total = len(resources)
        self.bytes_total = sum(r.size or 0 for r in resources)
        self.done = 0
        self.bytes_done = 0
        self.records_done = 0

    def records(self, uri: str, records: int, fraction: float, size: int | None) -> None:
        if self.callback is not None:
            partial = int((size or 0) * min(max(fraction, 0.0), 1.0))
            self.callback(
                Progress(
                    self.done,
                    self.total,
                    self.records_done + records,
                    self.bytes_done + partial,
                    self.bytes_total,
                    uri,
                )
            )

    def file_done(self, resource: Resource, records: int) -> None:
        self.done += 1
        self.bytes_done += resource.size or 0
        self.records_done += records
        if self.callback is not None:
            self.callback(
                Progress(
                    self.done,
                    self.total,
                    self.records_done,
                    self.bytes_done,
                    self.bytes_total,
                    None,
                )
            )


def _locate(inputs: list[str], read: ReadOptions) -> tuple[list[Resource], list[AssayError]]:
    found: list[Resource] = []
    errors: list[AssayError] = []
    seen: set[str] = set()
    for item in inputs:
        try:
            for resource in locate(
                item, pattern=read.pattern, storage_options=read.storage_options
            ):
                if resource.uri not in seen:
                    seen.add(resource.uri)
                    found.append(resource)
        except InputError as exc:
            errors.append(exc)
    return found, errors


def _absolute(item: str) -> str:
    from assay.redaction import redact_uri as redact

    if "://" in item:
        return redact(item)
    return os.path.abspath(os.path.expanduser(item))


def _check_not_running(config: dict[str, Any], batch_id: int) -> None:
    pid, host = config.get("pid"), config.get("host")
    if not isinstance(pid, int) or host != socket.gethostname() or pid == os.getpid():
        return
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return
    except PermissionError:
        pass
    raise UsageError(
        f"batch {batch_id} is still running (process {pid})",
        hint="wait for it to finish or stop it before resuming",
    )


def _summary(report: IngestReport) -> str | None:
    failed = report.count("failed")
    return f"{failed} file(s) failed" if failed else None


def _finish_quietly(store: StagingStore, batch_id: int, status: str, error: str) -> None:
    try:
        store.finish_batch(batch_id, status, error[:2000])
    except Exception:  # the store itself may be what failed
        log.debug("could not mark batch %d %s", batch_id, status, exc_info=True)


__all__ = ["Dedup", "FileOutcome", "IngestOptions", "IngestReport", "Progress", "ingest"]
