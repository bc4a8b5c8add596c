"""Benchmark typed loading against each engine's own bulk path, same run, same file.

Targets (issue 6):

* DuckDB: ``assay load`` of the generated wide CSV (1e6 and 1e7 rows) must reach at
  least 50% of the throughput of DuckDB's ``CREATE TABLE AS SELECT * FROM read_csv(file,
  sample_size=-1)`` (full-scan type detection, like assay's);
* PostgreSQL: at least 60% of ``psql \\copy`` of the same file into a typed table (typed
  as DuckDB's full scan says, so COPY can parse every value);
* Parquet: assay's Parquet writer at least 50% of ``pyarrow.parquet.write_table`` writing
  the same already-typed table (zstd, same row-group size);
* peak memory bounded.

Cases, each in a fresh subprocess (``--child CASE FILE WORK``) timed from the start of
its work (imports excluded) with ``ru_maxrss`` reported:

* ``duckdb-read_csv``, ``psql-copy``, ``pyarrow-write`` — the references;
* ``assay-duckdb`` — ``assay.load(file, duckdb, table)`` exactly as the benchmark harness
  runs ``assay load FILE --to duckdb:///DB --table T``: full-scan inference, conversion,
  load, quality checks;
* ``assay-duckdb-schema``, ``assay-postgres-schema`` — the same with a schema file (no
  inference: what a contract-driven production load does);
* ``assay-postgres`` — with inference;
* ``assay-parquet-writer`` — the typed table through assay's Parquet target writer
  (temporary files, rename, manifest), the output stage the Parquet target adds.

Each file gets N rounds; every round runs each case once, in an order rotated per round,
after the page cache was warmed.  Ratios are paired: per round, reference time / assay
time (= assay's throughput as a share of the reference's), then the median over rounds.

Run::

    python benchmarks/bench_load.py --rows 1e6 1e7 --rounds 3 --rounds-for 1e7=1 [--json out.json]

A PostgreSQL server comes from ``PG*`` variables or is started as in the tests
(``tests/pg_server.py``); ``--skip-postgres`` leaves it out.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))
DATA = Path(os.environ.get("BENCH_WORK", "/tmp/assay-bench")) / "data"
PAIRS = {  # assay case -> its reference
    "assay-duckdb": "duckdb-read_csv",
    "assay-duckdb-schema": "duckdb-read_csv",
    "assay-postgres": "psql-copy",
    "assay-postgres-schema": "psql-copy",
    "assay-parquet-writer": "pyarrow-write",
}
TARGETS = {"duckdb-read_csv": 50.0, "psql-copy": 60.0, "pyarrow-write": 50.0}
ROW_GROUP = 128 * 1024


# ---------------------------------------------------------------------------- children
def peak_rss_mb() -> float:
    """This process's peak resident memory (``VmHWM``: unlike ``ru_maxrss`` it is not
    inherited from the parent across ``exec``)."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def own_cpu() -> float:
    """CPU seconds of this process (all threads) and of the children it waited for (psql)."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def server_cpu(datadir: Path | None) -> float:
    """CPU seconds of the benchmark's own PostgreSQL server: the postmaster, its live
    processes and the backends that exited (reaped into the postmaster's child times)."""
    if datadir is None or not (datadir / "postmaster.pid").exists():
        return 0.0
    postmaster = (datadir / "postmaster.pid").read_text().split()[0]
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid, ppid = stat.parent.name, fields[1]
        if pid == postmaster:
            total += sum(int(x) for x in fields[11:15])  # utime stime cutime cstime
        elif ppid == postmaster:
            total += int(fields[11]) + int(fields[12])
    return total / tick


def child(case: str, file: str, work: str, dsn: str) -> dict[str, Any]:
    work_dir = Path(work)
    schema_file = work_dir / "schema.json"
    typed_file = work_dir / "typed.arrow"
    run_dir = work_dir / f"run-{case}-{time.time_ns()}"
    run_dir.mkdir()
    result: dict[str, Any] = {}
    if case == "duckdb-read_csv":
        import duckdb

        start, cpu_start = time.perf_counter(), own_cpu()
        connection = duckdb.connect(str(run_dir / "ref.duckdb"))
        connection.execute(
            "CREATE TABLE wide AS SELECT * FROM read_csv(?, sample_size = -1)", [file]
        )
        result["rows"] = connection.execute("SELECT count(*) FROM wide").fetchone()[0]
        connection.close()
    elif case == "psql-copy":
        import psycopg

        ddl = (work_dir / "pg_ddl.sql").read_text()
        schema = f"ref_{time.time_ns()}"
        with psycopg.connect(dsn, autocommit=True) as connection:
            connection.execute(f"CREATE SCHEMA {schema}")
            connection.execute(ddl.replace("__SCHEMA__", schema))
        start, cpu_start = time.perf_counter(), own_cpu()
        subprocess.run(
            [
                "psql",
                dsn,
                "-q",
                "-v",
                "ON_ERROR_STOP=1",
                "-c",
                f"\\copy {schema}.wide FROM '{file}' WITH (FORMAT csv, HEADER true)",
            ],
            check=True,
        )
        with psycopg.connect(dsn) as connection:
            result["rows"] = connection.execute(f"SELECT count(*) FROM {schema}.wide").fetchone()[0]
    elif case == "pyarrow-write":
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pa.ipc.open_file(pa.memory_map(str(typed_file))).read_all()
        start, cpu_start = time.perf_counter(), own_cpu()
        pq.write_table(table, run_dir / "out.parquet", compression="zstd", row_group_size=ROW_GROUP)
        result["rows"] = table.num_rows
    elif case == "assay-parquet-writer":
        import pyarrow as pa

        from assay.schema import from_text
        from assay.targets import open_target
        from assay.targets.base import TablePlan
        from assay.targets.ledger import UnitRecord

        table = pa.ipc.open_file(pa.memory_map(str(typed_file))).read_all()
        logical = from_text(schema_file.read_text()).tables[0]
        start, cpu_start = time.perf_counter(), own_cpu()
        with open_target(f"parquet:///{run_dir / 'lake'}") as target:
            plan = TablePlan("wide", logical, "append", "bench", arrow=table.schema)
            writer = target.writer(plan)
            writer.prepare()
            writer.begin("unit")
            for batch in table.to_batches(max_chunksize=131_072):
                writer.write(batch)
            writer.commit(
                UnitRecord(
                    "unit", "wide", file, "-", "bench", "append", table.num_rows, table.num_rows
                )
            )
            writer.finish()
        result["rows"] = table.num_rows
    elif case.startswith("assay-"):
        from assay.pipeline import load
        from assay.schema import from_text

        schema = from_text(schema_file.read_text()) if case.endswith("-schema") else None
        if "postgres" in case:
            target = f"{dsn}?schema=bench_{time.time_ns()}"
        else:
            target = f"duckdb:///{run_dir / 'assay.duckdb'}"
        start, cpu_start = time.perf_counter(), own_cpu()
        report = load(file, target=target, table="wide", schema=schema)
        totals = report.totals()
        result["rows"] = totals["rows_loaded"]
        result["rejected"] = totals["rows_rejected"]
        assert totals["invariant_holds"]
    else:
        raise SystemExit(f"unknown case {case}")
    result["seconds"] = time.perf_counter() - start
    result["cpu_s"] = own_cpu() - cpu_start
    result["peak_rss_mb"] = peak_rss_mb()
    shutil.rmtree(run_dir, ignore_errors=True)
    return result


# ---------------------------------------------------------------------------- parent
def prepare(file: Path, work: Path, dsn: str | None) -> None:
    """Untimed: the schema file, the typed Arrow table, the reference PostgreSQL DDL."""
    import duckdb
    import pyarrow as pa

    from assay.inference.engine import infer
    from assay.pipeline import load
    from assay.schema import to_json
    from assay.targets import open_target

    schema = infer(str(file))
    renamed = schema.model_copy(
        update={"tables": (schema.tables[0].model_copy(update={"name": "wide"}),)}
    )
    (work / "schema.json").write_text(to_json(renamed))
    lake = work / "typed-lake"
    load(str(file), target=f"parquet:///{lake}", table="wide", schema=renamed, checks=False)
    with open_target(f"parquet:///{lake}") as target:
        files = target.files("wide")
    table = pa.concat_tables([pa.parquet.read_table(f) for f in files])
    with (
        pa.OSFile(str(work / "typed.arrow"), "wb") as sink,
        pa.ipc.new_file(sink, table.schema) as writer,
    ):
        writer.write_table(table)
    shutil.rmtree(lake, ignore_errors=True)
    if dsn:
        described = duckdb.sql(
            f"DESCRIBE SELECT * FROM read_csv('{file}', sample_size = -1)"
        ).fetchall()
        pg = {
            "BIGINT": "BIGINT",
            "DOUBLE": "DOUBLE PRECISION",
            "BOOLEAN": "BOOLEAN",
            "DATE": "DATE",
            "TIMESTAMP WITH TIME ZONE": "TIMESTAMPTZ",
            "TIMESTAMP": "TIMESTAMP",
        }
        columns = ", ".join(f'"{name}" {pg.get(kind, "TEXT")}' for name, kind, *_ in described)
        (work / "pg_ddl.sql").write_text(f"CREATE TABLE __SCHEMA__.wide ({columns})")


def run_case(
    case: str, file: Path, work: Path, dsn: str, datadir: Path | None = None
) -> dict[str, Any]:
    started = time.perf_counter()
    server_before = server_cpu(datadir)
    completed = subprocess.run(
        [sys.executable, __file__, "--child", case, str(file), str(work), dsn],
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"{case} failed:\n{completed.stderr[-3000:]}")
    result = json.loads(completed.stdout.strip().splitlines()[-1])
    result["process_seconds"] = time.perf_counter() - started
    time.sleep(0.3)  # the child's backends exit and are reaped
    result["server_cpu_s"] = server_cpu(datadir) - server_before
    return result


def warm(file: Path) -> None:
    with open(file, "rb") as handle:
        while handle.read(1 << 24):
            pass


def bench_file(
    rows: str, rounds: int, cases: list[str], dsn: str, datadir: Path | None = None
) -> dict[str, Any]:
    file = DATA / f"wide_{int(float(rows))}.csv"
    work = Path(os.environ.get("BENCH_WORK", "/tmp/assay-bench")) / f"load-{int(float(rows))}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    prepare(file, work, dsn or None)
    runs: dict[str, list[dict[str, Any]]] = {c: [] for c in cases}
    for r in range(rounds):
        warm(file)
        order = cases[r % len(cases) :] + cases[: r % len(cases)]
        for case in order:
            runs[case].append(run_case(case, file, work, dsn, datadir))
            x = runs[case][-1]
            print(
                f"  {rows} round {r + 1} {case}: {x['seconds']:.2f} s, CPU "
                f"{x['cpu_s']:.2f} s + server {x['server_cpu_s']:.2f} s",
                flush=True,
            )
    size = file.stat().st_size
    summary: dict[str, Any] = {"file": str(file), "bytes": size, "rounds": rounds, "cases": {}}
    for case, results in runs.items():
        seconds = [x["seconds"] for x in results]
        summary["cases"][case] = {
            "median_s": statistics.median(seconds),
            "mb_per_s": size / 1e6 / statistics.median(seconds),
            "peak_rss_mb": max(x["peak_rss_mb"] for x in results),
            "rows": results[0].get("rows"),
            "runs_s": seconds,
            "cpu_s": min(x["cpu_s"] + x["server_cpu_s"] for x in results),
        }
        reference = PAIRS.get(case)
        if reference in runs:
            ratios = [
                ref["seconds"] / own["seconds"]
                for ref, own in zip(runs[reference], results, strict=True)
            ]
            summary["cases"][case]["pct_of_reference"] = 100 * statistics.median(ratios)

            summary["cases"][case]["reference"] = reference
            summary["cases"][case]["target_pct"] = TARGETS[reference]
    for c in summary["cases"].values():  # CPU (client + server, least of the rounds):
        if "reference" in c:  # what contention on a shared machine moves least
            c["cpu_pct_of_reference"] = 100 * summary["cases"][c["reference"]]["cpu_s"] / c["cpu_s"]
    shutil.rmtree(work, ignore_errors=True)
    return summary


def table(results: dict[str, Any]) -> str:
    lines = [
        "| file | case | median s | MB/s | peak RSS MB | % of reference (paired median) "
        "| CPU s (min) | % of reference by CPU | target |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for rows, summary in results["files"].items():
        for case, c in summary["cases"].items():
            pct = f"{c['pct_of_reference']:.0f} % of {c['reference']}" if "reference" in c else "—"
            target = f"≥ {c['target_pct']:.0f} %" if "target_pct" in c else "reference"
            cpu = f"{c['cpu_pct_of_reference']:.0f} %" if "cpu_pct_of_reference" in c else "—"
            lines.append(
                f"| {rows} | {case} | {c['median_s']:.2f} | {c['mb_per_s']:.0f} | "
                f"{c['peak_rss_mb']:.0f} | {pct} | {c['cpu_s']:.2f} | {cpu} | {target} |"
            )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", nargs="+", default=["1e6"])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--rounds-for", nargs="*", default=[], help="e.g. 1e7=1")
    parser.add_argument("--cases", default=None, help="comma-separated subset")
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--child", nargs=4, metavar=("CASE", "FILE", "WORK", "DSN"))
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(*args.child)))
        return
    cases = [
        "duckdb-read_csv",
        "assay-duckdb",
        "assay-duckdb-schema",
        "pyarrow-write",
        "assay-parquet-writer",
    ]
    server = None
    dsn = ""
    if not args.skip_postgres:
        from tests import pg_server

        server = pg_server.start()
        dsn = server.create_database("bench_load")
        cases += ["psql-copy", "assay-postgres-schema", "assay-postgres"]
    if args.cases:
        cases = [c for c in cases if c in args.cases.split(",")]
    overrides = dict(item.split("=") for item in args.rounds_for)
    results: dict[str, Any] = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.platform()}",
        "python": platform.python_version(),
        "files": {},
    }
    try:
        for rows in args.rows:
            rounds = int(overrides.get(rows, args.rounds))
            datadir = getattr(server, "_datadir", None)
            results["files"][rows] = bench_file(rows, rounds, cases, dsn, datadir)
    finally:
        if server is not None:
            server.stop()
    print(table(results))
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
