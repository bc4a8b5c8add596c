"""Apache Iceberg (``iceberg://[CATALOG]/NAMESPACE[.TABLE]``) through PyIceberg.

Without a catalog name the catalog is a local SQL catalog: a SQLite file and a
warehouse directory under ``.assay/iceberg/`` in the working directory (or under
``?warehouse=DIR``).  A name (``iceberg://lakekeeper/sales``) loads that catalog from
PyIceberg's own configuration (``~/.pyiceberg.yaml`` or ``PYICEBERG_CATALOG__…``
variables), e.g. a REST catalog such as Lakekeeper, Nessie or Polaris.

Each source file is one snapshot whose summary records the assay unit (its ledger
record as JSON under ``assay.unit``), so the ledger is the table's own history and
``assay query --as-of SNAPSHOT_ID|TIMESTAMP`` reads any earlier state.  A replace is
one transaction (an overwrite and the appends after it).  Schema evolution adds
columns and widens types through PyIceberg's ``update_schema``.  Timestamps are
microseconds (Iceberg has no nanoseconds), integers at least 32 bits.
"""

from __future__ import annotations

import json
import warnings
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from assay._deps import require
from assay.errors import TargetError, UsageError
from assay.quality.rules import columns, required
from assay.schema import Table
from assay.targets.arrow_types import ArrowPolicy
from assay.targets.base import (
    Capabilities,
    CheckSession,
    CommitResult,
    TableInfo,
    TablePlan,
    TableWriter,
    Target,
    make_folder,
)
from assay.targets.lake import KeyLookup, LakeSession, Spool
from assay.targets.ledger import REJECTS_SCHEMA, UnitRecord, rejects_table
from assay.targets.uri import TargetUri

UNIT = "assay.unit"
REPLACE = "assay.replace"
TABLE = "assay.table"


def plain_schema(schema: pa.Schema) -> pa.Schema:
    """PyIceberg reads large strings and lists; rows are converted to the plain kinds."""

    def plain(t: pa.DataType) -> pa.DataType:
        if pa.types.is_large_string(t):
            return pa.string()
        if pa.types.is_large_binary(t):
            return pa.binary()
        if pa.types.is_large_list(t) or pa.types.is_list(t):
            return pa.list_(plain(t.value_type))
        if pa.types.is_struct(t):
            return pa.struct([pa.field(f.name, plain(f.type)) for f in t])
        return t

    return pa.schema([pa.field(f.name, plain(f.type)) for f in schema])


