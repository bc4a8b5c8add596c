"""Loading one table: plan it against the target, then one source file (unit) at a time."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from assay.errors import InputError, TargetError, UsageError
from assay.pipeline.checks import check_batch, rules_for
from assay.pipeline.dedupe import HashIndex, first_seen, row_hashes
from assay.pipeline.rejects import BatchContext, Rejection, quarantined_rows, rejected_rows
from assay.pipeline.report import AccountingError, TableReport
from assay.pipeline.resolve import StreamRef, TableJob
from assay.quality.rules import columns
from assay.schema import Schema, Table
from assay.sources import QuarantinedRecord, Source, SourceBatch
from assay.sources.source import ReadOptions
from assay.targets.arrow_types import ArrowTypes
from assay.targets.base import TableInfo, TablePlan, TableWriter, Target
from assay.targets.convert import ColumnSpec, ConversionPlan, convert_batch
from assay.targets.evolve import plan_evolution
from assay.targets.ledger import UnitRecord, fingerprint, unit_id
from assay.targets.naming import source_column

if TYPE_CHECKING:
    from assay.pipeline.load import LoadOptions

log = logging.getLogger(__name__)
COALESCE_ROWS = 65_536


class LoadFailedError(InputError):
    """``--on-error fail``: the first row that could not be loaded stops the load."""

    code = "rejected_row"


def conversion_plan(table: Table, info: TableInfo, extra: set[str]) -> ConversionPlan:
    """The table's columns as the target holds them, each filled from its source column."""
    fields = {f.name: f for f in columns(table)}
    specs = []
    for target_field in info.arrow:
        name = target_field.name
        f = fields.get(name)
        if f is None:  # in the table, not in the data: nulls (rejected where required)
            from assay.schema import Field
            from assay.targets.arrow_types import logical_type

            f = Field(name=name, path=name, type=logical_type(target_field.type))
            source = None
        else:
            source = source_column(f)
        specs.append(
            ColumnSpec(
                name=name,
                source=source,
                field=f,
                target=target_field.type,
                required=name in info.required,
                uuid=name in info.uuid,
            )
        )
    for name in sorted(extra):  # reject-rows: a value for a column the table lacks
        f = fields[name]
        specs.append(
            ColumnSpec(name=f"\0{name}", source=source_column(f), field=f, target=pa.string())
        )
    return ConversionPlan(tuple(specs))


def coalesce(batches: Iterator[SourceBatch], rows: int = COALESCE_ROWS) -> Iterator[SourceBatch]:
    """Consecutive batches of one stream joined to about ``rows`` rows (fewer, larger
    batches: the per-batch work is vectorized, its fixed cost is not).  Batches whose
    columns differ (JSON chunks with other keys) are not joined."""
    parts: list[SourceBatch] = []
    size = 0
    for batch in batches:
        if parts and batch.data.schema != parts[0].data.schema:
            yield _joined(parts)
            parts, size = [], 0
        if not parts and batch.num_rows >= rows:
            yield batch  # large enough already: no copy
            continue
        parts.append(batch)
        size += batch.num_rows
        if size >= rows:
            yield _joined(parts)
            parts, size = [], 0
    if parts:
        yield _joined(parts)


def _joined(parts: list[SourceBatch]) -> SourceBatch:
    if len(parts) == 1:
        return parts[0]
    table = pa.Table.from_batches([p.data for p in parts]).combine_chunks()
    data = table.to_batches()[0] if table.num_rows else parts[0].data

    def lines() -> np.ndarray | None:
        found = [p.line_numbers() for p in parts]
        if any(f is None for f in found):
            return None
        return np.concatenate(found)  # type: ignore[arg-type]

    return SourceBatch(data, parts[0].origin, lines)


