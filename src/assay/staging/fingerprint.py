"""What identifies a version of a source file: size, modification time, checksum.

The checksum is the SHA-256 of the file's bytes as stored (compressed files are hashed
compressed).  Hashing reads the file a second time, so for a file seen for the first
time it runs on a background thread while the file is staged (hashlib releases the
GIL); only a file already staged with the same size is hashed up front, to decide
whether it changed.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from datetime import UTC, datetime

from assay.errors import InputError
from assay.sources.locate import Resource

_BLOCK = 4 << 20


@dataclass(frozen=True)
class FileStat:
    size: int | None
    modified: datetime | None


def stat(resource: Resource) -> FileStat:
    try:
        info = resource.fs.info(resource.path)
    except (OSError, ValueError):
        return FileStat(resource.size, None)
    modified = info.get("mtime") or info.get("LastModified") or info.get("last_modified")
    if isinstance(modified, int | float):
        modified = datetime.fromtimestamp(modified, tz=UTC)
    elif not isinstance(modified, datetime):
        modified = None
    elif modified.tzinfo is None:
        modified = modified.replace(tzinfo=UTC)
    size = info.get("size")
    return FileStat(int(size) if size is not None else resource.size, modified)


def checksum(resource: Resource) -> str:
    digest = hashlib.sha256()
    try:
        with resource.open() as handle:
            while block := handle.read(_BLOCK):
                digest.update(block)
    except OSError as exc:
        raise InputError(f"cannot read: {exc}", path=resource.uri, code="unreadable") from exc
    return "sha256:" + digest.hexdigest()


class BackgroundChecksum:
    """The checksum of a file, computed on a thread; :meth:`result` waits for it."""

    def __init__(self, resource: Resource) -> None:
        self._value: str | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(
            target=self._run, args=(resource,), name="assay-checksum", daemon=True
        )
        self._thread.start()

    def _run(self, resource: Resource) -> None:
        try:
            self._value = checksum(resource)
        except BaseException as exc:  # re-raised by result()
            self._error = exc

    def result(self) -> str:
        self._thread.join()
        if self._error is not None:
            raise self._error
        assert self._value is not None
        return self._value
