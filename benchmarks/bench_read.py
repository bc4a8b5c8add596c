"""Benchmark the sources layer: reading a CSV file into Arrow record batches.

What it checks (the acceptance criteria of the sources layer):

* **throughput** - ``assay.sources`` must read the generated wide CSV (1e6 and 1e7 rows)
  into Arrow batches at no less than 70% of the throughput of ``pyarrow.csv.read_csv`` on
  the same file in the same run;
* **memory** - its peak RSS must be bounded by the batch size, not by the file size;
* **dialect detection** - ``assay.sources.sniff`` must take well under a second on any file.

Cases, each run in a fresh subprocess (``python bench_read.py --child CASE FILE``) so that
one case's allocations, caches and thread pools cannot bias another's:

* ``pyarrow-read_csv`` - ``pyarrow.csv.read_csv(file)`` with its defaults (multi-threaded,
  types inferred): the reference named by the requirement;
* ``pyarrow-read_csv-strings`` - the same with every column read as ``pa.string()`` and the
  conversion options assay uses, i.e. the same parsing work assay asks Arrow for;
* ``pyarrow-open_csv-strings`` - Arrow's streaming reader, all strings: what bounded memory
  costs without assay;
* ``assay`` - ``open_source(file)``, every batch of every stream, rows and quarantined
  records counted (detection included: it is part of what a caller waits for);
* ``assay-sniff`` - ``assay.sources.sniff(file)`` alone.

The child times its work with ``time.perf_counter`` (interpreter start and imports are
excluded; the parent also reports the whole process's wall time) and reports the peak RSS
(``ru_maxrss``) as JSON, along with the RSS right after its imports, so the memory the read
itself added is visible.  Each file gets N rounds, each running every case once in an order
rotated per round, after the page cache was warmed by reading the file once.  The machine
this runs on is typically small and shared, so the comparisons use paired ratios: per round,
reference time / assay time, then the median over rounds.

A second section times ``sniff`` on every file of the dialect corpus
(``tests/corpus/dialects/files``), of ``examples/shop`` and on the big CSVs.

Run::

    python benchmarks/bench_read.py --rows 1e6 1e7 --rounds 5 [--data DIR] [--json out.json]

Missing ``wide_N.csv`` files are generated with the shared benchmark kit's ``gen.py``
(``--gen`` or ``$BENCH_GEN``; default ``/work/shared/bench/gen.py``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
SNIFF_DIRS: tuple[Path, ...] = (
    REPO_ROOT / "tests" / "corpus" / "dialects" / "files",
    REPO_ROOT / "examples" / "shop",
)
DEFAULT_GEN = "/work/shared/bench/gen.py"
REFERENCE = "pyarrow-read_csv"
ASSAY = "assay"
SNIFF = "assay-sniff"
READ_CASES: tuple[str, ...] = (
    REFERENCE,
    "pyarrow-read_csv-strings",
    "pyarrow-open_csv-strings",
    ASSAY,
)
CASES: tuple[str, ...] = (*READ_CASES, SNIFF)
PYARROW_CASES: tuple[str, ...] = tuple(c for c in READ_CASES if c.startswith("pyarrow"))
TARGET_PCT = 70.0
SNIFF_BUDGET_MS = 1000.0
MB = 1e6


# ------------------------------------------------------------------------ child side
def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KB on Linux


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _header_names(path: str) -> list[str]:
    import csv

    with open(path, newline="", encoding="utf-8") as f:
        return next(csv.reader(f))


def _strings_convert_options(path: str) -> Any:
    """All columns as text, empty fields as ``""``: what assay's reader asks Arrow for."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    return pacsv.ConvertOptions(
        column_types={name: pa.string() for name in _header_names(path)},
        strings_can_be_null=False,
        quoted_strings_can_be_null=False,
        check_utf8=True,
    )


def _work_read_csv(path: str) -> dict[str, Any]:
    import pyarrow.csv as pacsv

    table = pacsv.read_csv(path)
    return {"rows": table.num_rows, "batches": len(table.to_batches())}


def _work_read_csv_strings(path: str) -> dict[str, Any]:
    import pyarrow.csv as pacsv

    table = pacsv.read_csv(path, convert_options=_strings_convert_options(path))
    return {"rows": table.num_rows, "batches": len(table.to_batches())}


