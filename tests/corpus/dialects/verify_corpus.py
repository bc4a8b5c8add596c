"""Check the dialect corpus against its answer key ``expected.yaml``.

For every file this re-reads the bytes and, using only the stated expectation:

* decodes with the stated encoding (strictly), checks the BOM flag, that every listed
  ``encoding_alternatives`` codec yields identical text and that no other common codec
  does (for files with non-ASCII bytes);
* scans record terminators outside quoted fields and checks they are all the stated
  ``line_terminator`` (and the final-newline flag);
* parses with :mod:`csv` under the stated dialect after skipping ``skip_rows`` lines and
  ``comment`` lines, and checks header names, column count, ragged-row count, trailing
  empty column and record count (5-200);
* checks the comment claim (comment lines exist iff ``comment`` is set);
* checks the quoting claim (quote char actually used; no quoting when ``null``;
  backslash escapes present when ``escapechar`` is set);
* checks the delimiter is unambiguous: no other candidate delimiter splits the header
  and records into one consistent multi-column table;
* checks ``files/`` and ``expected.yaml`` are exactly what ``make_corpus.py`` generates.

Run ``python tests/corpus/dialects/verify_corpus.py``; exits 1 on any mismatch.
"""

from __future__ import annotations

import csv
import io
import re
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
FILES_DIR = HERE / "files"
EXPECTED_PATH = HERE / "expected.yaml"

MIN_FILES = 48
MIN_ROWS, MAX_ROWS = 5, 200
CANDIDATE_DELIMITERS = (",", ";", "\t", "|", ":")
CANDIDATE_ENCODINGS = ("utf-8", "cp1252", "iso8859-1", "iso8859-15", "cp1251", "koi8-r")
TERMINATOR_NAMES = {"\n": "LF", "\r\n": "CRLF", "\r": "CR"}

Expected = dict[str, Any]


