"""Shared scoring of assay's sniffer and reader against the tricky-file corpus."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

import assay.sources as sources
from assay.sources.encoding import canonical

CORPUS = Path(__file__).resolve().parents[1] / "corpus" / "dialects"
PROPERTIES = (
    "encoding",
    "delimiter",
    "quotechar",
    "escapechar",
    "header",
    "skip_rows",
    "comment",
    "line_terminator",
    "trailing_delimiter",
    "columns",
    "rows",
    "column_names",
)


def expected() -> dict[str, dict[str, Any]]:
    return yaml.safe_load((CORPUS / "expected.yaml").read_text(encoding="utf-8"))


def check(name: str, spec: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    """Return {property: (expected, got)} for every property assay got wrong."""
    source = sources.open_source(str(CORPUS / "files" / name))
    stream = next(source.streams())
    d = stream.detection
    rows = sum(b.num_rows for b in stream.batches())
    ragged = len(source.quarantined)
    dialect = d.dialect
    assert dialect is not None
    got: dict[str, Any] = {
        "encoding": d.encoding,
        "delimiter": dialect.delimiter,
        "quotechar": dialect.quotechar,
        "escapechar": dialect.escapechar,
        "header": dialect.header,
        "skip_rows": dialect.skip_rows,
        "comment": dialect.comment,
        "line_terminator": dialect.line_terminator,
        "trailing_delimiter": dialect.trailing_delimiter,
        "columns": len(d.columns),
        "rows": rows + ragged,
        "column_names": d.columns,
    }
    wrong = {}
    for prop in PROPERTIES:
        want = spec.get(prop)
        have = got[prop]
        if prop == "encoding":
            ok = {canonical(want)} | {canonical(a) for a in spec.get("encoding_alternatives") or []}
            if canonical(have) not in ok:
                wrong[prop] = (want, have)
        elif prop == "skip_rows":
            if have != want and have not in (spec.get("skip_rows_alternatives") or []):
                wrong[prop] = (want, have)
        elif prop == "column_names":
            if spec.get("header") and want is not None and have != want:
                wrong[prop] = (want, have)
        elif prop == "quotechar":
            # A file without any quoted field may be read with or without a quote char.
            if have != want and not (
                want is None and spec.get("quotechar_optional", True) and False
            ):
                wrong[prop] = (want, have)
        elif have != want:
            wrong[prop] = (want, have)
    return wrong


if __name__ == "__main__":
    spec = expected()
    bad = 0
    for name, s in spec.items():
        try:
            wrong = check(name, s)
        except Exception as exc:
            wrong = {"error": (None, repr(exc))}
        if wrong:
            bad += 1
            print(name, wrong)
    print(f"{len(spec) - bad}/{len(spec)} fully right")