def _work_open_csv_strings(path: str) -> dict[str, Any]:
    import pyarrow.csv as pacsv

    rows = batches = largest = 0
    with pacsv.open_csv(path, convert_options=_strings_convert_options(path)) as reader:
        for batch in reader:
            rows += batch.num_rows
            batches += 1
            largest = max(largest, batch.nbytes)
    return {"rows": rows, "batches": batches, "max_batch_mb": largest / MB}


def _work_assay(path: str) -> dict[str, Any]:
    import assay.sources as sources

    source = sources.open_source(path)
    rows = batches = largest = quarantined = 0
    for stream in source.streams():
        for batch in stream.batches():
            rows += batch.num_rows
            batches += 1
            largest = max(largest, batch.data.nbytes)
        quarantined += stream.records_quarantined
    if source.errors:
        raise source.errors[0]
    return {
        "rows": rows,
        "batches": batches,
        "max_batch_mb": largest / MB,
        "quarantined": quarantined,
        "quarantine_sink": len(source.quarantined),
    }


def _work_sniff(path: str) -> dict[str, Any]:
    import assay.sources as sources

    detection = sources.sniff(path)
    dialect = detection.dialect
    return {
        "rows": detection.estimated_rows,
        "format": str(detection.format),
        "delimiter": dialect.delimiter if dialect else None,
        "columns": len(detection.columns),
    }


WORK: dict[str, Callable[[str], dict[str, Any]]] = {
    REFERENCE: _work_read_csv,
    "pyarrow-read_csv-strings": _work_read_csv_strings,
    "pyarrow-open_csv-strings": _work_open_csv_strings,
    ASSAY: _work_assay,
    SNIFF: _work_sniff,
}


def run_child(case: str, path: str) -> dict[str, Any]:
    """Do one case's work in this process and return its measurements."""
    import pyarrow  # imports are not part of the timed work
    import pyarrow.csv  # noqa: F401

    if case.startswith("assay"):
        import assay.sources  # noqa: F401

    import_rss = _peak_rss_mb()
    cpu0 = _cpu_seconds()
    t0 = time.perf_counter()
    result = WORK[case](path)
    seconds = time.perf_counter() - t0
    cpu = _cpu_seconds() - cpu0
    return {
        "case": case,
        "seconds": seconds,
        "cpu_seconds": cpu,
        "peak_rss_mb": _peak_rss_mb(),
        "import_rss_mb": import_rss,
        **result,
    }


def sniff_suite(paths: Sequence[str], repeats: int) -> dict[str, Any]:
    """Time ``sniff`` ``repeats`` times on each file, in one process (imports done first)."""
    t0 = time.perf_counter()
    import assay.sources as sources

    import_ms = (time.perf_counter() - t0) * 1000
    files: list[dict[str, Any]] = []
    for path in paths:
        times: list[float] = []
        outcome = ""
        for _ in range(repeats):
            start = time.perf_counter()
            try:
                detection = sources.sniff(path)
                delim = detection.dialect.delimiter if detection.dialect else None
                outcome = f"{detection.format}" + (f" {delim!r}" if delim else "")
            except Exception as exc:  # a whole-file error is an answer too; time it
                outcome = f"error: {type(exc).__name__}: {exc}"[:120]
            times.append((time.perf_counter() - start) * 1000)
        files.append(
            {
                "file": path,
                "bytes": os.path.getsize(path),
                "ms": times,
                "first_ms": times[0],
                "median_ms": statistics.median(times),
                "outcome": outcome,
            }
        )
    return {"import_ms": import_ms, "files": files}


# ------------------------------------------------------------------------ parent side
def rows_label(rows: int) -> str:
    exp = len(str(rows)) - 1
    return f"1e{exp}" if rows == 10**exp else f"{rows:,}"


def data_dir_default() -> Path:
    if os.environ.get("BENCH_DATA"):
        return Path(os.environ["BENCH_DATA"])
    return Path(os.environ.get("BENCH_WORK", "/tmp/assay-bench")) / "data"


def ensure_csv(rows: int, data: Path, gen: str) -> Path:
    path = data / f"wide_{rows}.csv"
    if not path.exists():
        print(f"generating {path} with {gen} ...", file=sys.stderr, flush=True)
        data.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, gen, "--csv", str(rows), "--out", str(data)], check=True)
    return path


