"""``load(inputs, ...)``: inputs → typed tables in a target, every row accounted for.

For each table (parents before children) and each of its source files (a *unit*):

1. skip the file when the target's ledger says this exact file was loaded already;
2. read batches; records the reader could not parse are rejected with their reason;
3. convert each batch to the table's types (:mod:`assay.targets.convert`);
4. skip exact duplicate rows, reject rows whose key was already loaded (in this load,
   or in the target unless merging), and with ``check_before_load`` rows failing a
   critical quality rule;
5. write the rest and the rejects, then commit the unit with its ledger record.

Then the quality rules run against the loaded tables.  Every table, and the whole
load, must satisfy rows read = loaded + rejected + duplicates skipped.
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from assay.errors import InputError, TargetError, UsageError
from assay.pipeline.checks import rules_for, run_rules
from assay.pipeline.report import LoadReport, TableReport
from assay.pipeline.resolve import TableJob, resolve
from assay.pipeline.unit import TableLoader
from assay.quality import Rule
from assay.schema import Schema
from assay.sources.source import ReadOptions
from assay.targets import MODES, Target, open_target
from assay.targets.evolve import POLICIES
from assay.targets.naming import NAMINGS, Naming

log = logging.getLogger(__name__)
Progress = Callable[[str], None]


@dataclass
class LoadOptions:
    """How to load (see ``assay load --help``)."""

    target: str | None = None
    table: str | None = None
    schema: Schema | None = None  # from --schema / --contract; None: infer
    mode: str = "append"
    key: tuple[str, ...] = ()
    naming: Naming = "snake"
    on_schema_change: str = "compatible"
    on_error: str = "quarantine"  # quarantine | fail
    check_before_load: bool = False
    checks: bool = True
    partition_by: tuple[str, ...] = ()
    assign: dict[str, str] = field(default_factory=dict)  # file URI -> table (with a schema)
    read: dict[str, Any] = field(default_factory=dict)
    infer: dict[str, Any] = field(default_factory=dict)
    progress: Progress | None = None

    def validate(self) -> None:
        for value, valid, name in (
            (self.mode, MODES, "--mode"),
            (self.naming, NAMINGS, "--naming"),
            (self.on_schema_change, POLICIES, "--on-schema-change"),
            (self.on_error, ("quarantine", "fail"), "--on-error"),
        ):
            if value not in valid:
                raise UsageError(
                    f"invalid {name} {value!r}", hint="valid values are: " + ", ".join(valid)
                )
        if self.key and self.mode != "merge":
            raise UsageError("--key is for --mode merge")


def new_load_id() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ") + "-" + secrets.token_hex(3)


def load(inputs: str | list[str], options: LoadOptions | None = None, **kwargs: Any) -> LoadReport:
    """Load files into a target; returns the report (raises on a failed load).

    >>> import tempfile, pathlib
    >>> db = pathlib.Path(tempfile.mkdtemp()) / "shop.duckdb"
    >>> report = load("examples/shop/customers.csv", target=f"duckdb:///{db}")
    >>> t = report.totals()
    >>> t["rows_read"] == t["rows_loaded"] + t["rows_rejected"] + t["duplicates_skipped"]
    True
    """
    opts = options or LoadOptions(**kwargs)
    opts.validate()
    started = time.monotonic()
    paths = inputs if isinstance(inputs, list) else [inputs]
    # One large batch per CSV chunk (parsed on the reader's thread while the previous
    # one converts), as inference reads: no joining copies.
    read = ReadOptions.from_kwargs(**{"threads": 1, **opts.read, "on_error": opts.on_error})
    load_id = new_load_id()
    with open_target(opts.target) as target:
        table = _table_name(opts.table, getattr(target, "fixed_table", None))
        resolution = resolve(
            paths,
            read,
            schema=opts.schema,
            table=table,
            naming=opts.naming,
            infer_options=opts.infer,
            assign=opts.assign,
        )
        report = LoadReport(target.uri.display, load_id, opts.mode)
        report.errors += [str(e) for e in resolution.errors]
        counted: dict[str, dict[Rule, int] | None] = {}
        for job in resolution.jobs:
            loader = TableLoader(target, job, resolution.schema, opts, read, load_id)
            table_report = loader.run()
            report.tables.append(table_report)
            report.errors += loader.errors
            table_report.check_invariant()
            name = job.table.name
            counts = loader.counted.counts() if loader.counted is not None else None
            counted[name] = None if name in counted else counts  # two jobs: scan
        if opts.checks:
            names = [j.table.name for j in resolution.jobs]
            check_tables(target, resolution.schema, names, report, counted)
    report.seconds = time.monotonic() - started
    return report


def _table_name(given: str | None, fixed: str | None) -> str | None:
    """``--table``, or the table the target URI names (``iceberg:///ns.orders``)."""
    if given and fixed and given != fixed:
        raise UsageError(f"--table {given} contradicts the target's table {fixed}")
    return given or fixed


def check_tables(
    target: Target,
    schema: Schema,
    names: list[str],
    report: LoadReport,
    counted: dict[str, dict[Rule, int] | None] | None = None,
) -> None:
    """Run every table's quality rules against the target, into the table reports
    (``counted``: failing rows already counted on the loaded batches, per table)."""
    session = target.session()
    try:
        relations = {
            t.name: rel for t in schema.tables if (rel := session.relation(t.name)) is not None
        }
        by_name = {t.table: t for t in report.tables}
        for name in names:
            rules = rules_for(schema.table(name), schema)
            results = run_rules(session, rules, relations, counted=(counted or {}).get(name))
            if name in by_name:
                by_name[name].checks = results
    finally:
        session.close()


def check(
    target_uri: str | None, schema: Schema, tables: list[str] | None = None
) -> list[TableReport]:
    """``assay check``: the schema's rules against tables already in a target."""
    names = tables or [t.name for t in schema.tables]
    unknown = [n for n in names if n not in {t.name for t in schema.tables}]
    if unknown:
        raise UsageError(
            f"no table {unknown[0]!r} in the contract",
            hint="its tables are: " + ", ".join(t.name for t in schema.tables),
        )
    with open_target(target_uri) as target:
        session = target.session()
        try:
            relations = {
                t.name: rel for t in schema.tables if (rel := session.relation(t.name)) is not None
            }
            out = []
            for name in names:
                if name not in relations:
                    raise TargetError(f"table {name!r} not found in {target.uri.display}")
                report = TableReport(name)
                report.checks = run_rules(session, rules_for(schema.table(name), schema), relations)
                out.append(report)
            return out
        finally:
            session.close()


__all__ = ["InputError", "LoadOptions", "TableJob", "check", "load"]
