"""Quality rules counted on the loaded batches give exactly what a scan of the table gives.

A load that fills an empty PostgreSQL or DuckDB table counts row-level rules on its
converted batches (:mod:`assay.pipeline.counted`) instead of scanning the table afterwards; each
test compares those results with ``assay check`` (the engine's own scan) on the same
table: checked, failed, status and sample rows.
"""

from __future__ import annotations

import importlib
import random
from pathlib import Path

import duckdb
import psycopg
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from assay.inference.engine import infer
from assay.pipeline.loading import check, load
from assay.quality import quality_rules
from assay.quality.formats import FORMAT_PATTERNS

load_module = importlib.import_module("assay.pipeline.loading")
SHOP = Path(__file__).resolve().parents[2] / "examples" / "shop"
TRICKY = [
    "",
    " ",
    "US",
    "US\n",
    "\nUS",
    "U S",
    "us",
    "ÀB",
    "ＵＳ",
    "USD",
    "usd",
    "a@b.c",
    "a@b.c\n",
    "a\n@b.c",
    "a@b@c.d",
    "@b.c",
    "a@.c",
    "a@b.",
    "a b@c.d",
    "é@ü.ß",
    "1.2.3.4",
    "999.999.999.999",
    "1.2.3.4\n",
    "1.2.3",
    "١.٢.٣.٤",
    "1.2.3.4.5",
    "1,2,3,4",
    "+4915112345678",
    "+0123456",
    "DE89370400440532013000",
    "00:1A:2b:3c:4D:5e",
    "00-1A-2b-3c-4D-5e",
    "00:1A-2b:3c:4D:5e",
    "https://example.org/a?b",
    "mailto:x@y",
    "1http://x",
    "#abc",
    "#abcd",
    "#AABBCC",
    "1.2.3",
    "v1.2.3-rc.1+build",
    "1.2.3-",
    "en",
    "EN",
    "my-slug-1",
    "-slug",
    "slug-",
    "0c6d5321-26dc-41f0-8180-2fe0f3b6aa68",
    "0C6D5321-26DC-41F0-8180-2FE0F3B6AA6",
    "\t",
    "a\x7fb",
    "😀@😀.😀",
    "e\u0301",
    "👩\u200d👩\u200d👧",
]


def test_format_patterns_match_the_same_values_in_postgresql_and_arrow(pg_dsn: str) -> None:
    values = pa.array(TRICKY, pa.string())
    with psycopg.connect(pg_dsn) as connection:
        for name, pattern in FORMAT_PATTERNS.items():
            server = [
                connection.execute("SELECT %s::text ~ %s", [v, pattern]).fetchone()[0]
                for v in TRICKY
            ]
            client = pc.match_substring_regex(values, pattern).to_pylist()
            assert client == server, name
        lengths = [connection.execute("SELECT length(%s::text)", [v]).fetchone()[0] for v in TRICKY]
    assert pc.utf8_length(values).to_pylist() == lengths


def test_format_patterns_match_the_same_values_in_duckdb_and_arrow() -> None:
    values = pa.array(TRICKY, pa.string())
    connection = duckdb.connect()
    for name, pattern in FORMAT_PATTERNS.items():
        server = [
            connection.execute("SELECT regexp_full_match(?, ?)", [v, pattern]).fetchone()[0]
            for v in TRICKY
        ]
        assert pc.match_substring_regex(values, pattern).to_pylist() == server, name
    lengths = [connection.execute("SELECT length(?)", [v]).fetchone()[0] for v in TRICKY]
    assert pc.utf8_length(values).to_pylist() == lengths


def _spy(monkeypatch: pytest.MonkeyPatch) -> list[dict | None]:
    """The counts each load handed to its checks (the real function still runs)."""
    seen: list[dict | None] = []
    real = load_module.run_rules

    def run_rules(*args, **kwargs):  # type: ignore[no-untyped-def]
        seen.append(kwargs.get("counted"))
        return real(*args, **kwargs)

    monkeypatch.setattr(load_module, "run_rules", run_rules)
    return seen


def _same_as_scan(target: str, report, schema) -> None:  # type: ignore[no-untyped-def]
    names = [t.table for t in report.tables]
    scanned = {t.table: t for t in check(target, schema, names)}
    for table in report.tables:
        assert [c.to_dict() for c in table.checks] == [
            c.to_dict() for c in scanned[table.table].checks
        ], table.table