def warm_cache(path: Path) -> None:
    with open(path, "rb", buffering=0) as f:
        while f.read(16 << 20):
            pass


def spawn(args: list[str], timeout: float) -> tuple[dict[str, Any], float]:
    """Run ``bench_read.py ARGS`` in a fresh interpreter; its JSON and its wall time."""
    t0 = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"{args} failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1]), wall


def bench_file(path: Path, rounds: int, timeout: float) -> list[dict[str, Any]]:
    warm_cache(path)
    runs: list[dict[str, Any]] = []
    for r in range(rounds):
        shift = r % len(CASES)
        order = CASES[shift:] + CASES[:shift]
        for case in order:
            result, wall = spawn(["--child", case, str(path)], timeout)
            result.update(round=r, process_wall=wall)
            runs.append(result)
            print(
                f"  {path.name} round {r + 1}/{rounds} {case:26s} {result['seconds']:7.2f} s"
                f"  peak {result['peak_rss_mb']:7.0f} MB",
                file=sys.stderr,
                flush=True,
            )
    return runs


def summarize(path: Path, rows: int, runs: list[dict[str, Any]]) -> dict[str, Any]:
    size = path.stat().st_size
    by_case: dict[str, list[dict[str, Any]]] = {
        c: [r for r in runs if r["case"] == c] for c in CASES
    }
    cases: dict[str, Any] = {}
    for case, rs in by_case.items():
        secs = statistics.median(r["seconds"] for r in rs)
        entry: dict[str, Any] = {
            "runs": len(rs),
            "median_s": secs,
            "min_s": min(r["seconds"] for r in rs),
            "max_s": max(r["seconds"] for r in rs),
            "process_wall_s": statistics.median(r["process_wall"] for r in rs),
            "cpu_per_wall": statistics.median(r["cpu_seconds"] / r["seconds"] for r in rs),
            "peak_rss_mb": max(r["peak_rss_mb"] for r in rs),
            "import_rss_mb": statistics.median(r["import_rss_mb"] for r in rs),
            "rows": rs[0].get("rows"),
        }
        if case != SNIFF:
            entry["mb_per_s"] = size / MB / secs
            entry["rows_per_s"] = rows / secs
            entry["batches"] = rs[0].get("batches")
        for key in ("max_batch_mb", "quarantined"):
            if key in rs[0]:
                entry[key] = max(r[key] for r in rs)
        cases[case] = entry
    # Paired ratios: reference time / assay time in the same round = assay throughput share.
    pct: dict[str, dict[str, float]] = {}
    assay_by_round = {r["round"]: r["seconds"] for r in by_case[ASSAY]}
    for ref in PYARROW_CASES:
        shares = [
            100 * r["seconds"] / assay_by_round[r["round"]]
            for r in by_case[ref]
            if r["round"] in assay_by_round
        ]
        pct[ref] = {"median": statistics.median(shares), "min": min(shares), "max": max(shares)}
    problems = [
        f"{case}: {e['rows']:,} rows read, expected {rows:,}"
        for case, e in cases.items()
        if case in READ_CASES and e["rows"] != rows
    ]
    return {
        "file": str(path),
        "rows": rows,
        "bytes": size,
        "cases": cases,
        "assay_pct_of": pct,
        "problems": problems,
    }


def machine_info() -> dict[str, Any]:
    import pyarrow

    import assay

    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cores": os.cpu_count(),
        "cpu": cpu,
        "ram_gib": round(ram, 1),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "pyarrow": pyarrow.__version__,
        "assay": assay.__version__,
    }


def _fmt(x: float, digits: int = 2) -> str:
    if x >= 100:
        return f"{x:,.0f}"
    return f"{x:.{digits}f}"


def _rate(x: float) -> str:
    return f"{x / 1e6:.2f} M" if x >= 1e6 else f"{x / 1e3:.0f} k"


