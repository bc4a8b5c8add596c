"""Score CSV dialect sniffers against the corpus in ``tests/corpus/dialects``.

For every corpus file each tool is asked for the file's dialect and its answer is
compared, property by property, with ``expected.yaml``:

* core properties - ``delimiter``, ``quotechar``, ``header``, ``skip_rows``; a file is
  *fully right* when all four are right;
* extra properties, scored only for tools that report them - ``encoding``,
  ``escapechar``, ``comment``, ``line_terminator``, ``trailing_delimiter``.

Tools:

* ``clevercsv`` - ``clevercsv.Sniffer().sniff`` and ``.has_header`` on the first 64 KiB
  of text decoded with the *expected* encoding (CleverCSV does not detect encodings).
  It has no preamble detection, so its ``skip_rows`` is taken as 0.
* ``duckdb`` - ``sniff_csv(path)`` on the raw file with default options; files it
  cannot read (UTF-16, cp1252, cp1251, ...) count as failures on every property.
* ``duckdb-utf8`` - the same on a UTF-8 re-encoding of the file (BOM dropped, text and
  line endings unchanged), which isolates dialect detection from encoding support.
* ``assay`` - :func:`sniff_with_assay`; skipped while ``assay.sources.sniff`` is not
  importable.

Scoring rules where several answers are equivalent: when the expected quote char is
``null`` (no quoting in the file) any reported quote char that never occurs in the text
counts as right; for the one-column file any delimiter absent from the text is right;
``skip_rows`` may match ``skip_rows_alternatives`` (leading ``#`` lines skipped as
preamble rather than as comments); an escape char equal to the quote char means doubled
quotes, i.e. ``escapechar: null``; an encoding is right when it decodes the bytes to the
expected text.

Run: ``python benchmarks/peer_dialect_accuracy.py [--tools clevercsv,duckdb] [--json out]``.
"""

from __future__ import annotations

import argparse
import codecs
import json
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = REPO_ROOT / "tests" / "corpus" / "dialects"
SAMPLE_CHARS = 64 * 1024

CORE_FIELDS: tuple[str, ...] = ("delimiter", "quotechar", "header", "skip_rows")
EXTRA_FIELDS: tuple[str, ...] = (
    "encoding",
    "escapechar",
    "comment",
    "line_terminator",
    "trailing_delimiter",
)
ALL_FIELDS = CORE_FIELDS + EXTRA_FIELDS
TERMINATOR_NAMES = {
    "\n": "LF",
    "\r\n": "CRLF",
    "\r": "CR",
    "\\n": "LF",
    "\\r\\n": "CRLF",
    "\\r": "CR",
}

Expected = dict[str, Any]
Report = dict[str, Any]


# ------------------------------------------------------------------------------- corpus


@dataclass(frozen=True)
class CorpusFile:
    """One corpus file with its expectation, raw bytes and expected decoded text."""

    name: str
    path: Path
    expected: Expected
    raw: bytes
    text: str

    @property
    def tags(self) -> list[str]:
        """Case categories from expected.yaml."""
        return list(self.expected.get("tags") or [])


def _strip_bom(text: str) -> str:
    return text[1:] if text.startswith("\ufeff") else text


def load_corpus(corpus_dir: Path) -> list[CorpusFile]:
    """Load ``expected.yaml`` and the files it describes."""
    with (corpus_dir / "expected.yaml").open(encoding="utf-8") as fh:
        expected: dict[str, Expected] = yaml.safe_load(fh)
    files = []
    for name, exp in expected.items():
        path = corpus_dir / "files" / name
        raw = path.read_bytes()
        files.append(CorpusFile(name, path, exp, raw, _strip_bom(raw.decode(exp["encoding"]))))
    return files


# -------------------------------------------------------------------------------- tools


def _none_if_empty(value: str | None) -> str | None:
    return value if value else None


def sniff_with_clevercsv(case: CorpusFile) -> Report | None:
    """CleverCSV on the first 64 KiB of the (correctly decoded) text."""
    import clevercsv

    sample = case.text[:SAMPLE_CHARS]
    dialect = clevercsv.Sniffer().sniff(sample)
    if dialect is None:
        return {"error": "no dialect detected"}
    try:
        header: bool | None = bool(clevercsv.Sniffer().has_header(sample))
    except Exception:  # has_header re-parses with the csv module and can raise
        header = None
    return {
        "delimiter": _none_if_empty(dialect.delimiter),
        "quotechar": _none_if_empty(dialect.quotechar),
        "escapechar": _none_if_empty(dialect.escapechar),
        "header": header,
        "skip_rows": 0,  # no preamble detection: parsing starts at line 1
    }


_DUCKDB_QUERY = (
    "SELECT Delimiter, Quote, Escape, NewLineDelimiter, Comment, SkipRows, HasHeader "
    "FROM sniff_csv(?)"
)


