"""Run an iterator on a worker thread, a few items ahead of its consumer.

Staging a file is two kinds of work: reading and encoding the next chunk (file I/O,
Arrow and an in-memory DuckDB, all releasing the GIL) and loading the current one
(DuckDB's insert, or PostgreSQL parsing a COPY on the server).  Running the first on a
thread overlaps them.  The worker's exceptions are re-raised in the consumer; closing
the consumer (or an error there) stops the worker and closes its iterator on its own
thread.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Generator, Iterator
from typing import Any, TypeVar

T = TypeVar("T")
_ITEM, _END, _ERROR = "item", "end", "error"


def in_background(items: Iterator[T], depth: int = 2, name: str = "assay-read") -> Iterator[T]:
    """Yield ``items``, produced on a thread at most ``depth`` items ahead."""
    channel: queue.Queue[tuple[str, Any]] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(message: tuple[str, Any]) -> bool:
        while not stop.is_set():
            try:
                channel.put(message, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def work() -> None:
        try:
            for item in items:
                if not put((_ITEM, item)):
                    return
            put((_END, None))
        except BaseException as exc:  # handed to the consumer
            put((_ERROR, exc))
        finally:
            if isinstance(items, Generator):
                items.close()

    thread = threading.Thread(target=work, name=name, daemon=True)
    thread.start()
    try:
        while True:
            kind, value = channel.get()
            if kind == _ITEM:
                yield value
            elif kind == _END:
                return
            else:
                raise value
    finally:
        stop.set()
        while True:  # unblock a worker waiting to put
            try:
                channel.get_nowait()
            except queue.Empty:
                break
        thread.join()