def render(
    info: dict[str, Any],
    files: list[dict[str, Any]],
    sniff: dict[str, Any] | None,
    argv: Sequence[str],
) -> str:
    out: list[str] = [
        "# assay sources: CSV -> Arrow batches vs pyarrow.csv",
        "",
        f"- **Date**: {info['date']}",
        f"- **Machine**: {info['cores']} cores ({info['cpu'] or 'unknown CPU'}), "
        f"{info['ram_gib']} GiB RAM, {info['platform']}",
        f"- **Versions**: Python {info['python']}, pyarrow {info['pyarrow']}, "
        f"assay {info['assay']}",
        f"- **Command**: `python benchmarks/bench_read.py {' '.join(argv)}`",
        "- Each case is a fresh process; `s` is the in-process time of the work only (median "
        "over rounds), `proc s` the whole process (interpreter, imports). Page cache warm.",
        "- `peak RSS` is the max over rounds of `ru_maxrss`; `+read` subtracts the RSS the "
        "process had after its imports.",
        "- `assay % of X` = median over rounds of (X time / assay time) in the same round: "
        f"assay's throughput as a share of X's. Target: >= {TARGET_PCT:.0f}% of "
        f"`{REFERENCE}`.",
        "",
    ]
    for f in files:
        out += [
            f"## wide_{f['rows']}.csv: {rows_label(f['rows'])} rows, {_fmt(f['bytes'] / MB)} MB, "
            f"{f['cases'][ASSAY]['runs']} rounds",
            "",
            "| case | s | min-max s | proc s | MB/s | rows/s | CPU/wall | peak RSS MB "
            "| +read MB | batches | max batch MB |",
            "|---|---|---|---|---|---|---|---|---|---|---|",
        ]
        for case, e in f["cases"].items():
            name = f"**{case}**" if case in (REFERENCE, ASSAY) else case
            if case == SNIFF:
                out.append(
                    f"| {name} | {e['median_s'] * 1000:.1f} ms | "
                    f"{e['min_s'] * 1000:.1f}-{e['max_s'] * 1000:.1f} ms | "
                    f"{_fmt(e['process_wall_s'])} | | | | {e['peak_rss_mb']:,.0f} | "
                    f"{e['peak_rss_mb'] - e['import_rss_mb']:,.0f} | | |"
                )
                continue
            out.append(
                f"| {name} | {_fmt(e['median_s'])} | {_fmt(e['min_s'])}-{_fmt(e['max_s'])} | "
                f"{_fmt(e['process_wall_s'])} | {_fmt(e['mb_per_s'], 1)} | "
                f"{_rate(e['rows_per_s'])} | {e['cpu_per_wall']:.2f} | "
                f"{e['peak_rss_mb']:,.0f} | {e['peak_rss_mb'] - e['import_rss_mb']:,.0f} | "
                f"{e['batches']:,} | "
                + (f"{e['max_batch_mb']:.1f}" if "max_batch_mb" in e else "")
                + " |"
            )
        out += ["", "| assay throughput as % of | median | min-max over rounds | target |"]
        out.append("|---|---|---|---|")
        for ref, p in f["assay_pct_of"].items():
            verdict = ""
            if ref == REFERENCE:
                verdict = "pass" if p["median"] >= TARGET_PCT else "**FAIL**"
            out.append(
                f"| {ref} | {p['median']:.0f}% | {p['min']:.0f}-{p['max']:.0f}% | {verdict} |"
            )
        quarantined = f["cases"][ASSAY].get("quarantined", 0)
        out += [
            "",
            f"assay read {f['cases'][ASSAY]['rows']:,} rows, quarantined {quarantined:,}; "
            f"peak RSS {f['cases'][ASSAY]['peak_rss_mb']:,.0f} MB = "
            f"{100 * f['cases'][ASSAY]['peak_rss_mb'] * 2**20 / f['bytes']:.1f}% of the file size.",
        ]
        out += [f"- problem: {p}" for p in f["problems"]]
        out.append("")
    if len(files) > 1:
        scaling = ", ".join(
            f"{rows_label(f['rows'])} ({f['bytes'] / MB:,.0f} MB file): "
            f"{f['cases'][ASSAY]['peak_rss_mb']:,.0f} MB"
            for f in files
        )
        out += [f"**assay peak RSS by file size**: {scaling}.", ""]
    if sniff:
        out += render_sniff(sniff)
    return "\n".join(out)


