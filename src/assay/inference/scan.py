"""Profile a stream of batches as one table, on a few threads, with a fixed result.

The head of the input (its first ``HEAD_ROWS`` rows) decides which candidates and
formats are worth testing; then batch ``i`` goes to partial profile ``i mod N`` and the
partials are merged.  What each partial sees, and in which order, depends only on N
(``InferOptions.threads``), never on timing, so the result is the same on a busy or an
idle machine.

The work itself is spread over the threads column by column: adding one column of one
batch is a task, and a partial's column waits only for that same column of the
partial's previous batch.  Column tasks keep both cores busy where whole batches would
not: while the head is planned (about twenty columns at once instead of one batch on
one core), and at the end of a file, where the last batch would otherwise run alone.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from functools import partial
from typing import TYPE_CHECKING

import pyarrow as pa

from assay.inference.table_profile import BatchWork, ProfileOptions, TableProfile, spread_sample

if TYPE_CHECKING:
    from assay.inference.engine import InferOptions
    from assay.sources import SourceBatch  # only the engine imports sources (layers)

COALESCE_ROWS = 65_536
HEAD_ROWS = 16_384


def profile_batches(
    source_batches: Iterable[SourceBatch],
    opts: InferOptions,
    *,
    json_strings: bool,
    estimated_rows: int | None = None,
    meanwhile: Callable[[], None] | None = None,
) -> TableProfile:
    """Profile batches from anywhere (a stream, a staging store) as one table.

    ``json_strings``: the values are JSON, so text that looks like a number stays text.
    ``meanwhile``: work for this thread (which mostly waits) once the workers have
    the first batches after the head, such as imports needed later -- not during the
    head, which holds the GIL most and which everything else waits for.
    """
    from assay.inference.formats_bridge import format_checker

    options = ProfileOptions(
        max_depth=opts.max_depth,
        formats=format_checker() if opts.formats else None,
        json_strings=json_strings,
    )
    if opts.null_tokens is not None:
        options.null_tokens = opts.null_tokens
    fraction = 1.0
    if opts.sample is not None and estimated_rows:
        fraction = min(1.0, opts.sample / estimated_rows)
    workers = max(1, opts.threads)
    head = TableProfile(defer_hashing=True)
    raw = iter(source_batches)
    first = next(raw, None)
    if first is None:
        return head
    if first.num_rows >= HEAD_ROWS and fraction == 1.0:
        # The head comes from the first batch as read (a reader may make it small, so
        # that planning starts early); the rest are joined into large batches.
        batches = iter(_coalesce(raw))
    else:
        batches = iter(_coalesce(_chained([first], raw)))
        first = next(batches)

    def prepare(batch: SourceBatch) -> pa.RecordBatch:
        if fraction < 1.0:
            return spread_sample(batch.data, fraction, batch.origin.first_record)
        return batch.data

    with ColumnPool(workers) as pool:
        if fraction < 1.0:
            pool.add(head, prepare(first), first.origin.first_record, options)
            rest: list[SourceBatch] = []
        else:
            # A head of a few thousand rows is enough to plan; the rest of the first
            # batch is profiled like any other.
            head_rows = min(HEAD_ROWS, first.num_rows)
            pool.add(head, first.data[:head_rows], first.origin.first_record, options)
            rest = []
            if first.num_rows > head_rows:
                origin = dataclasses.replace(
                    first.origin, first_record=first.origin.first_record + head_rows
                )
                rest = [type(first)(first.data.slice(head_rows), origin)]
        pool.wait()
        partials = [head.plan() for _ in range(workers)]
        settled = pool.side(head.settle)  # the head's owed hashes, alongside the rest
        for i, batch in enumerate(_chained(rest, batches)):
            pool.add(partials[i % workers], prepare(batch), batch.origin.first_record, options)
            if i == 1 and meanwhile is not None:
                meanwhile()  # the workers have two batches to go on with
        if meanwhile is not None:
            meanwhile()  # (cheap once done)
        pool.wait()
        settled.result()
        return merge_all([head, *partials], pool)


def _chained(first: list[SourceBatch], rest: Iterable[SourceBatch]) -> Iterable[SourceBatch]:
    yield from first
    yield from rest


class ColumnPool:
    """Adds batches to profiles one column per task, on ``threads`` threads.

    Tasks run in the order they were submitted (first in, first out), so a column
    task's predecessor (the same column of the same profile's previous batch) has
    always been started before it, and waiting for it cannot deadlock.  At most
    ``2 * threads`` batches are in flight, which bounds memory.
    """

    def __init__(self, threads: int) -> None:
        self._executor = ThreadPoolExecutor(threads, thread_name_prefix="assay-profile")
        self._slots = threading.Semaphore(2 * threads)
        self.threads = threads
        self._capacity = 2 * threads
        self._last: dict[tuple[int, int], Future[None]] = {}
        self._failures: list[BaseException] = []

    def __enter__(self) -> ColumnPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)

    def add(
        self, profile: TableProfile, batch: pa.RecordBatch, seed: int, options: ProfileOptions
    ) -> None:
        """Queue ``batch`` for ``profile`` (blocks while too many batches are in flight)."""
        self._raise_failure()
        self._slots.acquire()
        work = profile.start(batch, seed, options)
        hashed = self._executor.submit(self._guarded, work.hash) if work.sketched else None
        left = _Countdown(batch.num_columns, lambda: self._finish(profile, work))
        if not batch.num_columns:
            self._finish(profile, work)
        # Columns that need the hashes go last, so the other thread has work meanwhile.
        names = batch.schema.names
        for i in sorted(range(batch.num_columns), key=lambda i: names[i] in work.sketched):
            key = (id(profile), i)
            waits = [f for f in (self._last.get(key), hashed) if f is not None]
            self._last[key] = self._executor.submit(self._column, profile, work, i, waits, left)

    def side(self, fn: Callable[[], object]) -> Future[object]:
        """Run ``fn`` on a worker; the future's ``result()`` re-raises its failure."""
        return self._executor.submit(fn)

    def wait(self) -> None:
        """Block until every queued batch is finished; re-raise a task's failure."""
        for _ in range(self._capacity):
            self._slots.acquire()
        for _ in range(self._capacity):
            self._slots.release()
        self._raise_failure()

    def _column(
        self,
        profile: TableProfile,
        work: BatchWork,
        i: int,
        waits: list[Future[None]],
        left: _Countdown,
    ) -> None:
        try:
            for future in waits:
                future.result()
            if not self._failures:
                self._guarded(profile.add_column, work, i)
        finally:
            left.done()

    def _finish(self, profile: TableProfile, work: BatchWork) -> None:
        try:
            profile.finish(work)
        finally:
            self._slots.release()

    def _guarded(self, fn, *args) -> None:  # type: ignore[no-untyped-def]
        try:
            fn(*args)
        except BaseException as exc:  # re-raised on the calling thread
            self._failures.append(exc)

    def _raise_failure(self) -> None:
        if self._failures:
            raise self._failures[0]


