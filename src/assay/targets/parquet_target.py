"""Parquet (``parquet:///dir``): one directory per table, zstd files, a manifest.

Layout: ``dir/TABLE/part-UNIT-N.parquet`` (``dir/TABLE/COL=VALUE/…`` with
``--partition-by COL``; the column stays inside the files too), rejects in
``dir/TABLE__rejects/``, and ``dir/TABLE/_assay_manifest.json``: the table's logical
schema, its Arrow schema and, per finished unit, its ledger record and files.

Files are written under a temporary name and renamed when their source file is
complete; the manifest, replaced atomically, is the commit.  Files no manifest lists
(left by a crash between the renames and the manifest) are removed by the next load.
Readers should take the file list from the manifest, or glob ``*.parquet`` and read
by column name (schema evolution adds columns: ``union_by_name`` in DuckDB).
"""

from __future__ import annotations

import base64
import json
import os
import shutil
from pathlib import Path
from urllib.parse import quote

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from assay.errors import TargetError
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
from assay.targets.lake import KeyLookup, LakeSession
from assay.targets.ledger import REJECTS_SUFFIX, UnitRecord, rejects_table
from assay.targets.uri import TargetUri

MANIFEST = "_assay_manifest.json"
FILE_ROWS = 1_000_000  # rows per file (a file holds several row groups)
ROW_GROUP = 128 * 1024


class ParquetTarget(Target):
    scheme = "parquet"
    title = "Parquet"
    capabilities = Capabilities(
        transactions=False,
        merge=False,
        add_columns=True,
        widen_types=True,
        retype_to_text=True,
        time_travel=False,
        sql=False,
        enforces_keys=False,
        arrow=ArrowPolicy(nested="native"),
    )

    def __init__(self, uri: TargetUri) -> None:
        super().__init__(uri)
        self.root = uri.local_path()
        make_folder(self.root, uri)

    def directory(self, table: str) -> Path:
        if not table or "/" in table or table in (".", ".."):
            raise TargetError(f"not a usable table name for a directory: {table!r}")
        return self.root / table

    def manifest(self, table: str) -> dict | None:
        path = self.directory(table) / MANIFEST
        if not path.is_file():
            return None
        return json.loads(path.read_text(encoding="utf-8"))

    def save_manifest(self, table: str, manifest: dict) -> None:
        directory = self.directory(table)
        directory.mkdir(parents=True, exist_ok=True)
        temporary = directory / (MANIFEST + ".tmp")
        temporary.write_text(json.dumps(manifest, indent=1, sort_keys=True), encoding="utf-8")
        os.replace(temporary, directory / MANIFEST)

    def files(self, table: str) -> list[str]:
        """The committed files of a table (a rejects table's files are in its table's
        manifest)."""
        manifest = self.manifest(table)
        if manifest is not None:
            directory = self.directory(table)
            return [str(directory / f) for u in manifest["units"].values() for f in u["files"]]
        if table.endswith(REJECTS_SUFFIX):
            owner = self.manifest(table[: -len(REJECTS_SUFFIX)])
            if owner is not None:
                return [str(self.root / f) for u in owner["units"].values() for f in u["rejects"]]
        return []

    # ---- introspection ------------------------------------------------------------------
    def describe(self, table: str) -> TableInfo | None:
        manifest = self.manifest(table)
        if manifest is None:
            return None
        schema = pa.ipc.read_schema(pa.py_buffer(base64.b64decode(manifest["arrow_schema"])))
        logical = Table.model_validate(manifest["table"])
        needed = frozenset(f.name for f in columns(logical) if required(f, logical))
        rows = sum(u["record"]["rows_loaded"] for u in manifest["units"].values())
        return TableInfo(arrow=schema, required=needed, rows=rows)

    def units(self, table: str) -> dict[str, UnitRecord]:
        manifest = self.manifest(table) or {"units": {}}
        return {k: UnitRecord.from_dict(u["record"]) for k, u in manifest["units"].items()}

    def recorded_table(self, table: str) -> Table | None:
        manifest = self.manifest(table)
        return Table.model_validate(manifest["table"]) if manifest else None

    def writer(self, plan: TablePlan) -> TableWriter:
        if plan.mode == "merge":
            raise TargetError("Parquet files cannot merge rows: use delta:// or iceberg://")
        return ParquetWriter(self, plan)

    def scan(self, table: str, *, as_of: str | None = None, limit: int | None = None) -> pa.Table:
        self.no_time_travel(as_of)
        files = self.files(table)
        if not files:
            raise TargetError(f"no table {table!r} in {self.uri.display}")
        connection = duckdb.connect(":memory:")
        connection.execute("SET enable_progress_bar = false")
        self._register(connection, table, "scanned")
        sql = "SELECT * FROM scanned" + (f" LIMIT {int(limit)}" if limit is not None else "")
        return connection.sql(sql).to_arrow_table()

    def session(self) -> CheckSession:
        return LakeSession(self._register)

    def _register(self, connection: duckdb.DuckDBPyConnection, table: str, view: str) -> bool:
        files = self.files(table)
        if not files:
            return False
        listed = ", ".join("'" + f.replace("'", "''") + "'" for f in files)
        connection.execute(
            f"CREATE OR REPLACE VIEW {view} AS SELECT * FROM read_parquet([{listed}], "
            "union_by_name = true)"
        )
        return True


