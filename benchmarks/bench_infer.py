"""Benchmark full-scan schema inference: ``assay infer`` against DuckDB, side by side.

What it checks (the performance criteria of the inference issue):

* ``assay infer FILE --format json-schema`` (every row read) takes at most 2x the time of
  DuckDB's own full-scan type detection of the same file
  (``DESCRIBE SELECT * FROM read_csv(file, sample_size=-1)``, and ``read_json_auto`` for
  JSON Lines), measured in the same rounds;
* for scale, DuckDB's ``SUMMARIZE`` over the same read (types plus statistics, closer to
  what assay reports);
* peak memory stays bounded (under 2 GB at 1e7 rows).

Every case is a whole process, as a user at the shell waits for it (interpreter start and
imports included), launched with ``os.wait4`` so its own peak RSS is known. Each file gets
N rounds; each round runs every case once, in an order rotated per round, after the page
cache was warmed. The machine is small and shared, so the figure that matters is the
paired ratio: per round, assay time / DuckDB time, then the median over rounds.

Run (the data comes from the shared generator, ``/work/shared/bench/gen.py``)::

    python benchmarks/bench_infer.py --files /tmp/assay-bench/data/wide_1000000.csv \\
        /tmp/assay-bench/data/events_1000000.jsonl --rounds 5 [--assay PATH] [--json out.json]

``--assay`` names the ``assay`` executable to time (default: the one beside this Python);
``--assay-before`` adds an earlier build's executable to the same rounds (A/B, paired).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

DUCKDB = """
import sys, duckdb
path, kind, task = sys.argv[1], sys.argv[2], sys.argv[3]
p = path.replace("'", "''")
read = (f"read_csv('{p}', sample_size=-1)" if kind == "csv"
        else f"read_json_auto('{p}', format='newline_delimited', sample_size=-1)")
verb = "DESCRIBE" if task == "describe" else "SUMMARIZE"
for row in duckdb.connect().execute(f"{verb} SELECT * FROM {read}").fetchall():
    print(row)
"""


def cases(path: Path, assay: str, before: str | None = None) -> dict[str, list[str]]:
    kind = "csv" if path.suffix == ".csv" else "jsonl"
    earlier = {"assay-before": [before, "infer", str(path), "--format", "json-schema"]}
    return {
        "assay": [assay, "infer", str(path), "--format", "json-schema"],
        **(earlier if before else {}),
        "duckdb": [sys.executable, "-c", DUCKDB, str(path), kind, "describe"],
        "duckdb-summarize": [sys.executable, "-c", DUCKDB, str(path), kind, "summarize"],
    }


# Children may write bytecode even where this shell says not to: with
# PYTHONDONTWRITEBYTECODE set, every run of a changed (or never imported) source tree
# compiled its modules again (~20-70 ms), which no installed copy of assay does.
CHILD_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def run(command: list[str]) -> dict[str, float]:
    """Wall seconds, CPU seconds and peak RSS (MB) of one process."""
    start = time.perf_counter()
    process = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=CHILD_ENV
    )
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    stderr = process.stderr.read().decode() if process.stderr else ""
    if status != 0:
        raise SystemExit(f"{command[0]} failed ({status}): {stderr[-2000:]}")
    return {
        "wall": wall,
        "cpu": usage.ru_utime + usage.ru_stime,
        "rss_mb": usage.ru_maxrss / 1024,
    }


def warm(path: Path) -> None:
    with path.open("rb") as handle:
        while handle.read(1 << 24):
            pass


def first_lines(path: Path, folder: Path, lines: int = 1000) -> Path:
    """A copy of the first ``lines`` lines of ``path`` in ``folder`` (same name): a small
    input on which a command imports what it imports on the whole file."""
    head = folder / path.name
    with path.open("rb") as source, head.open("wb") as out:
        for _, line in zip(range(lines), source, strict=False):
            out.write(line)
    return head


def warm_up(commands: dict[str, list[str]], path: Path) -> None:
    """Run each assay command once, untimed, on the first lines of ``path``: its
    modules' bytecode is written before the first timed round."""
    with tempfile.TemporaryDirectory() as tmp:
        head = first_lines(path, Path(tmp))
        for name, command in commands.items():
            if name.startswith("assay"):
                run([head.as_posix() if part == str(path) else part for part in command])


def bench_file(path: Path, rounds: int, assay: str, before: str | None = None) -> dict[str, Any]:
    commands = cases(path, assay, before)
    names = list(commands)
    results: dict[str, list[dict[str, float]]] = {name: [] for name in names}
    warm(path)
    warm_up(commands, path)
    for r in range(rounds):
        order = names[r % len(names) :] + names[: r % len(names)]
        for name in order:
            results[name].append(run(commands[name]))
            m = results[name][-1]
            print(
                f"  round {r} {name:18s} {m['wall']:7.2f} s  cpu {m['cpu']:6.2f} s  "
                f"rss {m['rss_mb']:6.0f} MB",
                file=sys.stderr,
            )
    ratios = {
        name: statistics.median(
            a["wall"] / d["wall"] for a, d in zip(results[name], results["duckdb"], strict=True)
        )
        for name in names
    }
    return {
        "file": str(path),
        "mb": round(path.stat().st_size / 1e6, 1),
        "cases": {
            name: {
                "median_wall_s": round(statistics.median(m["wall"] for m in runs), 3),
                "median_cpu_s": round(statistics.median(m["cpu"] for m in runs), 3),
                "peak_rss_mb": round(max(m["rss_mb"] for m in runs)),
                "x_duckdb": round(ratios[name], 2),
            }
            for name, runs in results.items()
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", nargs="+", type=Path, required=True)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--assay", default=str(Path(sys.executable).with_name("assay")))
    parser.add_argument("--json", type=Path)
    parser.add_argument(
        "--assay-before", help="an earlier assay executable, timed in the same rounds (A/B)"
    )
    args = parser.parse_args()
    report = {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{os.cpu_count()} cores, {platform.platform()}",
        "files": [],
        "load_average_before": os.getloadavg(),
    }
    for path in args.files:
        print(f"{path.name}:", file=sys.stderr)
        report["files"].append(bench_file(path, args.rounds, args.assay, args.assay_before))
    report["load_average_after"] = os.getloadavg()
    before, after = report["load_average_before"], report["load_average_after"]
    print(f"load average before {before}, after {after}", file=sys.stderr)
    print("| file | MB | case | median wall s | median CPU s | peak RSS MB | x DuckDB (paired) |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for entry in report["files"]:
        for name, m in entry["cases"].items():
            print(
                f"| {Path(entry['file']).name} | {entry['mb']} | {name} | {m['median_wall_s']} "
                f"| {m['median_cpu_s']} | {m['peak_rss_mb']} | {m['x_duckdb']} |"
            )
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