def _duckdb_sniff(path: Path) -> Report:
    import duckdb

    with duckdb.connect() as con:
        row = con.execute(_DUCKDB_QUERY, [str(path)]).fetchone()
    if row is None:
        return {"error": "sniff_csv returned no row"}
    delim, quote, escape, newline, comment, skip, has_header = row

    def clean(v: str | None) -> str | None:
        return None if v in (None, "", "(empty)") else v

    return {
        "delimiter": clean(delim),
        "quotechar": clean(quote),
        "escapechar": clean(escape),
        "line_terminator": TERMINATOR_NAMES.get(newline, newline),
        "comment": clean(comment),
        "skip_rows": skip,
        "header": bool(has_header),
    }


def sniff_with_duckdb(case: CorpusFile) -> Report | None:
    """DuckDB ``sniff_csv`` on the raw file, default options."""
    return _duckdb_sniff(case.path)


def sniff_with_duckdb_utf8(case: CorpusFile) -> Report | None:
    """DuckDB ``sniff_csv`` on a UTF-8 (no BOM) copy of the file."""
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / case.name
        copy.write_bytes(case.text.encode("utf-8"))
        return _duckdb_sniff(copy)


def _ensure_src_on_path() -> None:
    """Let an uninstalled checkout import ``assay`` from ``src/``."""
    src = REPO_ROOT / "src"
    if src.is_dir() and str(src) not in sys.path:
        sys.path.insert(0, str(src))


def sniff_with_assay(path: Path) -> dict[str, Any] | None:
    """assay's own sniffer; ``None`` while ``assay.sources.sniff`` is unavailable.

    Errors raised by ``sniff`` itself propagate (and are scored as failures); only a
    missing module/function or a result without the expected attributes gives ``None``.
    """
    _ensure_src_on_path()
    try:
        from assay.sources import sniff
    except ImportError:
        return None
    result = sniff(path)
    try:
        d = result.dialect
        report = {
            "encoding": result.encoding,
            "delimiter": d.delimiter,
            "quotechar": d.quotechar,
            "escapechar": d.escapechar,
            "header": d.header,
            "skip_rows": d.skip_rows,
            "comment": d.comment,
            "line_terminator": d.line_terminator,
            "trailing_delimiter": d.trailing_delimiter,
        }
    except AttributeError:
        return None
    term = report["line_terminator"]
    report["line_terminator"] = TERMINATOR_NAMES.get(term, term)
    for key in ("delimiter", "quotechar", "escapechar", "comment"):
        report[key] = _none_if_empty(report[key])
    return report


@dataclass(frozen=True)
class Tool:
    """A sniffer under test: a name and a function from corpus file to report."""

    name: str
    sniff: Callable[[CorpusFile], Report | None]


TOOLS: tuple[Tool, ...] = (
    Tool("clevercsv", sniff_with_clevercsv),
    Tool("duckdb", sniff_with_duckdb),
    Tool("duckdb-utf8", sniff_with_duckdb_utf8),
    Tool("assay", lambda case: sniff_with_assay(case.path)),
)


# ------------------------------------------------------------------------------ scoring


def _absent(char: str | None, text: str) -> bool:
    return char is None or char not in text


def encoding_ok(got: Any, case: CorpusFile) -> bool:
    """Right when the reported codec decodes the bytes to the expected text."""
    if not isinstance(got, str) or not got:
        return False
    try:
        name = codecs.lookup(got).name
        decoded = case.raw.decode(got)
    except (LookupError, UnicodeDecodeError):
        return False
    if name in ("utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"):
        decoded = _strip_bom(decoded)
    return decoded == case.text


def field_ok(name: str, got: Any, case: CorpusFile) -> bool:
    """Whether a reported property value is acceptable for this file."""
    exp = case.expected
    want = exp[name]
    text = case.text
    if name == "encoding":
        return encoding_ok(got, case)
    if name == "delimiter":
        return got == want or (exp["columns"] == 1 and _absent(got, text))
    if name == "quotechar":
        return got == want or (want is None and _absent(got, text))
    if name == "escapechar":
        if got == want:
            return True
        if want is None:
            return got == exp["quotechar"] or _absent(got, text)
        return False
    if name == "header":
        return isinstance(got, bool) and got == want
    if name == "skip_rows":
        return got == want or got in exp["skip_rows_alternatives"]
    if name == "comment":
        if got == want:
            return True
        lines = text.splitlines()
        return want is None and (got is None or not any(ln.startswith(got) for ln in lines))
    return got == want


@dataclass
class FileResult:
    """One tool's answer for one file and its per-property verdicts."""

    name: str
    report: Report | None
    error: str | None
    seconds: float
    verdicts: dict[str, bool | None] = field(default_factory=dict)

    @property
    def fully_right(self) -> bool:
        """All core properties right."""
        return all(self.verdicts.get(f) for f in CORE_FIELDS)


def score(case: CorpusFile, report: Report | None, error: str | None) -> dict[str, bool | None]:
    """Per-property verdicts; a failed file is wrong on every property, and an extra
    property the tool does not report is ``None`` (not scored)."""
    verdicts: dict[str, bool | None] = {}
    for name in ALL_FIELDS:
        if error is not None or report is None:
            verdicts[name] = False
        elif name in report:
            verdicts[name] = field_ok(name, report[name], case)
        else:
            verdicts[name] = False if name in CORE_FIELDS else None
    return verdicts


