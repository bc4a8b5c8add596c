"""Target URIs: ``duckdb:///shop.duckdb``, ``postgresql://u@h/db?schema=s``,
``parquet:///out``, ``iceberg://[catalog]/namespace[.table]``, ``delta:///lake``.

Paths follow the SQLAlchemy convention: everything after ``scheme:///`` is the path,
so ``duckdb:///shop.duckdb`` is relative to the working directory and
``duckdb:////tmp/shop.duckdb`` absolute.  A bare path ending in ``.duckdb`` or ``.db``
is a DuckDB file.  Passwords never reach output: :attr:`TargetUri.display` hides them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit

from assay.defaults import DEFAULT_TARGET
from assay.errors import UsageError
from assay.redaction import redact_uri as redact

ALIASES = {"postgres": "postgresql", "pg": "postgresql", "duck": "duckdb"}


@dataclass(frozen=True)
class TargetUri:
    scheme: str
    raw: str  # as given (may hold a password: never print it)
    path: str = ""  # file targets: the local path; postgresql: the database
    netloc: str = ""  # iceberg: the catalog name; postgresql: user@host:port
    params: dict[str, str] = field(default_factory=dict)

    @property
    def display(self) -> str:
        return redact(self.raw)

    def local_path(self) -> Path:
        if not self.path:
            raise UsageError(f"{self.display}: no path", hint="e.g. duckdb:///shop.duckdb")
        return Path(self.path).expanduser()


def parse_target(text: str | None) -> TargetUri:
    text = (text or DEFAULT_TARGET).strip()
    if "://" not in text:
        if text.endswith((".duckdb", ".db", ".ddb")):
            return TargetUri("duckdb", text, path=text)
        raise UsageError(
            f"not a target URI: {redact(text)!r}",
            hint="use duckdb:///FILE, postgresql://USER@HOST/DB, parquet:///DIR, "
            "iceberg://[CATALOG]/NAMESPACE or delta:///DIR",
        )
    scheme, rest = text.split("://", 1)
    scheme = ALIASES.get(scheme.lower(), scheme.lower())
    if scheme == "postgresql":
        parts = urlsplit(text)
        return TargetUri(
            scheme,
            text,
            path=unquote(parts.path.lstrip("/")),
            netloc=parts.netloc,
            params=dict(parse_qsl(parts.query)),
        )
    query = ""
    if "?" in rest:
        rest, query = rest.split("?", 1)
    netloc, _, path = rest.partition("/")
    return TargetUri(scheme, text, path=unquote(path), netloc=netloc, params=dict(parse_qsl(query)))
