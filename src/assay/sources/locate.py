"""Turn what the user typed (files, directories, globs, URIs) into a sorted list of files.

Local paths are resolved and checked (exists, is readable) so errors name the real
file; remote URIs (``s3://``, ``gs://``, ``az://``, ``http(s)://``) go through fsspec
with credentials from the environment or ``storage_options``.  Credentials embedded in
a URI never appear in messages (see :func:`redact`).
"""

from __future__ import annotations

import glob as globlib
import os
import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO

from assay.errors import InputError
from assay.redaction import redact_uri as redact  # the one redaction helper (layer 1)

_GLOB_CHARS = re.compile(r"[*?\[]")
_URI = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://")
_IGNORED_NAMES = {".DS_Store", "Thumbs.db", "desktop.ini"}
# Inside a directory these are documentation, code or configuration, not data; named
# explicitly on the command line they are still read.
NOT_DATA = {
    ".md",
    ".rst",
    ".py",
    ".pyc",
    ".sh",
    ".bat",
    ".ps1",
    ".yaml",
    ".yml",
    ".toml",
    ".ini",
    ".cfg",
    ".html",
    ".htm",
    ".pdf",
    ".doc",
    ".docx",
    ".png",
    ".jpg",
    ".jpeg",
    ".gif",
    ".svg",
    ".sql",
    ".log",
    ".lock",
    ".exe",
    ".dll",
    ".so",
    ".gitattributes",
    ".gitignore",
}


@dataclass(frozen=True)
class Resource:
    """One readable file, local or remote."""

    uri: str
    path: str
    fs: Any
    size: int | None

    @property
    def name(self) -> str:
        return PurePosixPath(self.path).name

    @property
    def is_local(self) -> bool:
        return self.uri.startswith("/") or self.uri.startswith("file://")

    def open(self) -> BinaryIO:
        try:
            return self.fs.open(self.path, "rb")
        except PermissionError as exc:
            raise InputError(
                "permission denied",
                path=self.uri,
                hint="check the file's permissions",
                code="permission_denied",
            ) from exc
        except FileNotFoundError as exc:
            raise InputError("no such file", path=self.uri, code="not_found") from exc


def locate(
    inputs: str | os.PathLike[str] | list[str | os.PathLike[str]],
    *,
    pattern: str | None = None,
    storage_options: dict[str, Any] | None = None,
) -> list[Resource]:
    """Expand inputs into files, in a stable order, failing on paths that match nothing.

    Directories are searched recursively (hidden files and folders skipped); ``pattern``
    filters names inside directories (a glob such as ``*.csv``).
    """
    items = inputs if isinstance(inputs, list) else [inputs]
    found: list[Resource] = []
    seen: set[str] = set()
    for item in items:
        for resource in _expand(str(item), pattern, storage_options or {}):
            if resource.uri not in seen:
                seen.add(resource.uri)
                found.append(resource)
    return found


def _expand(item: str, pattern: str | None, storage_options: dict[str, Any]) -> list[Resource]:
    if _URI.match(item) and not item.startswith("file://"):
        return _expand_remote(item, pattern, storage_options)
    if item.startswith("file://"):
        item = item[len("file://") :]
    return _expand_local(item, pattern)


class LocalFiles:
    """The two filesystem calls assay makes on local files, without importing fsspec
    (~50 ms of start-up that only remote URIs need); the same shapes as fsspec's."""

    protocol = "file"

    def open(self, path: str, mode: str = "rb") -> BinaryIO:
        return open(path, mode)

    def info(self, path: str) -> dict[str, Any]:
        stat = os.stat(path)
        return {"name": path, "size": stat.st_size, "type": "file", "mtime": stat.st_mtime}


def _expand_local(item: str, pattern: str | None) -> list[Resource]:
    fs = LocalFiles()
    expanded = os.path.expanduser(item)
    if _GLOB_CHARS.search(expanded):
        matches = sorted(globlib.glob(expanded, recursive=True))
        files = [Path(m).resolve() for m in matches if os.path.isfile(m)]
        if not files:
            raise InputError(
                "the pattern matched no files",
                path=item,
                hint="check the pattern; quote it so the shell does not expand it",
                code="not_found",
            )
        return [_local_resource(fs, p) for p in files]
    path = Path(expanded).resolve()
    if not path.exists():
        raise InputError(
            "no such file or directory",
            path=item,
            hint="check the path (it is resolved from the current directory)",
            code="not_found",
        )
    if path.is_dir():
        if not os.access(path, os.R_OK | os.X_OK):
            raise InputError("permission denied", path=str(path), code="permission_denied")
        files = sorted(_walk(path, pattern or "*"))
        if not files:
            raise InputError(
                "the directory holds no files" + (f" matching {pattern!r}" if pattern else ""),
                path=str(path),
                code="empty_directory",
            )
        return [_local_resource(fs, p) for p in files]
    if not os.access(path, os.R_OK):
        raise InputError(
            "permission denied",
            path=str(path),
            hint="check the file's permissions",
            code="permission_denied",
        )
    return [_local_resource(fs, path)]


def _walk(root: Path, pattern: str) -> list[Path]:
    out: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith((".", "__")))
        for name in filenames:
            if name.startswith(".") or name in _IGNORED_NAMES or _not_data(name):
                continue
            candidate = Path(dirpath) / name
            if candidate.match(pattern) or PurePosixPath(name).match(pattern):
                out.append(candidate)
    return out


def _not_data(name: str) -> bool:
    return PurePosixPath(name.lower()).suffix in NOT_DATA


def _local_resource(fs: Any, path: Path) -> Resource:
    return Resource(uri=str(path), path=str(path), fs=fs, size=path.stat().st_size)


def _expand_remote(
    item: str, pattern: str | None, storage_options: dict[str, Any]
) -> list[Resource]:
    import fsspec

    shown = redact(item)
    try:
        fs, path = fsspec.core.url_to_fs(item, **storage_options)
    except ImportError as exc:
        scheme = item.split("://", 1)[0]
        extra = {"s3": "s3", "s3a": "s3"}.get(scheme, "all")
        raise InputError(
            f"no filesystem driver for {scheme}:// is installed",
            path=shown,
            hint=f"pip install 'assay[{extra}]' (or the fsspec driver for {scheme})",
            code="missing_driver",
        ) from exc
    except ValueError as exc:
        raise InputError(f"unsupported URI: {exc}", path=shown, code="bad_uri") from exc
    protocol = fs.protocol[0] if isinstance(fs.protocol, tuple) else fs.protocol
    try:
        if _GLOB_CHARS.search(path):
            paths = sorted(fs.glob(path))
        elif protocol in ("http", "https"):
            paths = [path]
        elif fs.isdir(path):
            paths = sorted(
                p
                for p in fs.find(path)
                if not PurePosixPath(p).name.startswith(".")
                and not _not_data(PurePosixPath(p).name)
                and (pattern is None or PurePosixPath(p).match(pattern))
            )
        elif fs.exists(path):
            paths = [path]
        else:
            paths = []
    except PermissionError as exc:
        raise InputError("permission denied", path=shown, code="permission_denied") from exc
    except OSError as exc:
        raise InputError(f"cannot list: {exc}", path=shown, code="unreachable") from exc
    if not paths:
        raise InputError("no such file or directory", path=shown, code="not_found")
    resources = []
    for p in paths:
        uri = p if _URI.match(p) else f"{protocol}://{p}"
        size = None
        if protocol not in ("http", "https"):
            try:
                size = fs.size(p)
            except OSError:
                size = None
        resources.append(Resource(uri=redact(uri), path=p, fs=fs, size=size))
    return resources