def render_sniff(sniff: dict[str, Any]) -> list[str]:
    files = sniff["files"]
    out = [
        f"## sniff timing: {len(files)} files, {sniff['repeats']} calls each, one process",
        "",
        f"Import of `assay.sources`: {sniff['import_ms']:.0f} ms (not counted below). Per file: "
        "the median of its calls; `first` is the first call on the file (the very first call "
        "of the process also pays any lazy imports).",
        "",
        "| group | files | median ms | max ms | max first-call ms | slowest file |",
        "|---|---|---|---|---|---|",
    ]
    groups: dict[str, list[dict[str, Any]]] = {}
    for f in files:
        groups.setdefault(f["group"], []).append(f)
    groups["all"] = files
    for name, fs in groups.items():
        slowest = max(fs, key=lambda f: f["median_ms"])
        out.append(
            f"| {name} | {len(fs)} | {statistics.median(f['median_ms'] for f in fs):.1f} | "
            f"{slowest['median_ms']:.1f} | {max(f['first_ms'] for f in fs):.1f} | "
            f"{Path(slowest['file']).name} |"
        )
    worst = max(max(f["ms"]) for f in files)
    verdict = "pass" if worst < SNIFF_BUDGET_MS else "**FAIL**"
    errors = [f for f in files if f["outcome"].startswith("error")]
    out += [
        "",
        f"Slowest single call: {worst:.1f} ms ({verdict}, budget {SNIFF_BUDGET_MS:.0f} ms).",
    ]
    if errors:
        out.append(f"Files answered with an error ({len(errors)}):")
        out += [f"- {Path(f['file']).name}: {f['outcome']}" for f in errors]
    out.append("")
    return out


def sniff_files(big: Sequence[Path]) -> list[tuple[str, Path]]:
    found: list[tuple[str, Path]] = []
    for folder in SNIFF_DIRS:
        label = str(folder.relative_to(REPO_ROOT))
        found += [(label, p) for p in sorted(folder.iterdir()) if p.is_file()]
    found += [("big CSVs", p) for p in big]
    return found


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["--child"]:
        print(json.dumps(run_child(argv[1], argv[2])))
        return 0
    if argv[:1] == ["--sniff-suite"]:
        print(json.dumps(sniff_suite(argv[2:], int(argv[1]))))
        return 0

    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--rows", nargs="+", default=["1e6"], help="wide_N.csv sizes (1e6 1e7)")
    ap.add_argument("--rounds", type=int, default=5, help="rounds per file (default 5)")
    ap.add_argument(
        "--rounds-for",
        nargs="*",
        default=[],
        metavar="N=R",
        help="rounds for one size, e.g. 1e7=3 (overrides --rounds)",
    )
    ap.add_argument("--data", type=Path, default=data_dir_default(), help="data folder")
    ap.add_argument("--gen", default=os.environ.get("BENCH_GEN", DEFAULT_GEN), help="gen.py")
    ap.add_argument("--json", type=Path, help="also write every measurement here")
    ap.add_argument("--sniff-repeats", type=int, default=3)
    ap.add_argument("--no-sniff", action="store_true", help="skip the sniff-timing section")
    ap.add_argument("--timeout", type=float, default=1800, help="seconds per child process")
    args = ap.parse_args(argv)

    sizes = [int(float(r)) for r in args.rows]
    rounds_for = {int(float(k)): int(v) for k, v in (item.split("=") for item in args.rounds_for)}
    info = machine_info()
    files: list[dict[str, Any]] = []
    raw: dict[str, list[dict[str, Any]]] = {}
    paths: list[Path] = []
    for rows in sizes:
        path = ensure_csv(rows, args.data, args.gen)
        paths.append(path)
        runs = bench_file(path, rounds_for.get(rows, args.rounds), args.timeout)
        raw[path.name] = runs
        files.append(summarize(path, rows, runs))

    sniff: dict[str, Any] | None = None
    if not args.no_sniff:
        targets = sniff_files(paths)
        sniff, _ = spawn(
            ["--sniff-suite", str(args.sniff_repeats), *(str(p) for _, p in targets)],
            args.timeout,
        )
        sniff["repeats"] = args.sniff_repeats
        for (group, _), entry in zip(targets, sniff["files"], strict=True):
            entry["group"] = group

    report = render(info, files, sniff, argv)
    print(report)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(
            json.dumps({"machine": info, "files": files, "runs": raw, "sniff": sniff}, indent=1)
        )
    return 1 if any(f["problems"] for f in files) else 0


if __name__ == "__main__":
    sys.exit(main())
