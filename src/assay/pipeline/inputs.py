"""The run's inputs: the configured sources found on disk (or in object storage), each
file's detected format, size and columns, grouped into tables; and their fingerprint.

Detection reads a bounded prefix of each file (no data is loaded here), so this is what
a dry run shows and what a resume compares: a file whose size or modification time
changed since the run started is a changed input.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from assay.config import Config
from assay.errors import InputError
from assay.pipeline.grouping import FileColumns, Grouping, Rule, group
from assay.sources import Source
from assay.sources.source import ReadOptions


@dataclass(frozen=True)
class InputFile:
    uri: str
    source: str  # the configured source it was found under
    size: int | None
    modified: float | None
    formats: tuple[str, ...]
    estimated_rows: int
    streams: tuple[tuple[str, tuple[str, ...]], ...]  # (stream name, columns)


@dataclass
class SourceGroup:
    """Sources that share reading options: staged and loaded with one call each."""

    paths: list[str]
    read: dict[str, Any]


@dataclass
class Inputs:
    files: list[InputFile] = field(default_factory=list)
    groups: list[SourceGroup] = field(default_factory=list)
    grouping: Grouping = field(default_factory=Grouping)
    errors: list[InputError] = field(default_factory=list)

    @property
    def total_bytes(self) -> int:
        return sum(f.size or 0 for f in self.files)

    @property
    def estimated_rows(self) -> int:
        return sum(f.estimated_rows for f in self.files)

    def fingerprint(self) -> dict[str, Any]:
        """What a resume compares: every file with its size and modification time."""
        return {
            "files": [
                [f.uri, f.size, round(f.modified, 3) if f.modified is not None else None]
                for f in sorted(self.files, key=lambda f: f.uri)
            ]
        }

    def table_of(self, uri: str, stream: str) -> str:
        return self.grouping.partitions.get(uri, stream)


def _modified(uri: str) -> float | None:
    """A local file's modification time (remote files: size and checksum tell)."""
    path = uri[len("file://") :] if uri.startswith("file://") else uri
    if "://" in path:
        return None
    try:
        return os.stat(path).st_mtime
    except OSError:
        return None


def read_options(config: Config, source_read: dict[str, Any], pattern: str | None) -> dict:
    """Reading options of one source as ``ReadOptions`` keywords (run policy included)."""
    options = dict(source_read)
    if pattern:
        options["pattern"] = pattern
    options["on_error"] = config.policies.on_error
    return options


def discover(config: Config) -> Inputs:
    """Find and detect every input of ``config``; problems are collected, not raised."""
    out = Inputs()
    by_options: dict[str, SourceGroup] = {}
    columns: list[FileColumns] = []
    for source in config.sources:
        path = config.resolve_path(source.path)
        options = read_options(config, source.read.options(), source.pattern)
        key = repr(sorted(options.items()))
        by_options.setdefault(key, SourceGroup([], options)).paths.append(path)
        streams: dict[str, list[Any]] = {}
        opened = Source([path], ReadOptions.from_kwargs(**options), quarantine=lambda _r: None)
        for stream in opened.streams():
            streams.setdefault(stream.detection.uri, []).append(stream)
        out.errors.extend(opened.errors)
        for uri, found in streams.items():
            d = found[0].detection
            named = tuple((s.name, tuple(s.detection.columns)) for s in found)
            out.files.append(
                InputFile(
                    uri=uri,
                    source=path,
                    size=d.size_bytes,
                    modified=_modified(uri),
                    formats=tuple(sorted({str(s.detection.format) for s in found})),
                    estimated_rows=sum(s.detection.estimated_rows or 0 for s in found),
                    streams=named,
                )
            )
            columns.append(FileColumns(uri, path, named))
    out.groups = list(by_options.values())
    rules = [Rule(r.match, r.table) for r in config.tables.rules]
    out.grouping = group(
        columns,
        rules,
        by_schema=config.tables.group_by_schema,
        threshold=config.tables.similarity,
    )
    return out