class IcebergTarget(Target):
    scheme = "iceberg"
    title = "Iceberg"
    capabilities = Capabilities(
        transactions=True,
        merge=True,
        add_columns=True,
        widen_types=True,
        retype_to_text=False,
        time_travel=True,
        sql=False,
        enforces_keys=False,
        arrow=ArrowPolicy(nested="native", min_int_bits=32),
    )

    def __init__(self, uri: TargetUri) -> None:
        super().__init__(uri)
        require("pyiceberg", extra="iceberg")
        path = uri.path.strip("/")
        if not path:
            raise UsageError(f"{uri.display}: no namespace", hint="e.g. iceberg:///shop")
        self.namespace, _, table = path.rpartition(".") if "." in path else (path, "", "")
        self.fixed_table = table or None
        self.catalog = self._catalog(uri)
        self.catalog.create_namespace_if_not_exists(self.namespace)

    def _catalog(self, uri: TargetUri) -> Any:
        if uri.netloc:
            from pyiceberg.catalog import load_catalog

            return load_catalog(uri.netloc)
        from pyiceberg.catalog.sql import SqlCatalog

        warehouse = Path(uri.params.get("warehouse", ".assay/iceberg")).expanduser().resolve()
        make_folder(warehouse, uri)
        return SqlCatalog(
            "assay",
            uri=f"sqlite:///{warehouse / 'catalog.db'}",
            warehouse=(warehouse / "warehouse").as_uri(),
        )

    def identifier(self, table: str) -> str:
        return f"{self.namespace}.{table}"

    def load(self, table: str) -> Any | None:
        from pyiceberg.exceptions import NoSuchTableError

        try:
            return self.catalog.load_table(self.identifier(table))
        except NoSuchTableError:
            return None

    # ---- introspection ------------------------------------------------------------------
    def describe(self, table: str) -> TableInfo | None:
        tbl = self.load(table)
        if tbl is None:
            return None
        recorded = self.recorded_table(table)
        needed = (
            frozenset(f.name for f in columns(recorded) if required(f, recorded))
            if recorded
            else frozenset()
        )
        snapshot = tbl.current_snapshot()
        rows = int(snapshot.summary.get("total-records", 0)) if snapshot else 0
        return TableInfo(arrow=plain_schema(tbl.schema().as_arrow()), required=needed, rows=rows)

    def units(self, table: str) -> dict[str, UnitRecord]:
        tbl = self.load(table)
        out: dict[str, UnitRecord] = {}
        snapshot = tbl.current_snapshot() if tbl is not None else None
        while snapshot is not None:
            props = snapshot.summary.additional_properties
            if UNIT in props:
                record = UnitRecord.from_dict(json.loads(props[UNIT]))
                out.setdefault(record.unit_id, record)
            if props.get(REPLACE) == "true" or snapshot.parent_snapshot_id is None:
                break
            snapshot = tbl.snapshot_by_id(snapshot.parent_snapshot_id)
        return out

    def recorded_table(self, table: str) -> Table | None:
        tbl = self.load(table)
        if tbl is None or TABLE not in tbl.properties:
            return None
        return Table.model_validate_json(tbl.properties[TABLE])

    def writer(self, plan: TablePlan) -> TableWriter:
        return IcebergWriter(self, plan)

    def snapshot_id(self, tbl: Any, as_of: str) -> int:
        if as_of.strip().lstrip("-").isdigit() and len(as_of.strip()) > 13:
            snapshot = tbl.snapshot_by_id(int(as_of))
        else:
            try:
                moment = datetime.fromisoformat(as_of.strip().replace("Z", "+00:00"))
            except ValueError:
                raise UsageError(
                    f"--as-of {as_of!r}: not a snapshot id or an ISO time",
                    hint="e.g. --as-of 2024-05-01T12:00:00Z",
                ) from None
            if moment.tzinfo is None:
                from datetime import UTC

                moment = moment.replace(tzinfo=UTC)
            snapshot = tbl.snapshot_as_of_timestamp(int(moment.timestamp() * 1000))
        if snapshot is None:
            raise TargetError(f"no snapshot of the table at {as_of}")
        return int(snapshot.snapshot_id)

    def scan(self, table: str, *, as_of: str | None = None, limit: int | None = None) -> pa.Table:
        tbl = self.load(table)
        if tbl is None:
            raise TargetError(f"no table {self.identifier(table)!r} in {self.uri.display}")
        snapshot = self.snapshot_id(tbl, as_of) if as_of else None
        return tbl.scan(snapshot_id=snapshot, limit=limit).to_arrow()

    def session(self) -> CheckSession:
        return LakeSession(self._register)

    def _register(self, connection: duckdb.DuckDBPyConnection, table: str, view: str) -> bool:
        tbl = self.load(table)
        if tbl is None:
            return False
        tasks = list(tbl.scan().plan_files())
        if not tasks or any(t.delete_files for t in tasks):
            connection.register(view, tbl.scan().to_arrow())
            return True
        files = [t.file.file_path.removeprefix("file://") for t in tasks]
        listed = ", ".join("'" + f.replace("'", "''") + "'" for f in files)
        connection.execute(
            f"CREATE OR REPLACE VIEW {view} AS SELECT * FROM read_parquet([{listed}], "
            "union_by_name = true)"
        )
        return True


