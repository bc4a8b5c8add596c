"""Loading one table: plan it against the target, then one source file (unit) at a time."""

from __future__ import annotations

import logging
from collections import Counter
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from assay.errors import InputError
from assay.pipeline.batches import LoadFailedError, coalesce, conversion_plan
from assay.pipeline.checks import check_batch, rules_for
from assay.pipeline.counted import RuleCounts
from assay.pipeline.dedupe import HashIndex, first_seen, key_and_row_hashes, row_hashes
from assay.pipeline.plan import plan_table, unit_of
from assay.pipeline.rejects import BatchContext, Rejection, quarantined_rows, rejected_rows
from assay.pipeline.report import AccountingError, TableReport
from assay.pipeline.resolve import StreamRef, TableJob
from assay.schema import Schema
from assay.sources import QuarantinedRecord, Source, SourceBatch
from assay.sources.source import ReadOptions
from assay.targets.base import TableWriter, Target
from assay.targets.conversion import convert_batch
from assay.targets.ledger import UnitRecord

if TYPE_CHECKING:
    from assay.pipeline.loading import LoadOptions

log = logging.getLogger(__name__)


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

    # ---- running ----------------------------------------------------------------------
    def run(self) -> TableReport:
        plan, extra, changes = plan_table(self.target, self.job, self.options, self.load_id)
        self.report.schema_changes = changes
        writer = self.target.writer(plan)
        info = writer.prepare()
        self.info = info
        self.conversion = conversion_plan(self.table, info, set(extra))
        self.key = plan.key
        self.check_target_keys = bool(plan.key) and plan.mode != "merge" and bool(info.rows)
        self.rules = rules_for(self.table, self.schema) if self.options.check_before_load else []
        self.session = self.target.session() if self.rules else None
        self.counted = (
            RuleCounts.of(self.target, plan, info, rules_for(self.table, self.schema))
            if self.options.checks
            else None
        )
        done = self.target.units(self.table.name) if plan.mode != "replace" else {}
        try:
            for ref in self.job.streams:
                uid, fp = unit_of(self.table.name, ref)
                if uid in done:
                    self.report.files_skipped += 1
                    self._progress(f"{ref.uri} → {self.table.name}: already loaded, skipped")
                    continue
                self.report.files += 1
                self.report.bytes_read += ref.size or 0
                try:
                    self.load_unit(writer, ref, uid, fp)
                except LoadFailedError:
                    raise
                except InputError as exc:  # a broken file (truncated …): the others go on
                    if plan.mode == "replace":
                        raise  # a replace is all or nothing
                    self.errors.append(str(exc))
                    self.report.files -= 1
                    self._progress(f"failed {ref.uri} → {self.table.name}: nothing loaded")
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
        self.reasons: Counter[str] = Counter()  # this unit's rejects by reason
        self._progress(f"loading {ref.uri} → {self.table.name}")
        writer.begin(uid)
        try:
            for stream in source.streams():
                if not ref.matches(stream):
                    continue
                self.skipped: list[int] = []  # record numbers the reader set aside
                for batch in coalesce(stream.batches()):
                    if self.batches == 0 and ref.size:
                        self._reserve(ref.size, batch.data)
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
            if self.counted is not None:
                self.counted.discard()
            raise
        if self.counted is not None:
            self.counted.commit()
        r = self.report
        r.rejected_by_reason.update(self.reasons)
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

    def _reserve(self, size: int, first: pa.RecordBatch) -> None:
        """Size the duplicate index once for the rows the file should hold (its size over
        the first batch's bytes per row, an estimate: offsets make it low)."""
        if first.num_rows and first.nbytes:
            rows = size * first.num_rows // first.nbytes
            (self.keys if self.key else self.rows).reserve(rows)

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
            self.reasons[record.code] += 1
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
                    self.reasons[reason] += 1
        loaded = int(ok.sum())
        if loaded:
            written = typed if loaded == n else typed.filter(pa.array(ok))
            writer.write(written)
            if self.counted is not None:  # while the engine stores it
                self.counted.add(written)
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
        keys, whole = key_and_row_hashes(typed, list(self.key), raw)
        keys = keys[rows]
        whole = whole[rows].astype(np.uint32)  # 32 bits: compared only on a repeat
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
