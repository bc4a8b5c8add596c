"""How to stage: the dedup strategy, the partition, the insert size, reading options."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from assay.errors import UsageError


class Dedup(StrEnum):
    """What counts as already staged.

    - ``none``: nothing; every run appends every record (a file seen before becomes a
      new version next to the old one).
    - ``path``: a file already staged is skipped unless its checksum changed; a changed
      file is staged as a new version that supersedes the old one.
    - ``content``: a record whose content hash is already current in its partition is
      skipped (counted as a duplicate), across files and runs.
    - ``both``: path first, then content.
    """

    NONE = "none"
    PATH = "path"
    CONTENT = "content"
    BOTH = "both"

    @property
    def path(self) -> bool:
        return self in (Dedup.PATH, Dedup.BOTH)

    @property
    def content(self) -> bool:
        return self in (Dedup.CONTENT, Dedup.BOTH)

    @classmethod
    def parse(cls, value: str | Dedup) -> Dedup:
        try:
            return cls(str(value).lower())
        except ValueError:
            valid = ", ".join(d.value for d in cls)
            raise UsageError(
                f"invalid dedup {value!r}", hint=f"valid values are: {valid}"
            ) from None


@dataclass
class IngestOptions:
    dedup: Dedup = Dedup.PATH
    partition: str | None = None  # None: each stream's table name (file stem, sheet)
    partitions: dict[str, str] = field(default_factory=dict)  # file URI -> its partition
    batch_size: int = 100_000  # records per bulk insert
    resume: bool = False
    read: dict[str, Any] = field(default_factory=dict)  # assay.sources.ReadOptions fields

    def __post_init__(self) -> None:
        self.dedup = Dedup.parse(self.dedup)
        if self.batch_size < 1:
            raise UsageError("--batch-size must be a positive number of records")
        if self.partition is not None and not self.partition.strip():
            raise UsageError("--partition must not be empty")

    def partition_of(self, uri: str, stream: str) -> str:
        """A file's partition: named for that file, else the one for all, else the stream's."""
        return self.partitions.get(uri) or self.partition or stream

    def to_config(self, inputs: list[str]) -> dict[str, Any]:
        """What a batch records about how it was asked to run (and resume needs)."""
        read = {k: v for k, v in self.read.items() if k != "storage_options"}
        return {
            "inputs": inputs,
            "dedup": str(self.dedup),
            "partition": self.partition,
            "partitions": dict(sorted(self.partitions.items())),
            "batch_size": self.batch_size,
            "read": read,
        }

    @classmethod
    def from_config(cls, config: dict[str, Any], *, resume: bool) -> IngestOptions:
        return cls(
            dedup=Dedup.parse(config.get("dedup", "path")),
            partition=config.get("partition"),
            partitions=dict(config.get("partitions") or {}),
            batch_size=int(config.get("batch_size", 100_000)),
            resume=resume,
            read=dict(config.get("read") or {}),
        )
