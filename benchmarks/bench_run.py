"""Benchmark the whole pipeline: ``assay run`` against DuckDB loading the same file.

What it checks (the performance criteria of the pipeline issue):

* end to end on the benchmark CSV (ingest into staging, full-scan inference, typed load
  into DuckDB, generate the artifacts, run the quality checks, write the report) within
  3x the time of DuckDB alone reading the file into a typed table
  (``CREATE TABLE t AS SELECT * FROM read_csv(file, sample_size=-1)``), same rounds;
* the 1e7-row file completes with bounded memory (peak RSS reported).

Each case is a whole process in a fresh directory (so nothing is skipped as already
staged or loaded), launched with ``os.wait4`` for its own peak RSS; rounds rotate the
order; the figure that matters is the paired ratio assay / DuckDB per round, median
over rounds. ``assay run`` prints its per-stage times with ``--json``: they are kept.

Run::

    python benchmarks/bench_run.py --files /tmp/assay-bench/data/wide_1000000.csv --rounds 3
    python benchmarks/bench_run.py --files /tmp/assay-bench/data/wide_10000000.csv --rounds 1
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
import tempfile
import time
from pathlib import Path
from typing import Any

# Run as a script, this folder is on the path. Children may write bytecode even where
# the shell says not to; the warm-up input is the file's first lines (see bench_infer).
from bench_infer import CHILD_ENV, first_lines

DUCKDB = """
import sys, duckdb
path, db = sys.argv[1], sys.argv[2]
p = path.replace("'", "''")
con = duckdb.connect(db)
con.execute(f"CREATE TABLE t AS SELECT * FROM read_csv('{p}', sample_size=-1)")
con.close()
"""


def run(command: list[str], cwd: Path) -> dict[str, Any]:
    start = time.perf_counter()
    process = subprocess.Popen(
        command, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=CHILD_ENV
    )
    out = process.stdout.read() if process.stdout else b""
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    err = process.stderr.read().decode() if process.stderr else ""
    if status != 0:
        raise SystemExit(f"{command[:3]} failed ({status}): {err[-2000:]}")
    return {
        "wall": wall,
        "cpu": usage.ru_utime + usage.ru_stime,
        "rss_mb": usage.ru_maxrss / 1024,
        "stdout": out.decode(),
    }


def bench_file(path: Path, rounds: int, assay: str) -> dict[str, Any]:
    results: dict[str, list[dict[str, Any]]] = {"assay": [], "duckdb": []}
    with path.open("rb") as handle:  # warm the page cache
        while handle.read(1 << 24):
            pass
    # One untimed run on the first lines: the modules' bytecode is written before the
    # first timed round.
    warm_up = Path(tempfile.mkdtemp(prefix="bench-run-warm-"))
    try:
        run([assay, "run", str(first_lines(path, warm_up)), "--json"], warm_up)
    finally:
        shutil.rmtree(warm_up, ignore_errors=True)
    for r in range(rounds):
        order = ["assay", "duckdb"] if r % 2 == 0 else ["duckdb", "assay"]
        for name in order:
            work = Path(tempfile.mkdtemp(prefix=f"bench-run-{name}-"))
            try:
                if name == "assay":
                    command = [assay, "run", str(path), "--json"]
                else:
                    command = [sys.executable, "-c", DUCKDB, str(path), str(work / "t.duckdb")]
                m = run(command, work)
                if name == "assay":
                    summary = json.loads(m["stdout"])
                    m["stages"] = {k: v["seconds"] for k, v in summary["stages"].items()}
                    m["rows_loaded"] = summary["totals"]["rows_loaded"]
                m.pop("stdout")
                results[name].append(m)
                print(
                    f"  round {r} {name:7s} {m['wall']:7.2f} s  cpu {m['cpu']:6.2f} s  "
                    f"rss {m['rss_mb']:6.0f} MB  {m.get('stages', '')}",
                    file=sys.stderr,
                )
            finally:
                shutil.rmtree(work, ignore_errors=True)
    ratios = [
        a["wall"] / d["wall"] for a, d in zip(results["assay"], results["duckdb"], strict=True)
    ]
    stages: dict[str, float] = {}
    for m in results["assay"]:
        for k, v in m["stages"].items():
            stages.setdefault(k, [])  # type: ignore[arg-type]
            stages[k].append(v)  # type: ignore[attr-defined]
    return {
        "file": str(path),
        "mb": round(path.stat().st_size / 1e6, 1),
        "x_duckdb": round(statistics.median(ratios), 2),
        "ratios": [round(x, 2) for x in ratios],
        "cases": {
            name: {
                "median_wall_s": round(statistics.median(m["wall"] for m in runs), 2),
                "median_cpu_s": round(statistics.median(m["cpu"] for m in runs), 2),
                "peak_rss_mb": round(max(m["rss_mb"] for m in runs)),
            }
            for name, runs in results.items()
        },
        "assay_stages_median_s": {k: round(statistics.median(v), 2) for k, v in stages.items()},  # type: ignore[arg-type]
        "rows_loaded": results["assay"][0]["rows_loaded"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", nargs="+", type=Path, required=True)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--assay", default=str(Path(sys.executable).with_name("assay")))
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    report = {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{os.cpu_count()} cores, {platform.platform()}",
        "load_average": os.getloadavg(),
        "files": [bench_file(p, args.rounds, args.assay) for p in args.files],
    }
    for entry in report["files"]:
        a, d = entry["cases"]["assay"], entry["cases"]["duckdb"]
        print(
            f"{Path(entry['file']).name} ({entry['mb']} MB): assay run {a['median_wall_s']} s "
            f"(cpu {a['median_cpu_s']} s, {a['peak_rss_mb']} MB) vs DuckDB {d['median_wall_s']} s "
            f"(cpu {d['median_cpu_s']} s, {d['peak_rss_mb']} MB): x{entry['x_duckdb']} "
            f"(rounds {entry['ratios']}); stages {entry['assay_stages_median_s']}"
        )
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