def run_tool(tool: Tool, corpus: Sequence[CorpusFile]) -> list[FileResult] | None:
    """Run a tool on every file; ``None`` when the tool is unavailable for all files."""
    results = []
    for case in corpus:
        start = time.perf_counter()
        error: str | None = None
        try:
            report = tool.sniff(case)
        except Exception as exc:  # a crash is a failure on that file, not of the benchmark
            report, error = None, f"{type(exc).__name__}: {str(exc).splitlines()[0][:120]}"
        seconds = time.perf_counter() - start
        if report is not None and "error" in report:
            error, report = str(report["error"]), None
        results.append(FileResult(case.name, report, error, seconds))
    if all(r.report is None and r.error is None for r in results):
        return None
    by_name = {c.name: c for c in corpus}
    for r in results:
        if r.report is None and r.error is None:
            r.error = "tool returned no answer"
        r.verdicts = score(by_name[r.name], r.report, r.error)
    # Extra properties are only scored when the tool reports them for some file.
    for name in EXTRA_FIELDS:
        if all(r.report is None or name not in r.report for r in results):
            for r in results:
                r.verdicts[name] = None
    return results


# ------------------------------------------------------------------------------ report


def _pct(hits: int, total: int) -> str:
    return f"{100.0 * hits / total:.1f}% ({hits}/{total})" if total else "n/a"


def summary_table(results: dict[str, list[FileResult]]) -> str:
    """Markdown table of per-tool accuracy (fully right, then per property)."""
    head = ["tool", "fully right", *ALL_FIELDS, "ms/file"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for tool, rs in results.items():
        cells = [tool, _pct(sum(r.fully_right for r in rs), len(rs))]
        for name in ALL_FIELDS:
            scored = [r.verdicts[name] for r in rs if r.verdicts[name] is not None]
            cells.append(_pct(sum(bool(v) for v in scored), len(scored)) if scored else "n/a")
        cells.append(f"{1000 * sum(r.seconds for r in rs) / len(rs):.1f}")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def tag_table(results: dict[str, list[FileResult]], corpus: Sequence[CorpusFile]) -> str:
    """Markdown table of fully-right rate per case tag."""
    tags = sorted({t for c in corpus for t in c.tags})
    head = ["tag", "files", *results]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for tag in tags:
        names = {c.name for c in corpus if tag in c.tags}
        cells = [tag, str(len(names))]
        for rs in results.values():
            hits = sum(r.fully_right for r in rs if r.name in names)
            cells.append(f"{hits}/{len(names)}")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _show(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def wrong_files(tool: str, rs: Sequence[FileResult], corpus: Sequence[CorpusFile]) -> str:
    """Markdown list of the files a tool did not get fully right, with the wrong properties."""
    by_name = {c.name: c for c in corpus}
    out = [f"### {tool}: {sum(not r.fully_right for r in rs)} file(s) not fully right", ""]
    for r in rs:
        if r.fully_right:
            continue
        if r.error is not None:
            out.append(f"- `{r.name}`: error - {r.error}")
            continue
        assert r.report is not None
        exp = by_name[r.name].expected
        bad = [
            f"{f} {_show(r.report.get(f))} (want {_show(exp[f])})"
            for f in CORE_FIELDS
            if not r.verdicts[f]
        ]
        out.append(f"- `{r.name}`: " + "; ".join(bad))
    return "\n".join(out)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the selected tools over the corpus and print the markdown report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument(
        "--tools",
        default=",".join(t.name for t in TOOLS),
        help="comma-separated subset of: " + ", ".join(t.name for t in TOOLS),
    )
    parser.add_argument("--json", type=Path, help="also write raw answers and verdicts here")
    args = parser.parse_args(argv)

    wanted = [t.strip() for t in args.tools.split(",") if t.strip()]
    unknown = set(wanted) - {t.name for t in TOOLS}
    if unknown:
        parser.error(f"unknown tool(s): {', '.join(sorted(unknown))}")
    corpus = load_corpus(args.corpus)

    results: dict[str, list[FileResult]] = {}
    skipped: list[str] = []
    for tool in TOOLS:
        if tool.name not in wanted:
            continue
        rs = run_tool(tool, corpus)
        if rs is None:
            skipped.append(tool.name)
        else:
            results[tool.name] = rs

    print(f"# Dialect sniffing accuracy on {len(corpus)} corpus files\n")
    print("Fully right = delimiter, quotechar, header and skip_rows all right.\n")
    if results:
        print(summary_table(results))
        print("\n## Fully right by case tag\n")
        print(tag_table(results, corpus))
        print("\n## Files not fully right\n")
        for tool, rs in results.items():
            print(wrong_files(tool, rs, corpus))
            print()
    for name in skipped:
        print(f"_{name}: not available (not importable yet); skipped._")

    if args.json:
        payload = {
            tool: [
                {
                    "file": r.name,
                    "report": r.report,
                    "error": r.error,
                    "verdicts": r.verdicts,
                    "fully_right": r.fully_right,
                }
                for r in rs
            ]
            for tool, rs in results.items()
        }
        args.json.write_text(json.dumps(payload, indent=2, ensure_ascii=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
