"""Delta Lake (``delta:///dir``) through deltalake (delta-rs): one table per directory.

Each source file is one commit whose custom commit metadata records the assay unit
(``assay.unit``, its ledger record as JSON), so the ledger is the table's history and
``assay query --as-of VERSION|TIMESTAMP`` reads an earlier version.  A replace is a
single overwrite commit of every file (spooled to local disk first); merges use
delta-rs ``MERGE``.  Schema evolution adds columns (``schema_mode="merge"``); Delta
cannot retype a column in place, so a wider type stops the load (use ``--mode
replace``).  Delta has no TIME type: times are stored as ``HH:MM:SS.ffffff`` text.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
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
from assay.targets.iceberg_target import plain_schema
from assay.targets.lake import KeyLookup, LakeSession, Spool
from assay.targets.ledger import REJECTS_SCHEMA, UnitRecord, rejects_table
from assay.targets.uri import TargetUri

UNITS = "assay.units"
REPLACE = "assay.replace"
TABLE = "assay.table"


class DeltaTarget(Target):
    scheme = "delta"
    title = "Delta Lake"
    capabilities = Capabilities(
        transactions=True,
        merge=True,
        add_columns=True,
        widen_types=False,
        retype_to_text=False,
        time_travel=True,
        sql=False,
        enforces_keys=False,
        arrow=ArrowPolicy(nested="native", time=False),
    )

    def __init__(self, uri: TargetUri) -> None:
        super().__init__(uri)
        self.deltalake = require("deltalake", extra="delta")
        self.root = uri.local_path()
        make_folder(self.root, uri)

    def path(self, table: str) -> str:
        if not table or "/" in table or table in (".", ".."):
            raise TargetError(f"not a usable table name for a directory: {table!r}")
        return str(self.root / table)

    def load(self, table: str, version: int | str | datetime | None = None) -> Any | None:
        path = self.path(table)
        if not self.deltalake.DeltaTable.is_deltatable(path):
            return None
        dt = self.deltalake.DeltaTable(path)
        if version is not None:
            dt.load_as_version(version)
        return dt

    # ---- introspection ------------------------------------------------------------------
    def describe(self, table: str) -> TableInfo | None:
        dt = self.load(table)
        if dt is None:
            return None
        recorded = self.recorded_table(table)
        needed = (
            frozenset(f.name for f in columns(recorded) if required(f, recorded))
            if recorded
            else frozenset()
        )
        schema = plain_schema(pa.schema(dt.schema().to_arrow()))
        return TableInfo(arrow=schema, required=needed, rows=dt.count())

    def _history(self, table: str) -> list[dict[str, Any]]:
        dt = self.load(table)
        return dt.history() if dt is not None else []

    def units(self, table: str) -> dict[str, UnitRecord]:
        out: dict[str, UnitRecord] = {}
        for commit in self._history(table):  # newest first
            for data in json.loads(commit.get(UNITS, "[]")):
                record = UnitRecord.from_dict(data)
                out.setdefault(record.unit_id, record)
            if commit.get(REPLACE) == "true":
                break
        return out

    def recorded_table(self, table: str) -> Table | None:
        for commit in self._history(table):
            if TABLE in commit:
                return Table.model_validate_json(commit[TABLE])
        return None

    def writer(self, plan: TablePlan) -> TableWriter:
        return DeltaWriter(self, plan)

    def scan(self, table: str, *, as_of: str | None = None, limit: int | None = None) -> pa.Table:
        version: int | datetime | None = None
        if as_of is not None:
            text = as_of.strip()
            if text.isdigit():
                version = int(text)
            else:
                try:
                    version = datetime.fromisoformat(text.replace("Z", "+00:00"))
                except ValueError:
                    raise UsageError(f"--as-of {as_of!r}: not a version or an ISO time") from None
                if version.tzinfo is None:
                    version = version.replace(tzinfo=UTC)
        try:
            dt = self.load(table, version)
        except Exception as exc:
            raise TargetError(f"{table}: no version at {as_of}: {exc}") from None
        if dt is None:
            raise TargetError(f"no table {table!r} in {self.uri.display}")
        data = dt.to_pyarrow_table()
        return data.slice(0, limit) if limit is not None else data

    def session(self) -> CheckSession:
        return LakeSession(self._register)

    def _register(self, connection: duckdb.DuckDBPyConnection, table: str, view: str) -> bool:
        dt = self.load(table)
        if dt is None:
            return False
        connection.register(view, dt.to_pyarrow_dataset())
        return True


class DeltaWriter(KeyLookup, TableWriter):
    target: DeltaTarget

    def prepare(self) -> TableInfo:
        t, plan = self.target, self.plan
        current = t.describe(plan.name) if plan.mode != "replace" else None
        if current is None:
            assert plan.arrow is not None
            schema = plan.arrow
        else:
            schema = current.arrow
            for change in plan.alterations:
                if change.action == "add":
                    schema = schema.append(pa.field(change.column, change.arrow))
                elif change.action == "retype":
                    raise TargetError(
                        f"Delta cannot change the type of {plan.name}.{change.column} in place",
                        hint="use --mode replace, or --on-schema-change reject-rows",
                    )
        self.schema = schema
        self.replace_spool = Spool(schema) if plan.mode == "replace" else None
        self.replace_units: list[dict[str, Any]] = []
        self.rejects_by_unit: dict[str, list[pa.RecordBatch]] = {}
        table = plan.table
        needed = frozenset(f.name for f in columns(table) if required(f, table))
        return TableInfo(
            arrow=schema, required=needed & set(schema.names), rows=current.rows if current else 0
        )

    def begin(self, unit_id: str) -> None:
        self.close_lookup()  # the table changed since the last unit
        self.unit = unit_id
        self.spool = self.replace_spool or Spool(self.schema)
        self.rejects: list[pa.RecordBatch] = []

    def write(self, batch: pa.RecordBatch) -> None:
        self.spool.write(batch)

    def reject(self, batch: pa.RecordBatch) -> None:
        self.rejects.append(batch)

    def _properties(self, units: list[dict[str, Any]], replace: bool = False) -> Any:
        metadata = {
            UNITS: json.dumps(units, sort_keys=True),
            TABLE: self.plan.table.model_dump_json(exclude_defaults=True),
        }
        if replace:
            metadata[REPLACE] = "true"
        return self.target.deltalake.CommitProperties(custom_metadata=metadata)

    def _write_rejects(self, unit: str, batches: list[pa.RecordBatch]) -> None:
        path = self.target.path(rejects_table(self.plan.name))
        dl = self.target.deltalake
        exists = dl.DeltaTable.is_deltatable(path)
        if exists:
            dl.DeltaTable(path).delete(f"unit_id = '{unit}'")  # a hex id: nothing to escape
        if batches:
            dl.write_deltalake(
                path, pa.Table.from_batches(batches, schema=REJECTS_SCHEMA), mode="append"
            )

    def commit(self, record: UnitRecord) -> CommitResult:
        dl = self.target.deltalake
        path = self.target.path(self.plan.name)
        if self.replace_spool is not None:
            self.replace_units.append(record.to_dict())
            self.rejects_by_unit[record.unit_id] = self.rejects
            return CommitResult(inserted=record.rows_loaded)
        self._write_rejects(record.unit_id, self.rejects)
        data = self.spool.table()
        properties = self._properties([record.to_dict()])
        try:
            if self.plan.mode == "merge" and dl.DeltaTable.is_deltatable(path):
                quoted = [k.replace("`", "``") for k in self.plan.key]
                on = " AND ".join(f"t.`{k}` = s.`{k}`" for k in quoted)
                metrics = (
                    dl.DeltaTable(path)
                    .merge(
                        data, on, source_alias="s", target_alias="t", commit_properties=properties
                    )
                    .when_matched_update_all()
                    .when_not_matched_insert_all()
                    .execute()
                )
                return CommitResult(
                    inserted=int(metrics.get("num_target_rows_inserted", 0)),
                    updated=int(metrics.get("num_target_rows_updated", 0)),
                )
            dl.write_deltalake(
                path, data, mode="append", schema_mode="merge", commit_properties=properties
            )
        finally:
            self.spool.discard()
        return CommitResult(inserted=data.num_rows)

    def abort(self) -> None:
        spool = getattr(self, "spool", None)
        if spool is not None and self.replace_spool is None:
            spool.discard()

    def finish(self) -> None:
        if self.replace_spool is None:
            return
        data = self.replace_spool.table()
        try:
            self.target.deltalake.write_deltalake(
                self.target.path(self.plan.name),
                data,
                mode="overwrite",
                schema_mode="overwrite",
                commit_properties=self._properties(self.replace_units, replace=True),
            )
        finally:
            self.replace_spool.discard()
        for unit, batches in self.rejects_by_unit.items():
            self._write_rejects(unit, batches)