class _Countdown:
    """Calls ``then`` once ``n`` tasks are done (from whichever thread ends last)."""

    def __init__(self, n: int, then) -> None:  # type: ignore[no-untyped-def]
        self._n = n
        self._then = then
        self._lock = threading.Lock()

    def done(self) -> None:
        with self._lock:
            self._n -= 1
            last = self._n == 0
        if last:
            self._then()


def _coalesce(batches: Iterable[SourceBatch]) -> Iterable[SourceBatch]:
    """Join small batches of one schema into ~128k-row ones: profiling cost per batch
    is mostly fixed overhead (dozens of Arrow calls per column), so fewer, larger
    batches are much cheaper.  Memory stays bounded by the coalesced size."""
    group: list[SourceBatch] = []
    rows = 0
    for batch in batches:
        if group and (batch.data.schema != group[0].data.schema or rows >= COALESCE_ROWS):
            yield _joined(group)
            group, rows = [], 0
        if not group and batch.num_rows >= COALESCE_ROWS:
            yield batch  # large enough already: no copy
            continue
        group.append(batch)
        rows += batch.num_rows
    if group:
        yield _joined(group)


def _joined(group: list[SourceBatch]) -> SourceBatch:
    if len(group) == 1:
        return group[0]
    table = pa.Table.from_batches([b.data for b in group]).combine_chunks()
    return type(group[0])(table.to_batches(max_chunksize=None)[0], group[0].origin)


def merge_profiles(a: TableProfile, b: TableProfile) -> TableProfile:
    return merge_all([a, b])


def merge_all(profiles: list[TableProfile], pool: ColumnPool | None = None) -> TableProfile:
    """One profile from several, in their order; with a ``pool``, the columns are merged
    on its workers (everything waits for the merge at the end of a file)."""
    out = TableProfile(rows=sum(p.rows for p in profiles))
    for profile in profiles:
        for path in profile.order:
            out.column(path)  # paths in first-seen order, made here, filled below

    def merge(paths: list[str]) -> None:
        for path in paths:
            column = out.columns[path]
            for profile in profiles:
                if path in profile.columns:
                    column.merge(profile.columns[path])

    if pool is None:
        merge(out.order)
    else:
        parts = [out.order[i :: pool.threads] for i in range(pool.threads)]
        for done in [pool.side(partial(merge, part)) for part in parts]:
            done.result()
    return out