def load_expected(path: Path = EXPECTED_PATH) -> dict[str, Expected]:
    """Load ``expected.yaml`` as a mapping file name -> expected entry."""
    with path.open(encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    if not isinstance(data, dict):
        raise ValueError(f"{path} is not a mapping")
    return data


def decode(raw: bytes, encoding: str) -> str:
    """Decode strictly and drop a leading BOM character (for utf-16-le/-be with BOM)."""
    text = raw.decode(encoding)
    return text[1:] if text.startswith("\ufeff") else text


def _strip_bom(text: str) -> str:
    return text[1:] if text.startswith("\ufeff") else text


def check_encoding(raw: bytes, exp: Expected) -> tuple[list[str], str | None]:
    """Check encoding claims; return (problems, decoded text or None)."""
    problems: list[str] = []
    enc = exp["encoding"]
    try:
        text = decode(raw, enc)
    except UnicodeDecodeError as err:
        return [f"does not decode as {enc}: {err}"], None
    has_bom = raw.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff"))
    if has_bom != exp["bom"]:
        problems.append(f"bom flag {exp['bom']} but file {'has' if has_bom else 'lacks'} a BOM")
    if enc == "utf-8" and has_bom:
        problems.append("utf-8 with BOM must be declared utf-8-sig")
    non_ascii = any(b >= 0x80 for b in raw)
    if not non_ascii and enc != "utf-8":
        problems.append(f"pure ASCII file must be declared utf-8, not {enc}")
    if non_ascii and enc not in ("utf-8", "utf-8-sig") and not raw.startswith(b"\xef\xbb\xbf"):
        try:
            raw.decode("utf-8")
            problems.append(f"valid non-ASCII UTF-8 declared as {enc}")
        except UnicodeDecodeError:
            pass
    alternatives = set(exp["encoding_alternatives"])
    for alt in alternatives:
        try:
            if _strip_bom(raw.decode(alt)) != text:
                problems.append(f"alternative {alt} decodes to different text")
        except UnicodeDecodeError:
            problems.append(f"alternative {alt} cannot decode the file")
    if non_ascii and not exp["bom"]:
        for cand in CANDIDATE_ENCODINGS:
            if cand == enc or cand in alternatives:
                continue
            try:
                same = raw.decode(cand) == text
            except UnicodeDecodeError:
                same = False
            if same:
                problems.append(f"{cand} also decodes identically but is not listed")
    return problems, text


def scan_terminators(
    text: str, delimiter: str, quotechar: str | None, escapechar: str | None
) -> Counter[str]:
    """Count record terminators that occur outside quoted fields."""
    counts: Counter[str] = Counter()
    in_quotes = False
    field_start = True
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if in_quotes:
            if escapechar and c == escapechar:
                i += 2
                continue
            if c == quotechar:
                if not escapechar and text.startswith(quotechar * 2, i):
                    i += 2
                    continue
                in_quotes = False
            i += 1
            continue
        if c == "\r" or c == "\n":
            term = "\r\n" if text.startswith("\r\n", i) else c
            counts[TERMINATOR_NAMES[term]] += 1
            i += len(term)
            field_start = True
            continue
        if quotechar and c == quotechar and field_start:
            in_quotes = True
        field_start = c == delimiter
        i += 1
    return counts


def data_lines(text: str, exp: Expected) -> Iterator[str]:
    """Yield physical lines (with endings) after the preamble, dropping comment lines."""
    lines = io.StringIO(text, newline="").readlines()
    comment = exp["comment"]
    for line in lines[exp["skip_rows"] :]:
        if comment and line.startswith(comment):
            continue
        yield line


def parse(text: str, exp: Expected, delimiter: str | None = None) -> list[list[str]]:
    """Parse with the expected dialect (optionally another delimiter); drop blank records."""
    quotechar = exp["quotechar"]
    reader = csv.reader(
        data_lines(text, exp),
        delimiter=delimiter or exp["delimiter"],
        quotechar=quotechar or '"',
        quoting=csv.QUOTE_MINIMAL if quotechar else csv.QUOTE_NONE,
        escapechar=exp["escapechar"],
        doublequote=exp["escapechar"] is None,
        strict=True,
    )
    return [rec for rec in reader if rec]


def check_structure(text: str, exp: Expected) -> list[str]:
    """Check header, shape, ragged rows and trailing delimiters under the stated dialect."""
    problems: list[str] = []
    try:
        records = parse(text, exp)
    except csv.Error as err:
        return [f"csv parse error: {err}"]
    if not records:
        return ["no records"]
    width = exp["columns"] + (1 if exp["trailing_delimiter"] else 0)
    if exp["header"]:
        header, body = records[0], records[1:]
        names = header[:-1] if exp["trailing_delimiter"] else header
        if names != exp["column_names"]:
            problems.append(f"column names {names} != {exp['column_names']}")
        if len(header) != width:
            problems.append(f"header has {len(header)} fields, expected {width}")
    else:
        body = records
        if exp["column_names"] is not None:
            problems.append("column_names given but header is false")
    if len(body) != exp["rows"]:
        problems.append(f"{len(body)} records, expected {exp['rows']}")
    if not MIN_ROWS <= exp["rows"] <= MAX_ROWS:
        problems.append(f"rows {exp['rows']} outside {MIN_ROWS}-{MAX_ROWS}")
    ragged = sum(1 for rec in body if len(rec) != width)
    if ragged != exp["ragged_rows"]:
        problems.append(f"{ragged} ragged records, expected {exp['ragged_rows']}")
    if exp["trailing_delimiter"]:
        bad = [i for i, rec in enumerate(records) if rec[-1] != ""]
        if bad:
            problems.append(f"records {bad[:5]} lack the trailing empty field")
    elif width > 1 and records and all(rec[-1] == "" for rec in records):
        problems.append("every record ends with an empty field: trailing delimiter?")
    return problems


def _field_starts(text: str, delimiter: str, char: str) -> bool:
    pattern = rf"(?:^|{re.escape(delimiter)}){re.escape(char)}"
    return re.search(pattern, text, flags=re.MULTILINE) is not None


def check_comments(text: str, exp: Expected) -> list[str]:
    """A declared comment char must start some line; without one, no line starts with '#'."""
    lines = io.StringIO(text, newline="").readlines()[exp["skip_rows"] :]
    marker = exp["comment"] or "#"
    used = any(line.startswith(marker) for line in lines)
    if exp["comment"] and not used:
        return [f"comment {marker!r} declared but no line starts with it"]
    if not exp["comment"] and used:
        return ["lines start with '#' but comment is null"]
    return []


def check_quoting(text: str, exp: Expected) -> list[str]:
    """Check the quote/escape claims against the raw text."""
    problems: list[str] = []
    body = "".join(data_lines(text, exp)).replace("\r", "\n")
    q, delim = exp["quotechar"], exp["delimiter"]
    if q is None:
        for cand in ('"', "'"):
            if _field_starts(body, delim, cand):
                problems.append(f"quotechar null but a field starts with {cand!r}")
    else:
        if not _field_starts(body, delim, q):
            problems.append(f"quotechar {q!r} never opens a field")
        other = "'" if q == '"' else '"'
        if _field_starts(body, delim, other):
            problems.append(f"a field starts with {other!r} as well")
    if exp["escapechar"] is not None:
        if q is None or exp["escapechar"] + q not in body:
            problems.append("escapechar declared but no escaped quote found")
    elif q is not None and "\\" + q in body:
        problems.append(f"found \\{q} but escapechar is null")
    return problems


def check_terminators(text: str, exp: Expected) -> list[str]:
    """Check all record terminators match and the final-newline flag."""
    problems: list[str] = []
    counts = scan_terminators(text, exp["delimiter"], exp["quotechar"], exp["escapechar"])
    others = {k: v for k, v in counts.items() if k != exp["line_terminator"]}
    if others or not counts:
        problems.append(f"terminators {dict(counts)}, expected only {exp['line_terminator']}")
    ends = text.endswith(("\n", "\r"))
    if ends != exp["final_newline"]:
        problems.append(f"final_newline {exp['final_newline']} but text ends with {text[-1:]!r}")
    return problems


def check_unambiguous(text: str, exp: Expected) -> list[str]:
    """No other candidate delimiter may split the file into a table as good as the stated one.

    An alternative is rejected when it gives a perfectly consistent multi-column table,
    or one at least as consistent as the stated dialect and at least as wide.
    """
    problems: list[str] = []
    expected_deviations = exp["ragged_rows"]
    for cand in CANDIDATE_DELIMITERS:
        if cand == exp["delimiter"]:
            continue
        try:
            records = parse(text, exp, delimiter=cand)
        except csv.Error:
            continue
        widths = Counter(len(rec) for rec in records)
        (width, count), *_ = widths.most_common(1)
        deviations = len(records) - count
        if width > 1 and (
            deviations == 0 or (deviations <= expected_deviations and width >= exp["columns"])
        ):
            problems.append(f"delimiter {cand!r} also gives a consistent {width}-column table")
    if exp["columns"] == 1 and any(d in text for d in CANDIDATE_DELIMITERS):
        problems.append("one-column file contains a candidate delimiter")
    return problems


def check_generated(expected: dict[str, Expected]) -> list[str]:
    """Compare the committed files and answer key with a fresh in-memory generation."""
    sys.path.insert(0, str(HERE))
    try:
        import make_corpus
    finally:
        sys.path.pop(0)
    problems: list[str] = []
    if make_corpus.expected_mapping() != expected:
        problems.append("expected.yaml differs from make_corpus.py (re-run make_corpus.py)")
    for c in make_corpus.CASES:
        path = FILES_DIR / c.name
        if not path.is_file() or path.read_bytes() != c.data():
            problems.append(f"{c.name} differs from make_corpus.py output (re-run it)")
    return problems


def verify_file(path: Path, exp: Expected) -> list[str]:
    """Run every per-file check; return the list of problems (empty when fine)."""
    problems, text = check_encoding(path.read_bytes(), exp)
    if text is None:
        return problems
    problems += check_terminators(text, exp)
    problems += check_structure(text, exp)
    problems += check_quoting(text, exp)
    problems += check_comments(text, exp)
    problems += check_unambiguous(text, exp)
    return problems


def main() -> int:
    """Verify the whole corpus; print a report and return the exit status."""
    expected = load_expected()
    failures = 0
    on_disk = {p.name for p in FILES_DIR.iterdir() if p.is_file()}
    for name in sorted(on_disk - set(expected)):
        print(f"FAIL {name}: file has no entry in expected.yaml")
        failures += 1
    for name, exp in expected.items():
        path = FILES_DIR / name
        if not path.is_file():
            print(f"FAIL {name}: listed in expected.yaml but missing")
            failures += 1
            continue
        problems = verify_file(path, exp)
        if problems:
            failures += 1
            for problem in problems:
                print(f"FAIL {name}: {problem}")
        else:
            print(f"ok   {name}")
    if len(expected) < MIN_FILES:
        print(f"FAIL corpus has {len(expected)} files, need at least {MIN_FILES}")
        failures += 1
    for problem in check_generated(expected):
        print(f"FAIL {problem}")
        failures += 1
    print(f"{len(expected)} files, {failures} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