class TableLoader:
    def __init__(
        self,
        target: Target,
        job: TableJob,
        schema: Schema,
        options: LoadOptions,
        read: ReadOptions,
        load_id: str,
    ) -> None:
        self.target, self.job, self.schema, self.options = target, job, schema, options
        self.read, self.load_id = read, load_id
        self.table = job.table
        self.report = TableReport(self.table.name)
        self.errors: list[str] = []
        self.rows = HashIndex()
        self.keys = HashIndex()
        self.batches = 0

    # ---- planning ---------------------------------------------------------------------
    def plan(self) -> tuple[TablePlan, list[str]]:
        o, t, name = self.options, self.target, self.table.name
        info = t.describe(name) if o.mode != "replace" else None
        key = tuple(o.key) or (self.table.primary_key.fields if self.table.primary_key else ())
        known = {f.name for f in columns(self.table)}
        missing = [k for k in key if k not in known]
        if missing:
            raise UsageError(f"table {name}: no column {missing[0]!r} for --key")
        if o.mode == "merge":
            if not key:
                raise UsageError(f"table {name}: --mode merge needs --key COLS or a primary key")
            if not t.capabilities.merge:
                raise TargetError(f"{t.title} cannot merge: use append or replace")
        if o.mode == "create" and info is not None:
            ours = {self._unit(ref)[0] for ref in self.job.streams}
            done = t.units(name)
            if not done or not set(done) <= ours:
                raise TargetError(
                    f"table {name} already exists in {t.uri.display}",
                    hint="use --mode append, replace or merge",
                )
        extra: list[str] = []
        alterations: tuple = ()
        if info is not None:
            d = getattr(t, "sql_dialect", None)
            sql_type = (lambda f: d.type_text(f)) if d else None
            evolution = plan_evolution(
                name, info, self.table, o.on_schema_change, t.capabilities, sql_type
            )
            alterations = tuple(evolution.alterations)
            extra = evolution.extra_columns
            self.report.schema_changes = evolution.compatible + evolution.incompatible
        arrow = None
        if info is None:
            policy = t.capabilities.arrow
            pk = set(key)
            arrow = pa.schema(
                [
                    pa.field(f.name, ArrowTypes(policy, key=f.name in pk).visit(f.type))
                    for f in columns(self.table)
                ]
            )
        plan = TablePlan(
            name=name,
            table=self.table,
            mode=o.mode,  # type: ignore[arg-type]
            load_id=self.load_id,
            key=key,
            exists=info is not None,
            alterations=alterations,
            partition_by=tuple(o.partition_by),
            arrow=arrow,
        )
        return plan, extra

    def _unit(self, ref: StreamRef) -> tuple[str, str]:
        fp = fingerprint(ref.uri, ref.member, ref.sheet)
        source = (
            ref.uri
            + (f"#{ref.member}" if ref.member else "")
            + (f"#{ref.sheet}" if ref.sheet else "")
        )
        return unit_id(self.table.name, source, fp), fp

    # ---- running ----------------------------------------------------------------------
    def run(self) -> TableReport:
        plan, extra = self.plan()
        writer = self.target.writer(plan)
        info = writer.prepare()
        self.info = info
        self.conversion = conversion_plan(self.table, info, set(extra))
        self.key = plan.key
        self.check_target_keys = bool(plan.key) and plan.mode != "merge" and bool(info.rows)
        self.rules = rules_for(self.table, self.schema) if self.options.check_before_load else []
        self.session = self.target.session() if self.rules else None
        done = self.target.units(self.table.name) if plan.mode != "replace" else {}
        try:
            for ref in self.job.streams:
                uid, fp = self._unit(ref)
                if uid in done:
                    self.report.files_skipped += 1
                    self._progress(f"{ref.uri} → {self.table.name}: already loaded, skipped")
                    continue
                self.report.files += 1
                self.report.bytes_read += ref.size or 0
                self.load_unit(writer, ref, uid, fp)
            writer.finish()
        except BaseException:
            writer.abort()
            raise
        finally:
            if self.session is not None:
                self.session.close()
            close = getattr(writer, "close_lookup", None)
            if close is not None:
                close()
        return self.report

    def _progress(self, text: str) -> None:
        log.info(text)
        if self.options.progress is not None:
            self.options.progress(text)

    def load_unit(self, writer: TableWriter, ref: StreamRef, uid: str, fp: str) -> None:
        quarantined: list[QuarantinedRecord] = []
        source = Source([ref.uri], self.read, quarantine=quarantined.append)
        counts = {"read": 0, "loaded": 0, "rejected": 0, "duplicates": 0}
        self._progress(f"loading {ref.uri} → {self.table.name}")
        writer.begin(uid)
        try:
            for stream in source.streams():
                if not ref.matches(stream):
                    continue
                self.skipped: list[int] = []  # record numbers the reader set aside
                for batch in coalesce(stream.batches()):
                    self.batches += 1
                    context = BatchContext(self.load_id, f"{self.load_id}/{self.batches}", uid)
                    self._flush(writer, quarantined, context, counts)
                    self.load_batch(writer, batch, context, counts)
                context = BatchContext(self.load_id, f"{self.load_id}/{self.batches}", uid)
                self._flush(writer, quarantined, context, counts)
            if source.errors:
                raise source.errors[0]
            record = UnitRecord(
                unit_id=uid,
                table_name=self.table.name,
                source_uri=ref.uri,
                fingerprint=fp,
                load_id=self.load_id,
                mode=self.options.mode,
                rows_read=counts["read"],
                rows_loaded=counts["loaded"],
                rows_rejected=counts["rejected"],
                duplicates_skipped=counts["duplicates"],
                finished_at=datetime.now(UTC).isoformat(timespec="seconds"),
            )
            result = writer.commit(record)
        except BaseException:
            writer.abort()
            raise
        r = self.report
        r.rows_read += counts["read"]
        r.rows_loaded += counts["loaded"]
        r.rows_rejected += counts["rejected"]
        r.duplicates_skipped += counts["duplicates"]
        r.rows_inserted += result.inserted
        r.rows_updated += result.updated
        self._progress(
            f"committed {ref.uri} → {self.table.name}: read {counts['read']:,}, loaded "
            f"{counts['loaded']:,}, rejected {counts['rejected']:,}, duplicates "
            f"{counts['duplicates']:,}"
        )

    def _flush(
        self,
        writer: TableWriter,
        records: list[QuarantinedRecord],
        context: BatchContext,
        counts: dict[str, int],
    ) -> None:
        if not records:
            return
        if self.options.on_error == "fail":
            first = records[0]
            raise LoadFailedError(first.reason, path=first.uri, line=first.line, code=first.code)
        writer.reject(quarantined_rows(records, context))
        self.skipped += [r.record for r in records if r.record is not None]
        for record in records:
            self.report.rejected_by_reason[record.code] += 1
        counts["read"] += len(records)
        counts["rejected"] += len(records)
        records.clear()

    def load_batch(
        self, writer: TableWriter, batch: SourceBatch, context: BatchContext, counts: dict[str, int]
    ) -> None:
        raw = batch.data
        n = raw.num_rows
        counts["read"] += n
        typed, errors = convert_batch(raw, self.conversion)
        bad = np.zeros(n, dtype=bool)
        bad[errors.rows] = True
        rejections: list[Rejection] = []
        if self.key:
            # One index: key hash → hash of the whole row as read.  The same key with the
            # same row is a duplicate; with another row, a duplicate key.
            duplicate, conflict = self._seen_keys(raw, typed, ~bad)
            if conflict.any():
                rows = np.flatnonzero(conflict)
                rejections.append(
                    Rejection.same(
                        rows,
                        "duplicate_key",
                        f"key ({', '.join(self.key)}) appears more than once in this load",
                        column=self.key[0],
                    )
                )
        else:
            duplicate = first_seen(row_hashes(raw), self.rows, np.ones(n, dtype=bool))
            bad &= ~duplicate
            conflict = np.zeros(n, dtype=bool)
        ok = ~bad & ~duplicate & ~conflict
        if len(errors):
            keep = ~duplicate[errors.rows]
            rows = errors.rows[keep]
            pick = np.flatnonzero(keep)
            rejections.append(
                Rejection(
                    rows,
                    [errors.column[i].lstrip("\0") for i in pick],
                    [errors.reason[i] for i in pick],
                    [errors.value[i] for i in pick],
                    [errors.message[i].replace("\0", "") for i in pick],
                    [None] * len(rows),
                )
            )
        if self.check_target_keys and ok.any():
            rejections += self._in_target(typed, ok, writer)
        extra = [c.name for c in self.conversion.columns if c.name.startswith("\0")]
        for name in extra:  # --on-schema-change reject-rows: no column for these values
            present = np.asarray(typed.column(name).is_valid(), dtype=bool) & ok
            if present.any():
                rows = np.flatnonzero(present)
                values = pc.take(typed.column(name), pa.array(rows)).to_pylist()
                column = name.lstrip("\0")
                rejections.append(
                    Rejection.same(
                        rows,
                        "unknown_column",
                        f"{column}: the table has no such column",
                        column=column,
                        values=values,
                    )
                )
                ok &= ~present
        if extra:
            typed = typed.drop_columns(extra)
        if self.rules and ok.any():
            rejections += self._rule_failures(typed, ok)
        for rejection in rejections:
            if self.options.on_error == "fail" and len(rejection):
                self._fail(batch, rejection)
            if len(rejection):
                writer.reject(rejected_rows(batch, rejection, context, self.skipped))
                for reason in rejection.reason:
                    self.report.rejected_by_reason[reason] += 1
        loaded = int(ok.sum())
        if loaded:
            writer.write(typed if loaded == n else typed.filter(pa.array(ok)))
        counts["loaded"] += loaded
        counts["rejected"] += sum(len(r) for r in rejections)
        counts["duplicates"] += int(duplicate.sum())
        if loaded + sum(len(r) for r in rejections) + int(duplicate.sum()) != n:
            raise AccountingError(
                f"{batch.origin.uri}: a batch of {n} rows was not fully accounted for",
                hint="this is a bug in assay; please report it",
            )

    def _seen_keys(
        self, raw: pa.RecordBatch, typed: pa.RecordBatch, candidates: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        n = raw.num_rows
        duplicate = np.zeros(n, dtype=bool)
        conflict = np.zeros(n, dtype=bool)
        rows = np.flatnonzero(candidates)
        if len(rows) == 0:
            return duplicate, conflict
        keys = row_hashes(typed, list(self.key))[rows]
        whole = row_hashes(raw)[rows]
        found, stored = self.keys.insert(keys, whole)
        duplicate[rows[found & (stored == whole)]] = True
        conflict[rows[found & (stored != whole)]] = True
        return duplicate, conflict

    def _in_target(
        self, typed: pa.RecordBatch, ok: np.ndarray, writer: TableWriter
    ) -> list[Rejection]:
        """Rows whose key the table held before this load (unless merging)."""
        rows = np.flatnonzero(ok)
        keys = pa.Table.from_batches([typed]).select(list(self.key)).take(pa.array(rows))
        found = writer.existing_keys(keys)
        if found is None or not pc.any(found).as_py():
            return []
        hits = rows[np.asarray(found.to_numpy(zero_copy_only=False), dtype=bool)]
        ok[hits] = False
        return [
            Rejection.same(
                hits,
                "duplicate_key",
                f"key ({', '.join(self.key)}) is already in the table; "
                "use --mode merge to update rows",
                column=self.key[0],
            )
        ]

    def _rule_failures(self, typed: pa.RecordBatch, ok: np.ndarray) -> list[Rejection]:
        assert self.session is not None
        rows = np.flatnonzero(ok)
        data = pa.Table.from_batches([typed]).take(pa.array(rows))
        relations = {
            t.name: rel
            for t in self.schema.tables
            if t.name != self.table.name and (rel := self.session.relation(t.name)) is not None
        }
        failing, results = check_batch(self.session, self.rules, self.table.name, data, relations)
        for result in results:
            if result.status == "failed" and not result.critical:
                self.report.warnings.append(f"{result.id}: {result.failed} row(s) before load")
        if not failing:
            return []
        picked = sorted(failing)
        hit = rows[picked]
        ok[hit] = False
        rules = [failing[i] for i in picked]
        return [
            Rejection(
                hit,
                [r.columns[0] if r.columns else None for r in rules],
                [r.code for r in rules],
                [None] * len(hit),
                [r.message for r in rules],
                [r.id for r in rules],
            )
        ]

    def _fail(self, batch: SourceBatch, rejection: Rejection) -> None:
        lines = batch.line_numbers()
        row = int(rejection.rows[0])
        line = int(lines[row]) if lines is not None else None
        raise LoadFailedError(
            rejection.message[0],
            path=batch.origin.uri,
            line=line,
            field=rejection.column[0],
            code=rejection.reason[0],
            hint="--on-error fail stops at the first row that cannot be loaded; "
            "quarantine sends such rows to the rejects table",
        )