def _target(engine: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    if engine == "duckdb":
        return f"duckdb:///{tmp_path / 'counted.duckdb'}"
    return request.getfixturevalue("pg_dsn") + "?schema=counted"


@pytest.mark.parametrize("engine", ["postgresql", "duckdb"])
def test_the_shop_checks_counted_on_batches_equal_the_scan(
    engine: str, tmp_path: Path, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen = _spy(monkeypatch)
    target = _target(engine, tmp_path, request)
    files = [str(p) for p in sorted(SHOP.iterdir()) if p.suffix in (".csv", ".jsonl", ".json")]
    schema = infer(files)
    report = load(files, target=target, schema=schema)
    assert any(seen) and all(s is not None for s in seen)
    _same_as_scan(target, report, schema)


def _rows(n: int, rng: random.Random, *, dirty: bool) -> list[list[str]]:
    rows = []
    for i in range(n):
        row = [
            str(i + 1),
            f"user{i}@example.org",
            f"10.{i % 250}.{i % 7}.{i % 99}",
            rng.choice(["US", "FR", "DE"]),
            rng.choice(["active", "closed", "pending"]),
            str(1 + i % 50),
            f"{(i % 1000) / 10:.2f}",
            f"2024-01-{1 + i % 28:02d}",
            f"{(i % 300) * 1.5e-3:.4e}",
            f"name {i}",
        ]
        rows.append(row)
    if dirty:
        plants = {
            1: ["a@b.c\n", "no-at-sign", "x @y.z", "é@ü.ß", "a@b@c.d"],
            2: ["1.2.3", "١.٢.٣.٤", "1.2.3.4\n", "999.999.999.999", "a.b.c.d"],
            3: ["us", "USA", "ÀB", "U\n"],
            4: ["Active", "deleted", "active "],
            5: ["0", "51", "-3", "1000"],
            6: ["100.00", "-0.01", "99.91"],
            7: ["2023-12-31", "2024-02-01"],
            8: ["-1e-9", "1e9", "NaN", "inf"],
        }
        for column, values in plants.items():
            for k, value in enumerate(values):
                rows[7 + 31 * column + 5 * k][column] = value
    return rows


def _write(path: Path, rows: list[list[str]]) -> Path:
    header = "id,email,ip,country,status,quantity,price,day,score,name"
    lines = [header]
    for row in rows:
        lines.append(",".join(f'"{v}"' if "\n" in v or "," in v else v for v in row))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("engine", "mode"), [("postgresql", "append"), ("postgresql", "replace"), ("duckdb", "append")]
)
def test_planted_failures_count_the_same_on_batches_and_by_scan(
    engine: str,
    mode: str,
    tmp_path: Path,
    request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rng = random.Random(7)
    clean = _write(tmp_path / "clean.csv", _rows(3000, rng, dirty=False))
    schema = infer(str(clean))
    schema = schema.model_copy(
        update={"tables": (schema.tables[0].model_copy(update={"name": "items"}),)}
    )
    codes = {r.code for t in schema.tables for r in quality_rules(t)}
    assert {"pattern", "range", "accepted_values", "not_null"} <= codes
    dirty = _write(tmp_path / "dirty.csv", _rows(3000, random.Random(8), dirty=True))
    seen = _spy(monkeypatch)
    target = _target(engine, tmp_path, request)
    report = load([str(dirty)], target=target, table="items", schema=schema, mode=mode)
    assert seen[-1], "the rules were counted on the batches"
    checks = {c.code + ":" + c.id.split(".")[1]: c for c in report.tables[0].checks}
    assert checks["pattern:email"].failed == 3  # "a@b.c\n" and "é@ü.ß" match
    assert checks["pattern:ip"].failed >= 4
    assert checks["pattern:country"].failed == 4
    assert checks["accepted_values:status"].failed == 3
    assert checks["range:quantity"].failed >= 3
    assert all(len(c.sample) == min(c.failed, 5) for c in report.tables[0].checks)
    _same_as_scan(target, report, schema)
    # A second file appended to the table that now holds rows: the scan counts them all.
    again = _write(tmp_path / "again.csv", _rows(500, random.Random(9), dirty=True))
    report = load([str(again)], target=target, table="items", schema=schema)
    assert seen[-1] is None
    _same_as_scan(target, report, schema)


def test_countable_rules_count_what_the_engine_counts_on_edge_values() -> None:
    """NaN, infinities, nulls, exact decimal bounds: Arrow's count equals DuckDB's SQL."""
    from decimal import Decimal

    from assay.quality import Rule
    from assay.quality.arrow import countable

    data = pa.table(
        {
            "f": pa.array([float("nan"), float("inf"), -float("inf"), None, 0.5, 1.0, 2.0]),
            "d": pa.array(
                [Decimal("0.49"), Decimal("0.50"), Decimal("9999.80"), Decimal("9999.81")]
                + [None] * 3,
                pa.decimal128(10, 2),
            ),
            "s": pa.array(["a", "b", None, "", "c", "ab", "abc"]),
            "i": pa.array([1, 2, 3, None, 5, 6, 7], pa.int32()),
        }
    )
    rules = [
        Rule(id="t.f.range", code="range", table="t", columns=("f",), critical=False,
             message="", minimum=0.5, maximum=1, kind="float"),
        Rule(id="t.d.range", code="range", table="t", columns=("d",), critical=False,
             message="", minimum=0.5, maximum=9999.8, kind="decimal"),
        Rule(id="t.s.accepted_values", code="accepted_values", table="t", columns=("s",),
             critical=False, message="", values=("a", "b", "")),
        Rule(id="t.i.accepted_values", code="accepted_values", table="t", columns=("i",),
             critical=False, message="", values=(1, 3, 7)),
        Rule(id="t.s.max_length", code="max_length", table="t", columns=("s",),
             critical=False, message="", maximum=2),
        Rule(id="t.s.not_null", code="not_null", table="t", columns=("s",), critical=True,
             message=""),
        Rule(id="t.i.range", code="range", table="t", columns=("i",), critical=False,
             message="", minimum=2, maximum=6, kind="integer"),
    ]  # fmt: skip
    connection = duckdb.connect()
    connection.register("t", data)
    for rule in rules:
        counter = countable(rule, data.schema.field(rule.columns[0]).type)
        assert counter is not None, rule.id
        sql = rule.to_sql("duckdb", "t")
        expected = connection.execute(f"SELECT count(*) FROM ({sql})").fetchone()[0]
        assert counter(data.column(rule.columns[0])) == expected, rule.id
    custom = Rule(id="t.s.pattern", code="pattern", table="t", columns=("s",), critical=False,
                  message="", pattern="^a+$")  # fmt: skip
    assert countable(custom, pa.string()) is None  # a contract's own pattern: the engine's