class ParquetWriter(KeyLookup, TableWriter):
    target: ParquetTarget

    def __init__(self, target: ParquetTarget, plan: TablePlan) -> None:
        super().__init__(target, plan)
        self.directory = target.directory(plan.name)
        self.rejects_dir = target.directory(rejects_table(plan.name))
        self.manifest = target.manifest(plan.name) or {"units": {}}
        self.new_units: dict[str, dict] = {}
        self.pending: list[pa.RecordBatch] = []
        self.pending_rows = 0
        self.temporary: list[Path] = []

    def prepare(self) -> TableInfo:
        self.directory.mkdir(parents=True, exist_ok=True)
        if self.plan.mode == "replace":
            self.manifest = {"units": {}}
        self._clean_orphans(self.target.manifest(self.plan.name) or {"units": {}})
        current = self.target.describe(self.plan.name) if self.plan.mode != "replace" else None
        if current is None or self.plan.mode == "replace":
            assert self.plan.arrow is not None
            schema = self.plan.arrow
        else:
            schema = current.arrow
            for change in self.plan.alterations:
                if change.action == "add":
                    schema = schema.append(pa.field(change.column, change.arrow))
                elif change.action == "retype":
                    i = schema.get_field_index(change.column)
                    schema = schema.set(i, pa.field(change.column, change.arrow))
        self.schema = schema
        table = self.plan.table
        needed = frozenset(f.name for f in columns(table) if required(f, table))
        return TableInfo(
            arrow=schema, required=needed & set(schema.names), rows=current.rows if current else 0
        )

    def _clean_orphans(self, manifest: dict) -> None:
        listed = {f for u in manifest["units"].values() for f in u["files"] + u.get("rejects", [])}
        for base in (self.directory, self.rejects_dir):
            if not base.is_dir():
                continue
            for path in base.rglob("*"):
                relative = str(
                    path.relative_to(
                        self.directory if base == self.directory else self.rejects_dir.parent
                    )
                )
                orphan = path.name.startswith("part-") and relative not in listed
                if path.is_file() and (path.name.endswith(".tmp") or orphan):
                    path.unlink()

    def begin(self, unit_id: str) -> None:
        self.close_lookup()  # the table changed since the last unit
        self.unit = unit_id
        self.sequence = 0
        self.files: list[str] = []
        self.rejects: list[str] = []
        self.temporary = []
        self.loaded = 0

    def write(self, batch: pa.RecordBatch) -> None:
        self.pending.append(batch)
        self.pending_rows += batch.num_rows
        if self.pending_rows >= FILE_ROWS:
            self._flush()

    def _flush(self) -> None:
        if not self.pending:
            return
        data = pa.Table.from_batches(self.pending, schema=self.pending[0].schema)
        self.pending, self.pending_rows = [], 0
        for relative, part in self._partitions(data):
            self._write_file(self.directory, relative, part, self.files)

    def _partitions(self, data: pa.Table) -> list[tuple[str, pa.Table]]:
        name = f"part-{self.unit}-{self.sequence:05d}.parquet"
        self.sequence += 1
        if not self.plan.partition_by:
            return [(name, data)]
        keys = self.plan.partition_by
        missing = [k for k in keys if k not in data.column_names]
        if missing:
            raise TargetError(
                f"--partition-by: table {self.plan.name} has no column {missing[0]!r}"
            )
        groups = data.group_by(list(keys)).aggregate([]).to_pylist()
        out = []
        for values in groups:
            mask = None
            parts = []
            for k in keys:
                column = data.column(k)
                value = values[k]
                test = pc.is_null(column) if value is None else pc.equal(column, value)
                test = pc.fill_null(test, False)
                mask = test if mask is None else pc.and_(mask, test)
                text = "__HIVE_DEFAULT_PARTITION__" if value is None else quote(str(value), safe="")
                parts.append(f"{k}={text}")
            out.append(("/".join([*parts, name]), data.filter(mask)))
        return out

    def _write_file(self, base: Path, relative: str, data: pa.Table, listed: list[str]) -> None:
        final = base / relative
        final.parent.mkdir(parents=True, exist_ok=True)
        temporary = final.with_name(final.name + ".tmp")
        pq.write_table(data, temporary, compression="zstd", row_group_size=ROW_GROUP)
        self.temporary.append(temporary)
        listed.append(relative)

    def reject(self, batch: pa.RecordBatch) -> None:
        name = f"{self.rejects_dir.name}/part-{self.unit}-{len(self.rejects):05d}.parquet"
        self._write_file(
            self.rejects_dir.parent, name, pa.Table.from_batches([batch]), self.rejects
        )

    def commit(self, record: UnitRecord) -> CommitResult:
        self._flush()
        for temporary in self.temporary:
            os.replace(temporary, temporary.with_name(temporary.name[: -len(".tmp")]))
        self.temporary = []
        self.manifest["units"][record.unit_id] = {
            "record": record.to_dict(),
            "files": self.files,
            "rejects": self.rejects,
        }
        self._save()
        return CommitResult(inserted=record.rows_loaded)

    def _save(self) -> None:
        self.manifest["table"] = self.plan.table.model_dump(mode="json", exclude_defaults=True)
        self.manifest["arrow_schema"] = base64.b64encode(self.schema.serialize()).decode()
        self.manifest["format"] = "assay-parquet/1"
        self.target.save_manifest(self.plan.name, self.manifest)

    def abort(self) -> None:
        for temporary in self.temporary:
            temporary.unlink(missing_ok=True)
        self.temporary, self.pending, self.pending_rows = [], [], 0

    def finish(self) -> None:
        self._save()
        if self.plan.mode == "replace":
            self._clean_orphans(self.manifest)
            for path in sorted(self.directory.rglob("*"), reverse=True):
                if path.is_dir() and not any(path.iterdir()):
                    shutil.rmtree(path, ignore_errors=True)
