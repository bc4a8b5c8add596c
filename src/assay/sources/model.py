"""What the sources layer hands to everything downstream.

A :class:`SourceBatch` is an Arrow record batch plus where its rows came from; a
:class:`Detection` is what was found out about one input (format, compression,
encoding, dialect, size).  :class:`QuarantinedRecord` is a record that could not be
read as data and was set aside with its raw text and the reason, never dropped.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

import numpy as np
import pyarrow as pa


class Format(StrEnum):
    CSV = "csv"
    JSON = "json"
    JSONL = "jsonl"
    PARQUET = "parquet"
    ARROW = "arrow"
    EXCEL = "excel"


class OnError(StrEnum):
    """What to do with a record that cannot be read (ragged row, bad JSON, bad bytes)."""

    QUARANTINE = "quarantine"
    SKIP = "skip"
    FAIL = "fail"


@dataclass(frozen=True)
class Dialect:
    """How a delimited text file is written.  ``None`` quotechar means no quoting."""

    delimiter: str = ","
    quotechar: str | None = '"'
    escapechar: str | None = None
    doublequote: bool = True
    header: bool = True
    skip_rows: int = 0
    comment: str | None = None
    line_terminator: str = "LF"
    trailing_delimiter: bool = False

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Detection:
    """Properties detected for one input (or overridden by the caller)."""

    uri: str
    format: Format
    compression: str | None = None
    encoding: str | None = None
    dialect: Dialect | None = None
    columns: list[str] = field(default_factory=list)
    size_bytes: int | None = None
    estimated_rows: int | None = None
    member: str | None = None
    sheet: str | None = None
    record_path: str | None = None
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["format"] = str(self.format)
        return data


@dataclass(frozen=True)
class Origin:
    """Where the rows of a batch came from.

    ``first_record`` is the 1-based number of the batch's first data record in its
    file (header and preamble not counted); ``first_line`` the 1-based physical line
    where it starts, when the format has lines.
    """

    uri: str
    first_record: int
    first_line: int | None = None
    member: str | None = None
    sheet: str | None = None


@dataclass
class SourceBatch:
    """An Arrow record batch with its provenance.

    ``line_numbers()`` returns the physical start line of every row, computed on
    demand (it costs a pass over the text columns only when records span lines).
    """

    data: pa.RecordBatch
    origin: Origin
    _lines: Callable[[], np.ndarray | None] | None = field(default=None, repr=False)

    @property
    def num_rows(self) -> int:
        return self.data.num_rows

    def line_numbers(self) -> np.ndarray | None:
        if self._lines is None:
            return None
        return self._lines()

    def record_numbers(self) -> np.ndarray:
        start = self.origin.first_record
        return np.arange(start, start + self.data.num_rows, dtype=np.int64)


@dataclass(frozen=True)
class QuarantinedRecord:
    """A record that could not be read as data, kept with everything needed to fix it."""

    uri: str
    line: int | None
    record: int | None
    reason: str
    code: str
    raw: bytes
    member: str | None = None

    @property
    def text(self) -> str:
        return self.raw.decode("utf-8", errors="replace")

    def to_dict(self) -> dict[str, Any]:
        return {
            "uri": self.uri,
            "member": self.member,
            "line": self.line,
            "record": self.record,
            "code": self.code,
            "reason": self.reason,
            "raw": self.text,
        }


QuarantineSink = Callable[[QuarantinedRecord], None]