class IcebergWriter(KeyLookup, TableWriter):
    target: IcebergTarget

    def prepare(self) -> TableInfo:
        t, plan = self.target, self.plan
        tbl = t.load(plan.name)
        self.first = plan.mode == "replace"
        if tbl is None:
            assert plan.arrow is not None
            tbl = t.catalog.create_table(t.identifier(plan.name), schema=plan.arrow)
        elif plan.mode == "replace" and plan.arrow is not None:
            with tbl.update_schema() as update:
                update.union_by_name(plan.arrow)
        elif plan.alterations:
            self._evolve(tbl)
        self.table = t.load(plan.name)
        self.transaction = self.table.transaction() if plan.mode == "replace" else None
        info = t.describe(plan.name)
        assert info is not None
        table = plan.table
        needed = frozenset(f.name for f in columns(table) if required(f, table))
        return TableInfo(
            arrow=info.arrow,
            required=needed & set(info.arrow.names),
            rows=0 if plan.mode == "replace" else info.rows,
        )

    def _evolve(self, tbl: Any) -> None:
        current = plain_schema(tbl.schema().as_arrow())
        fields = {f.name: f for f in current}
        for change in self.plan.alterations:
            if change.action in ("add", "retype") and change.arrow is not None:
                fields[change.column] = pa.field(change.column, change.arrow)
        wanted = pa.schema(list(fields.values()))
        try:
            with tbl.update_schema() as update:
                update.union_by_name(wanted)
        except Exception as exc:
            raise TargetError(f"Iceberg refused the schema change: {exc}") from None

    def begin(self, unit_id: str) -> None:
        self.close_lookup()  # the table changed since the last unit
        self.unit = unit_id
        self.spool = Spool(self._schema())
        self.rejects: list[pa.RecordBatch] = []

    def _schema(self) -> pa.Schema:
        return plain_schema(self.table.schema().as_arrow())

    def write(self, batch: pa.RecordBatch) -> None:
        self.spool.write(
            batch.cast(self.spool.schema) if batch.schema != self.spool.schema else batch
        )

    def reject(self, batch: pa.RecordBatch) -> None:
        self.rejects.append(batch)

    def _write_rejects(self) -> None:
        from pyiceberg.expressions import EqualTo

        t = self.target
        name = rejects_table(self.plan.name)
        rejects = t.load(name)
        if rejects is None and not self.rejects:
            return
        if rejects is None:
            rejects = t.catalog.create_table(t.identifier(name), schema=REJECTS_SCHEMA)
        stale = rejects.scan(row_filter=EqualTo("unit_id", self.unit), limit=1).to_arrow()
        if stale.num_rows:
            rejects.delete(EqualTo("unit_id", self.unit))
        if self.rejects:
            rejects.append(pa.Table.from_batches(self.rejects, schema=REJECTS_SCHEMA))

    def commit(self, record: UnitRecord) -> CommitResult:
        self._write_rejects()
        properties = {UNIT: json.dumps(record.to_dict(), sort_keys=True)}
        data = self.spool.table()
        result = CommitResult(inserted=data.num_rows)
        try:
            if self.plan.mode == "merge":
                outcome = self.table.upsert(
                    data, join_cols=list(self.plan.key), snapshot_properties=properties
                )
                result = CommitResult(inserted=outcome.rows_inserted, updated=outcome.rows_updated)
            elif self.transaction is not None:
                if self.first:
                    properties[REPLACE] = "true"
                    with warnings.catch_warnings():  # an empty table has nothing to delete
                        warnings.simplefilter("ignore", UserWarning)
                        self.transaction.overwrite(data, snapshot_properties=properties)
                    self.first = False
                else:
                    self.transaction.append(data, snapshot_properties=properties)
            else:
                self.table.append(data, snapshot_properties=properties)
        finally:
            self.spool.discard()
        self.table = self.target.load(self.plan.name) if self.transaction is None else self.table
        return result

    def abort(self) -> None:
        spool = getattr(self, "spool", None)
        if spool is not None:
            spool.discard()

    def finish(self) -> None:
        text = self.plan.table.model_dump_json(exclude_defaults=True)
        if self.transaction is not None:
            if self.first:  # a replace by nothing: the table becomes empty
                empty = pa.Table.from_batches([], schema=self._schema())
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", UserWarning)
                    self.transaction.overwrite(empty, snapshot_properties={REPLACE: "true"})
            self.transaction.set_properties({TABLE: text})
            self.transaction.commit_transaction()
        else:
            with self.table.transaction() as tx:
                tx.set_properties({TABLE: text})
