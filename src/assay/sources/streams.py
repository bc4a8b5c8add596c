"""Small raw-stream building blocks shared by the decoders.

Decompressors and transcoders produce output in pieces of their own size; a
:class:`TransformReader` turns "give me the next piece" into a readable stream that
``io.BufferedReader`` (and so every reader downstream) can use.
"""

from __future__ import annotations

import io
from typing import BinaryIO


class TransformReader(io.RawIOBase):
    """A readable stream over pieces produced by :meth:`next_piece` from ``raw``."""

    def __init__(self, raw: BinaryIO, read_size: int = 1 << 20) -> None:
        self._raw = raw
        self._read_size = read_size
        self._pending = b""
        self._eof = False

    def next_piece(self, data: bytes) -> bytes:
        """Transform one block read from ``raw`` (``b""`` at its end) into output bytes."""
        raise NotImplementedError

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        while not self._pending and not self._eof:
            data = self._raw.read(self._read_size)
            self._eof = not data
            self._pending = self.next_piece(data)
        n = min(len(buffer), len(self._pending))
        buffer[:n] = self._pending[:n]
        self._pending = self._pending[n:]
        return n

    def close(self) -> None:
        self._raw.close()
        super().close()


class Prepend(io.RawIOBase):
    """Put bytes already read back in front of a stream."""

    def __init__(self, head: bytes, rest: BinaryIO) -> None:
        self._head = head
        self._rest = rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        if self._head:
            n = min(len(buffer), len(self._head))
            buffer[:n] = self._head[:n]
            self._head = self._head[n:]
            return n
        data = self._rest.read(len(buffer))
        n = len(data)
        buffer[:n] = data
        return n

    def close(self) -> None:
        self._rest.close()
        super().close()


def buffered(raw: io.RawIOBase) -> BinaryIO:
    return io.BufferedReader(raw, buffer_size=1 << 20)  # type: ignore[return-value]


def prepend(head: bytes, rest: BinaryIO) -> BinaryIO:
    """A stream that yields ``head`` and then the rest of ``rest``."""
    return buffered(Prepend(head, rest))
