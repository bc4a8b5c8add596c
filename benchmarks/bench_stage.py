"""Benchmark staging: JSON Lines into the staging store, against each engine's own loader.

Acceptance criteria of the staging layer:

* **DuckDB** - ``assay stage ingest`` of the generated events JSONL (1e6 records,
  467 MB) into a DuckDB file must reach at least 50 % of the throughput of DuckDB's own
  ``CREATE TABLE … AS SELECT * FROM read_json(file)`` in the same run;
* **PostgreSQL** - into PostgreSQL, at least 50 % of ``psql \\copy`` of the same file
  into a one-column ``json`` table (the usual way to bulk-load JSON Lines).

Cases, each in a fresh subprocess (``bench_stage.py --child CASE FILE TARGET``), each into
a new, empty database:

* ``duckdb-read_json`` - DuckDB parses every record into typed columns (the reference);
* ``duckdb-read_json-raw`` - DuckDB lands each line as one JSON value (``records=false``):
  the closest thing DuckDB has to what staging does;
* ``assay-duckdb`` - ``open_store`` + ``ingest`` with the default dedup (``path``: the
  file's checksum is computed too) - every record stored as written, with its file,
  record and line numbers, content hash and batch;
* ``assay-duckdb-content`` - the same with ``--dedup content``;
* ``psql-copy`` - ``psql -c "\\copy t(raw) FROM file (FORMAT csv, QUOTE e'\\x01',
  DELIMITER e'\\x02')"`` into ``t(raw json)`` (wall time of the psql process);
* ``assay-postgres`` - ``open_store(dsn)`` + ``ingest``.

Rounds rotate the order of the cases; the page cache is warmed first.  The machine is
small and shared, so the verdict uses paired ratios: per round, reference seconds /
assay seconds (= assay's throughput as a share of the reference's), median over rounds.

CSV (``--input csv``: the generated ``wide_N.csv``, 20 text columns; DuckDB cases only):
each row is staged as a JSON object of its cell texts, against

* ``duckdb-read_csv-varchar`` - ``CREATE TABLE … AS SELECT * FROM read_csv(file,
  all_varchar=true)``: every cell kept as text, the closest thing DuckDB has (the reference);
* ``duckdb-read_csv`` - the same with DuckDB's type detection over every row
  (``sample_size=-1``, as the shared harness's peer does; what ``assay run`` is
  compared with).

``--baseline-src DIR`` adds ``assay-duckdb-baseline``: the same ingest with ``assay``
imported from ``DIR`` (an older checkout's ``src``), paired with the current code in the
same rounds.  Every case also reports its process CPU seconds (all threads).

Run::

    python benchmarks/bench_stage.py --rows 1e6 --rounds 3 [--pg DSN] [--json out.json]
    python benchmarks/bench_stage.py --input csv --rows 1e6 --rounds 3 [--baseline-src DIR]

Without ``--pg`` (or ``PG*`` variables) a throwaway PostgreSQL cluster is started with
the test suite's helper (``tests/pg_server.py``; needs the server binaries).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
DUCKDB_CASES = ("duckdb-read_json", "duckdb-read_json-raw", "assay-duckdb", "assay-duckdb-content")
CSV_CASES = ("duckdb-read_csv-varchar", "duckdb-read_csv", "assay-duckdb", "assay-duckdb-content")
PG_CASES = ("psql-copy", "assay-postgres")
BASELINE = "assay-duckdb-baseline"
TARGET_PCT = 50.0
MB = 1e6


# ------------------------------------------------------------------------ child side
def _child(case: str, path: str, target: str) -> dict[str, Any]:
    import duckdb

    if case.startswith("assay"):
        from assay.staging import IngestOptions, ingest, open_store
    t0 = time.perf_counter()
    c0 = time.process_time()
    rows: int
    if case.startswith("duckdb-read_csv"):
        options = ", all_varchar=true" if case.endswith("varchar") else ", sample_size=-1"
        with duckdb.connect(target) as conn:
            conn.execute(f"CREATE TABLE t AS SELECT * FROM read_csv('{path}'{options})")
            rows = conn.execute("SELECT count(*) FROM t").fetchone()[0]
    elif case == "duckdb-read_json":
        with duckdb.connect(target) as conn:
            conn.execute(f"CREATE TABLE events AS SELECT * FROM read_json('{path}')")
            rows = conn.execute("SELECT count(*) FROM events").fetchone()[0]
    elif case == "duckdb-read_json-raw":
        with duckdb.connect(target) as conn:
            conn.execute(
                "CREATE TABLE events AS SELECT * FROM read_json("
                f"'{path}', format='newline_delimited', records=false, "
                "columns={'raw': 'JSON'})"
            )
            rows = conn.execute("SELECT count(*) FROM events").fetchone()[0]
    elif case == "psql-copy":
        subprocess.run(["psql", target, "-qc", "CREATE TABLE events (raw json)"], check=True)
        t0 = time.perf_counter()
        subprocess.run(
            [
                "psql",
                target,
                "-qc",
                f"\\copy events(raw) FROM '{path}' "
                "WITH (FORMAT csv, QUOTE e'\\x01', DELIMITER e'\\x02')",
            ],
            check=True,
        )
        seconds = time.perf_counter() - t0
        count = subprocess.run(
            ["psql", target, "-tAc", "SELECT count(*) FROM events"],
            check=True,
            capture_output=True,
            text=True,
        )
        return {"case": case, "seconds": seconds, "rows": int(count.stdout.strip())}
    else:
        dedup = "content" if case.endswith("content") else "path"  # baseline: path
        with open_store(target) as store:
            report = ingest(store, [path], IngestOptions(dedup=dedup))
        rows = report.counts.records_staged
        if report.errors:
            raise report.errors[0]
    seconds = time.perf_counter() - t0
    return {"case": case, "seconds": seconds, "cpu": time.process_time() - c0, "rows": rows}


# ------------------------------------------------------------------------ parent side
def _fresh_target(case: str, work: Path, pg: Any) -> str:
    if case in PG_CASES:
        return pg.create_database("bench_stage")
    for leftover in work.glob("bench*"):
        if leftover.is_dir():
            shutil.rmtree(leftover)
        else:
            leftover.unlink()
    return str(work / "bench.duckdb")


def _spawn(
    case: str, path: Path, target: str, timeout: float, baseline: str | None = None
) -> dict[str, Any]:
    env = dict(os.environ)
    if case == BASELINE and baseline:
        env["PYTHONPATH"] = os.pathsep.join([baseline, env.get("PYTHONPATH", "")])
    proc = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--child", case, str(path), target],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=REPO_ROOT,
        env=env,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"{case} failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _warm(path: Path) -> None:
    with open(path, "rb", buffering=0) as handle:
        while handle.read(16 << 20):
            pass


def _pg_server(dsn: str | None) -> Any:
    sys.path.insert(0, str(REPO_ROOT))
    from tests import pg_server

    if dsn:
        from urllib.parse import urlsplit

        parts = urlsplit(dsn)
        return pg_server.PgServer(
            parts.hostname or "127.0.0.1",
            parts.port or 5432,
            parts.username or "postgres",
            parts.password,
            (parts.path or "/postgres").lstrip("/") or "postgres",
        )
    return pg_server.start()


def _ratio(runs: list[dict[str, Any]], reference: str, case: str) -> dict[str, Any] | None:
    ref = {r["round"]: r["seconds"] for r in runs if r["case"] == reference}
    ours = {r["round"]: r["seconds"] for r in runs if r["case"] == case}
    shares = [100 * ref[k] / ours[k] for k in sorted(ref) if k in ours]
    if not shares:
        return None
    return {
        "reference": reference,
        "case": case,
        "pct_per_round": shares,
        "median_pct": statistics.median(shares) if shares else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--child", nargs=3, metavar=("CASE", "FILE", "TARGET"))
    parser.add_argument("--rows", default="1e6", help="events_N.jsonl to stage (1e5, 1e6)")
    parser.add_argument("--input", choices=("jsonl", "csv"), default="jsonl")
    parser.add_argument("--baseline-src", default=None, help="src dir of an older assay")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--data", default=os.environ.get("BENCH_DATA", "/tmp/assay-bench/data"))
    parser.add_argument("--work", default="/tmp/assay-bench/stage")
    parser.add_argument("--pg", default=None, help="PostgreSQL DSN (default: a throwaway one)")
    parser.add_argument("--no-pg", action="store_true", help="DuckDB cases only")
    parser.add_argument("--json", default=None, help="write the measurements here")
    parser.add_argument("--cases", default=None, help="comma-separated subset of the cases")
    parser.add_argument("--timeout", type=float, default=900)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(_child(*args.child)))
        return

    rows = int(float(args.rows))
    csv_input = args.input == "csv"
    name = f"wide_{rows}.csv" if csv_input else f"events_{rows}.jsonl"
    path = Path(args.data) / name
    if not path.exists():
        raise SystemExit(f"{path} is missing: generate it with /work/shared/bench/gen.py")
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    pg = None if args.no_pg or csv_input else _pg_server(args.pg)
    cases = (CSV_CASES if csv_input else DUCKDB_CASES) + (() if pg is None else PG_CASES)
    if args.baseline_src:
        cases += (BASELINE,)
    if args.cases:
        cases = tuple(c for c in cases if c in args.cases.split(","))
    _warm(path)
    runs: list[dict[str, Any]] = []
    try:
        for r in range(args.rounds):
            shift = r % len(cases)
            for case in cases[shift:] + cases[:shift]:
                target = _fresh_target(case, work, pg)
                result = _spawn(case, path, target, args.timeout, args.baseline_src)
                result["round"] = r
                runs.append(result)
                print(
                    f"round {r + 1}/{args.rounds} {case:24s} {result['seconds']:7.2f} s "
                    f"cpu {result.get('cpu', 0):6.2f} s {result['rows']:,} rows",
                    file=sys.stderr,
                    flush=True,
                )
    finally:
        if pg is not None and args.pg is None:
            pg.stop()
    size = path.stat().st_size
    summary: dict[str, Any] = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.platform()}",
        "python": platform.python_version(),
        "file": str(path),
        "bytes": size,
        "rows": rows,
        "cases": {},
        "load_average": os.getloadavg(),
        "ratios": [
            _ratio(runs, reference, case)
            for reference, case in (
                [
                    ("duckdb-read_csv-varchar", "assay-duckdb"),
                    ("duckdb-read_csv", "assay-duckdb"),
                    ("duckdb-read_csv-varchar", "assay-duckdb-content"),
                    ("duckdb-read_csv-varchar", BASELINE),
                    (BASELINE, "assay-duckdb"),
                ]
                if csv_input
                else [
                    ("duckdb-read_json", "assay-duckdb"),
                    ("duckdb-read_json-raw", "assay-duckdb"),
                    ("duckdb-read_json", "assay-duckdb-content"),
                    ("duckdb-read_json", BASELINE),
                    (BASELINE, "assay-duckdb"),
                ]
            )
        ],
        "runs": runs,
    }
    if pg is not None:
        summary["ratios"].append(_ratio(runs, "psql-copy", "assay-postgres"))
    summary["ratios"] = [r for r in summary["ratios"] if r is not None]
    for case in cases:
        seconds = [r["seconds"] for r in runs if r["case"] == case]
        median = statistics.median(seconds)
        cpu = [r["cpu"] for r in runs if r["case"] == case and "cpu" in r]
        summary["cases"][case] = {
            "median_s": median,
            "min_cpu_s": min(cpu) if cpu else None,
            "min_s": min(seconds),
            "max_s": max(seconds),
            "mb_per_s": size / MB / median,
            "records_per_s": rows / median,
        }
    print(f"\n{path.name}: {size / MB:,.0f} MB, {rows:,} records, {args.rounds} round(s)")
    print(f"load average {' '.join(f'{x:.2f}' for x in summary['load_average'])}")
    print(f"{'case':24s} {'median s':>9s} {'min cpu s':>9s} {'MB/s':>7s} {'records/s':>11s}")
    for case, c in summary["cases"].items():
        cpu = f"{c['min_cpu_s']:9.2f}" if c["min_cpu_s"] is not None else f"{'-':>9s}"
        print(
            f"{case:24s} {c['median_s']:9.2f} {cpu} {c['mb_per_s']:7.1f} "
            f"{c['records_per_s']:11,.0f}"
        )
    print()
    for ratio in summary["ratios"]:
        rounds = ", ".join(f"{p:.0f} %" for p in ratio["pct_per_round"])
        verdict = ""
        references = ("duckdb-read_json", "psql-copy")
        if ratio["reference"] in references and ratio["case"] in ("assay-duckdb", "assay-postgres"):
            verdict = "  PASS" if (ratio["median_pct"] or 0) >= TARGET_PCT else "  FAIL"
        print(
            f"{ratio['case']} vs {ratio['reference']}: {ratio['median_pct']:.0f} % of its "
            f"throughput (rounds: {rounds}){verdict}"
        )
    if args.json:
        Path(args.json).write_text(json.dumps(summary, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
