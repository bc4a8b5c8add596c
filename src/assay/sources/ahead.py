"""Start reading a source on a thread, so the first batch is parsed while the caller
still imports what will consume it.

``assay infer`` spends its first few hundred milliseconds importing (pyarrow.compute,
DuckDB, the inference modules), all of it holding the GIL, while the machine's other
core waits; Arrow parses a CSV chunk without the GIL.  :func:`read_ahead` detects the
first stream and pulls its first batch on a thread, and :class:`ReadAhead` hands both
back as if nothing had happened: the same streams, the same batches, in the same order,
and an error raised where the caller would have met it.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

from assay.sources.model import SourceBatch
from assay.sources.source import ReadOptions, Source, Stream

# The first chunk of a CSV file: about 16k rows of 250 bytes, what inference plans from
# (its head); parsed in a quarter of the time of a full chunk, so planning starts sooner.
FIRST_CHUNK_BYTES = 4 << 20


def source_for(paths: str | list[str], read: dict[str, Any] | None = None) -> Source:
    """The source inference reads: one reader thread per file (the profiling workers
    use the cores; a chunk parsed as one block makes batches large enough to profile)."""
    return Source(
        paths if isinstance(paths, list) else [paths],
        ReadOptions.from_kwargs(
            **{"threads": 1, "first_chunk_bytes": FIRST_CHUNK_BYTES, **(read or {})}
        ),
    )


class ReadAhead:
    """A :func:`source_for` source whose first stream is already being read."""

    def __init__(self, paths: str | list[str], read: dict[str, Any] | None = None) -> None:
        self._done = threading.Event()
        self._outcome: tuple[Any, ...] = ()
        self._thread = threading.Thread(
            target=self._start, args=(paths, read), name="assay-read-ahead", daemon=True
        )
        self._thread.start()

    def _start(self, paths: str | list[str], read: dict[str, Any] | None) -> None:
        try:
            source = source_for(paths, read)
        except BaseException as exc:  # re-raised where the caller builds the source
            self._outcome = (exc,)
            self._done.set()
            return
        streams = source.streams()
        stream = first = batches = failure = None
        try:
            stream = next(streams, None)
            if stream is not None:
                batches = stream.batches()
                first = next(batches, None)
        except BaseException as exc:  # re-raised where the caller reads the batches
            failure = exc
        self._outcome = (None, source, streams, stream, first, batches, failure)
        self._done.set()

    @property
    def source(self) -> Source:
        """The source, once its first batch is read (what its constructor raised, if so)."""
        self._done.wait()
        if self._outcome[0] is not None:
            raise self._outcome[0]
        return self._outcome[1]

    def streams(self) -> Iterator[Stream]:
        """:meth:`Source.streams`, the first of them with its first batch read already.

        A failure while detecting the first stream is raised here, a failure reading its
        first batch by the stream's ``batches()`` iterator, as without read-ahead."""
        _ = self.source  # raises what building the source raised
        _, _, streams, stream, first, batches, failure = self._outcome
        if stream is None:
            if failure is not None:
                raise failure
            yield from streams
            return
        stream._open = lambda _s: _replay(first, batches, failure)  # type: ignore[misc]
        yield stream
        yield from streams


def _replay(
    first: SourceBatch | None,
    rest: Iterator[SourceBatch] | None,
    failure: BaseException | None,
) -> Iterator[SourceBatch]:
    if failure is not None:
        raise failure
    if first is not None:
        yield first
        assert rest is not None
        yield from rest
