"""The target interface: what every engine module implements, and nothing more.

A :class:`Target` is one place tables live (a DuckDB file, a PostgreSQL schema, a
directory of Parquet, an Iceberg namespace, a directory of Delta tables).  Loading a
table goes through a :class:`TableWriter`, one *unit* (one source file) at a time:
``begin`` → ``write``/``reject`` batches → ``commit`` with the unit's ledger record, or
``abort``.  A unit is committed atomically with its ledger record wherever the engine
allows it, which is what makes a re-run skip finished files and redo the rest exactly
once after a crash.  What an engine can do is declared as data (:class:`Capabilities`),
so the pipeline asks instead of testing engine names.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Literal

import pyarrow as pa

from assay.errors import TargetError
from assay.schema import Table
from assay.targets.arrow_types import ArrowPolicy
from assay.targets.ledger import UnitRecord
from assay.targets.uri import TargetUri

Mode = Literal["create", "replace", "append", "merge"]
MODES: tuple[str, ...] = ("create", "replace", "append", "merge")


@dataclass(frozen=True)
class Capabilities:
    """What an engine supports, read by the pipeline and shown by ``assay load --help``.

    ``transactions``: a unit's rows, rejects and ledger record commit together;
    ``merge``: upserts by key; ``add_columns``/``widen_types``: schema evolution in
    place; ``time_travel``: reads as of an earlier version; ``sql``: the engine runs the
    quality checks itself (otherwise DuckDB reads its files); ``enforces_keys``: a
    declared primary key is checked by the engine.
    """

    transactions: bool = False
    merge: bool = False
    add_columns: bool = True
    widen_types: bool = True
    retype_to_text: bool = False
    time_travel: bool = False
    sql: bool = False
    enforces_keys: bool = False
    arrow: ArrowPolicy = ArrowPolicy()  # noqa: RUF009  (frozen: a shared default is safe)


@dataclass(frozen=True)
class TableInfo:
    """An existing table as the target holds it."""

    arrow: pa.Schema
    required: frozenset[str] = frozenset()
    uuid: frozenset[str] = frozenset()  # columns of a native UUID type
    rows: int | None = None
    primary_key: tuple[str, ...] = ()  # declared and enforced by the engine


@dataclass(frozen=True)
class Alteration:
    """A schema change to apply before loading (from :mod:`assay.targets.evolve`)."""

    column: str
    action: Literal["add", "retype", "drop_not_null"]
    arrow: pa.DataType | None = None
    sql_type: str | None = None


@dataclass(frozen=True)
class TablePlan:
    """Everything a writer needs to know about the table it writes."""

    name: str
    table: Table  # the logical table (target column names)
    mode: Mode
    load_id: str
    key: tuple[str, ...] = ()
    exists: bool = False
    alterations: tuple[Alteration, ...] = ()
    partition_by: tuple[str, ...] = ()
    arrow: pa.Schema | None = None  # the schema rows are converted to (after alterations)


@dataclass
class CommitResult:
    inserted: int = 0
    updated: int = 0


class TableWriter(ABC):
    """Writes one table, one unit (source file) at a time."""

    def __init__(self, target: Target, plan: TablePlan) -> None:
        self.target = target
        self.plan = plan

    @abstractmethod
    def prepare(self) -> TableInfo:
        """Create or alter the table as planned; return it as it now stands."""

    @abstractmethod
    def begin(self, unit_id: str) -> None: ...

    @abstractmethod
    def write(self, batch: pa.RecordBatch) -> None: ...

    @abstractmethod
    def reject(self, batch: pa.RecordBatch) -> None: ...

    @abstractmethod
    def commit(self, record: UnitRecord) -> CommitResult: ...

    @abstractmethod
    def abort(self) -> None: ...

    def finish(self) -> None:  # noqa: B027  (optional hook)
        """After the last unit (replace mode swaps the new table in here)."""

    def existing_keys(self, keys: pa.Table) -> pa.Array | None:
        """Which of these key values the table holds already (``None``: none can)."""
        return None


class CheckSession(ABC):
    """Where quality rules run as SQL: the engine itself, or DuckDB over its files."""

    dialect: str = "duckdb"

    @abstractmethod
    def relation(self, table: str) -> str | None:
        """The table's data as a SQL relation, ``None`` when it does not exist."""

    @abstractmethod
    def query(
        self, sql: str, limit: int | None = None
    ) -> tuple[list[str], list[tuple[Any, ...]]]: ...

    @abstractmethod
    def stage(self, name: str, data: pa.Table) -> str:
        """A temporary relation holding ``data`` (checks before loading)."""

    def describe(self, table: str) -> TableInfo | None:
        """The table as the engine holds it (for rules its constraints already enforce)."""
        return None

    def count(self, sql: str) -> int:
        _, rows = self.query(f"SELECT count(*) FROM ({sql}) AS failing")
        return int(rows[0][0])

    def close(self) -> None:
        return None


class Target(ABC):
    """One place tables live.  Subclasses: one module per engine (see the registry)."""

    scheme: ClassVar[str]
    title: ClassVar[str]
    dialect: ClassVar[str | None] = None  # SQL dialect of DDL and checks
    capabilities: ClassVar[Capabilities] = Capabilities()

    def __init__(self, uri: TargetUri) -> None:
        self.uri = uri

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.uri.display}>"

    # ---- introspection ----------------------------------------------------------
    @abstractmethod
    def describe(self, table: str) -> TableInfo | None:
        """The table as it stands, ``None`` when it does not exist."""

    @abstractmethod
    def units(self, table: str) -> dict[str, UnitRecord]:
        """The ledger: finished units (source files) of ``table`` by unit id."""

    @abstractmethod
    def recorded_table(self, table: str) -> Table | None:
        """The logical table recorded by the last load (names, types, keys, rules)."""

    # ---- writing and reading ----------------------------------------------------
    @abstractmethod
    def writer(self, plan: TablePlan) -> TableWriter: ...

    @abstractmethod
    def scan(self, table: str, *, as_of: str | None = None, limit: int | None = None) -> pa.Table:
        """Read a table (``as_of`` a snapshot or time where the engine keeps history)."""

    @abstractmethod
    def session(self) -> CheckSession: ...

    def close(self) -> None:
        return None

    def stored_as_converted(self, table: str) -> frozenset[str]:
        """Columns of ``table`` whose stored values compare, match and measure exactly
        as the converted Arrow values written to them (same type, no text round trip):
        quality rules on those may be counted on the batches instead of by a scan.
        None by default (the scan counts everything)."""
        return frozenset()

    def __enter__(self) -> Target:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---- helpers ----------------------------------------------------------------
    def no_time_travel(self, as_of: str | None) -> None:
        if as_of is not None and not self.capabilities.time_travel:
            raise TargetError(
                f"{self.title} keeps no history: --as-of needs an Iceberg or Delta target",
            )


def make_folder(folder: Path, uri: TargetUri) -> None:
    """Create a target's folder (and its parents), or say which one cannot be."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise TargetError(
            f"{uri.display}: cannot create the folder {folder}: {exc.strerror}",
            hint="give a path in a folder you can write",
        ) from None
